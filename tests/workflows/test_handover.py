"""Handovers and departures (rules R1.9-R1.11) and the related persons' shares (R6.18)."""
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests import factories as f
from workflows import roles
from workflows.exceptions import DepartureRefused, HandoverError
from workflows.handover import debt_handover
from workflows.ledger import post_entry
from workflows.models import AccountabilityRecord, Debt, EntryKind, Handover, ItemKind, OverdueRule, State
from workflows.plans import rewards


@pytest.fixture
def leaver(org, people):
    """handler_a holds two open debts and one cleared one; a colleague in unit A takes over."""
    h = people["handler"]
    d1 = f.debt(org["a"], h, people["responsible"], amount="1000.00")
    d2 = f.debt(org["a1"], h, people["responsible"], amount="2500.50")
    done = f.debt(org["a"], h, amount="300.00")
    post_entry(done.pk, EntryKind.PAYMENT, D("300.00"), date(2025, 1, 31), by=h)   # cleared: not handed over
    AccountabilityRecord.objects.create(debt=d1, handler=h, responsible=people["responsible"],
                                        entered_overdue_on=date(2025, 2, 1), rule=OverdueRule.DUE_DATE,
                                        balance=D("1000.00"))
    colleague = f.user("handler_a2", roles.HANDLER, org["a"])
    return {"d1": d1, "d2": d2, "done": done, "colleague": colleague}


def test_committee_hands_over_every_open_debt_with_a_record(leaver, people):
    h, c = people["handler"], leaver["colleague"]
    handover = debt_handover(by=people["committee"], from_person=h, to_person=c, role="handler", reason="调往总部")
    assert set(Debt.objects.filter(handler=c).values_list("pk", flat=True)) == {leaver["d1"].pk, leaver["d2"].pk}
    assert {(i.debt_id, i.balance) for i in handover.items.all()} == {(leaver["d1"].pk, D("1000.00")),
                                                                      (leaver["d2"].pk, D("2500.50"))}
    assert (handover.from_person, handover.to_person, handover.by, handover.reason) == (
        h, c, people["committee"], "调往总部")
    # R1.11: the accountability record still names the people of the day the debt went overdue.
    record = AccountabilityRecord.objects.get(debt=leaver["d1"])
    assert record.handler == h and record.responsible == people["responsible"]


@pytest.mark.parametrize("change, message", [
    ({"reason": "  "}, "交接原因"),
    ({"to": "handler"}, "不能是移交人本人"),
    ({"to": "handler_b"}, "管辖范围"),       # unit B's handler cannot take unit A's debts
])
def test_handover_refusals_name_the_problem_and_change_nothing(leaver, people, change, message):
    to = people[change["to"]] if "to" in change else leaver["colleague"]
    with pytest.raises(HandoverError, match=message):
        debt_handover(by=people["committee"], from_person=people["handler"], to_person=to, role="handler",
                      reason=change.get("reason", "调岗"))
    assert not Handover.objects.exists()
    assert Debt.objects.filter(handler=people["handler"]).count() == 3


def test_only_the_committee_hands_over(leaver, people):
    with pytest.raises(PermissionDenied):
        debt_handover(by=people["gm"], from_person=people["handler"], to_person=leaver["colleague"],
                      role="handler", reason="调岗")


def test_a_user_holding_open_debts_cannot_be_deactivated(leaver, people):
    h = people["handler"]
    h.is_active = False
    with pytest.raises(ValidationError) as form_error:
        h.full_clean()
    assert "2 笔未结清的债权" in str(form_error.value.message_dict["is_active"])
    with pytest.raises(DepartureRefused):
        h.save()
    debt_handover(by=people["committee"], from_person=h, to_person=leaver["colleague"], role="handler",
                  reason="离职")
    h.refresh_from_db()
    h.is_active = False
    people["responsible"].is_active = False
    with pytest.raises(DepartureRefused):     # the responsible person still holds both debts
        people["responsible"].save()
    h.save()                                  # the handler holds nothing any more
    assert not type(h).objects.get(pk=h.pk).is_active


def test_admin_refuses_the_deactivation_on_the_field(leaver, people, client):
    admin = type(people["handler"]).objects.create_superuser("root", password="pw-Qingqian-2026")
    client.force_login(admin)
    h = people["handler"]
    page = client.get(reverse("admin:workflows_user_change", args=[h.pk]))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"is_active": "", "groups": [g.pk for g in h.groups.all()], "user_permissions": [],
                 "date_joined_0": "2025-01-01", "date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": ""})
    answer = client.post(reverse("admin:workflows_user_change", args=[h.pk]), data)
    assert answer.status_code == 200
    assert "须先由清欠办办理交接" in answer.content.decode()
    h.refresh_from_db()
    assert h.is_active


def test_handover_pages_keep_the_input_and_list_the_debts(leaver, people, client):
    client.force_login(people["committee"])
    new = reverse("debts:handover_new")
    listing = client.get(new, {"from_person": people["handler"].pk, "role": "handler"})
    body = listing.content.decode()
    assert leaver["d1"].code in body and leaver["d2"].code in body and leaver["done"].code not in body
    assert "2,500.50" in body
    post = {"from_person": people["handler"].pk, "role": "handler", "to_person": leaver["colleague"].pk,
            "debts": [leaver["d1"].pk], "reason": "", "confirm": "1"}
    refused = client.post(new, post)
    assert refused.status_code == 200 and "请填写交接原因" in refused.content.decode()
    assert refused.context["form"]["to_person"].value() == str(leaver["colleague"].pk)   # kept
    assert not Handover.objects.exists()
    done = client.post(new, {**post, "reason": "分工调整"})
    handover = Handover.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("debts:handover", kwargs={"pk": handover.pk})
    detail = client.get(done["Location"]).content.decode()
    assert leaver["d1"].code in detail and leaver["d2"].code not in detail and "分工调整" in detail
    assert Debt.objects.get(pk=leaver["d2"].pk).handler == people["handler"]    # only the chosen one moved
    client.force_login(people["handler"])
    assert client.get(reverse("debts:handovers")).status_code == 403
    assert client.get(reverse("debts:handover", kwargs={"pk": handover.pk})).status_code == 403


def test_the_others_share_is_divided_among_everyone_the_debt_has_had(org, people):
    """R6.18: 2 % of a 10,000.01 retention penalty shared by two former handlers and the current one."""
    h, r = people["handler"], people["responsible"]
    second = f.user("handler_a2", roles.HANDLER, org["a"])
    third = f.user("handler_a3", roles.HANDLER, org["a"])
    debt = f.debt(org["a"], h, r, amount="10000.01", due=date(2025, 6, 30), category="retention")
    debt_handover(by=people["committee"], from_person=h, to_person=second, role="handler", reason="调岗")
    debt_handover(by=people["committee"], from_person=second, to_person=third, role="handler", reason="调岗")
    q4 = rewards.compute_assessment(2025, 4, by=people["committee"])
    others = sorted((i.person_id, i.amount) for i in q4.items.filter(kind=ItemKind.PENALTY, share="others"))
    # 200.00 (2 % of 10,000.01 rounded to the fen) in three: 66.67 + 66.67 + 66.66
    assert others == [(h.pk, D("66.67")), (second.pk, D("66.67")), (third.pk, D("66.66"))]
    assert q4.items.get(kind=ItemKind.PENALTY, share="responsible").person == r
    assert Debt.objects.get(pk=debt.pk).state == State.NORMAL
