"""The 清欠办 overdue queue (rule R5.5) and suspension (rule R5.6) on every page it touches."""
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse

from approvals.models import Chain, ChainProcess
from tests import factories as f
from workflows.clock.run import run_daily
from workflows.models import AccountabilityRecord, Debt, Handover, ItemKind, TriageAction, TriageKind
from workflows.plans import rewards
from workflows.suspension import suspend
from workflows.triage import queue_count

DUE = date(2025, 1, 31)
TODAY = DUE + timedelta(days=1)


@pytest.fixture
def world(org, people, time_machine):
    time_machine.move_to(f"{TODAY}T09:00:00+08:00", tick=False)
    h, hb = people["handler"], people["handler_b"]
    debts = {
        "a_small": f.debt(org["a"], h, people["responsible"], amount="1000.00", due=DUE),
        "a_big": f.debt(org["a"], h, people["responsible"], amount="250000.00", due=DUE),
        "b": f.debt(org["b"], hb, amount="5000.00", due=DUE),
        "held": f.debt(org["a"], h, amount="3000.00", due=DUE),
        "normal": f.debt(org["a"], h, amount="700.00", due=DUE + timedelta(days=30)),
    }
    suspend(debts["held"], "债务人破产重整，暂缓追收", DUE + timedelta(days=60), people["committee_head"],
            source="test", start=DUE)
    run_daily(TODAY)
    return debts


def codes(response):
    return [r.debt.code for r in response.context["rows"]]


def test_the_queue_lists_untriaged_overdue_debts_with_a_menu_count(world, people, client):
    client.force_login(people["committee"])
    page = client.get(reverse("debts:overdue_queue"))
    assert sorted(codes(page)) == sorted(world[k].code for k in ("a_small", "a_big", "b"))
    body = page.content.decode()
    assert 'id="menu-overdue-queue"' in body and ">3</span>" in body       # the count in the menu
    assert "250,000.00" in body and "另有 1 笔暂停追收中" in body
    held = client.get(reverse("debts:overdue_queue"), {"suspended": "on"})
    assert codes(held) == [world["held"].code]
    assert f"暂停至 {DUE + timedelta(days=60):%Y-%m-%d}" in held.content.decode()
    filtered = client.get(reverse("debts:overdue_queue"), {"unit": world["b"].unit_id})
    assert codes(filtered) == [world["b"].code]
    assert codes(client.get(reverse("debts:overdue_queue"), {"min_amount": "100000"})) == [world["a_big"].code]
    assert codes(client.get(reverse("debts:overdue_queue"), {"handler": people["handler_b"].pk})) == [world["b"].code]
    client.force_login(people["handler"])
    assert client.get(reverse("debts:overdue_queue")).status_code == 403


def test_mark_reviewed_needs_a_note_and_records_who_and_when(world, people, client):
    client.force_login(people["committee"])
    url = reverse("debts:overdue_queue")
    ids = [world["a_small"].pk, world["b"].pk]
    refused = client.post(url, {"action": "review", "debts": ids, "note": ""}, follow=True)
    assert "请写明审阅意见" in refused.content.decode() and queue_count(TODAY) == 3
    client.post(url, {"action": "review", "debts": ids, "note": "已电话核实，下周回款"})
    assert queue_count(TODAY) == 1
    record = AccountabilityRecord.objects.get(debt=world["b"])
    assert record.triaged_by == people["committee"] and record.triaged_at is not None
    action = TriageAction.objects.get(debt=world["b"])
    assert (action.kind, action.note, action.by) == (TriageKind.REVIEW, "已电话核实，下周回款", people["committee"])


def test_assign_hands_the_debts_over_and_leaves_the_queue(world, people, client, org):
    other = f.user("handler_a9", "handler", org["a"])
    client.force_login(people["committee"])
    client.post(reverse("debts:overdue_queue"), {"action": "assign", "debts": [world["a_small"].pk, world["a_big"].pk],
                                                 "handler": other.pk, "note": "原经办人调岗"})
    assert set(Debt.objects.filter(handler=other).values_list("pk", flat=True)) == {world["a_small"].pk,
                                                                                    world["a_big"].pk}
    handover = Handover.objects.get()
    assert handover.from_person == people["handler"] and handover.reason == "原经办人调岗"
    assert queue_count(TODAY) == 1
    # unit B's debt cannot go to a unit A handler: refused, nothing changes
    answer = client.post(reverse("debts:overdue_queue"), {"action": "assign", "debts": [world["b"].pk],
                                                          "handler": other.pk}, follow=True)
    assert "管辖范围" in answer.content.decode() and queue_count(TODAY) == 1


def test_start_visit_plans_in_bulk_each_its_own_chain(world, people, client):
    client.force_login(people["committee"])
    url = reverse("debts:overdue_queue")
    page = client.post(url, {"action": "visit", "debts": [world["a_small"].pk, world["b"].pk],
                             "note": "三月上门催收：核对对账单并约谈财务负责人"})
    assert page.status_code == 200
    started = ChainProcess.objects.filter(chain=Chain.VISIT)
    assert set(started.values_list("debt_id", flat=True)) == {world["a_small"].pk, world["b"].pk}
    assert "已发起" in page.content.decode()
    assert TriageAction.objects.filter(kind=TriageKind.VISIT).count() == 2 and queue_count(TODAY) == 1
    again = client.post(url, {"action": "visit", "debts": [world["a_small"].pk], "note": "再次"})
    assert "未发起" in again.content.decode()          # a chain is already running on it
    assert ChainProcess.objects.filter(chain=Chain.VISIT).count() == 2


def test_suspended_debts_say_so_and_are_not_penalised(world, people, client):
    """Rule R5.6: the debt page and the warnings say 暂停至…; no penalty while it is in force."""
    client.force_login(people["handler"])
    detail = client.get(reverse("debts:detail", kwargs={"pk": world["held"].pk})).content.decode()
    assert "特殊原因暂停追收至" in detail and "债务人破产重整" in detail
    client.force_login(people["committee"])
    warnings = client.get(reverse("warnings:accountability"), {"scope": "all"}).content.decode()
    assert f"暂停至 {DUE + timedelta(days=60):%Y-%m-%d}" in warnings
    long_held = f.debt(world["held"].unit, people["handler"], amount="9000.00", due=date(2022, 6, 30),
                       category="retention")
    suspend(long_held, "诉讼保全中", date(2026, 6, 30), people["committee_head"], source="test",
            start=date(2025, 1, 1))
    pursued = f.debt(world["held"].unit, people["handler"], amount="9000.00", due=date(2022, 6, 30),
                     category="retention")
    q4 = rewards.compute_assessment(2025, 4, by=people["committee"])
    penalised = set(q4.items.filter(kind=ItemKind.PENALTY).values_list("debt_id", flat=True))
    assert long_held.pk not in penalised and pursued.pk in penalised
    assert sum(i.amount for i in q4.items.filter(kind=ItemKind.PENALTY, debt=pursued)) == D("450.00")
