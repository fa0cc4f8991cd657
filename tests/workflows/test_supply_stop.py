"""Stop supply 停止供货 (rule R3.12): a debtor with overdue arrears is flagged; a new contract or
debt for it is refused on the admin page, by the import and the API shows it; 清欠办 lifts the
flag with a recorded reason; the flag shows on the debtor and debt pages and in the API."""
import io
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from tests import factories as f
from workflows.exceptions import AppendOnlyError, SupplyStopError, SupplyStopped
from workflows.ledger import post_entry
from workflows.ledger_import.parsing import HEADERS
from workflows.ledger_import.service import import_ledger
from workflows.lifecycle import apply_transition
from workflows.models import Contract, Debt, EntryKind, State, SupplyStopLift
from workflows.supply import check_may_register, lift_stop, status


@pytest.fixture
def overdue(org, people):
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount="5000.00", due=date(2025, 1, 31),
                  code="QQ-OVERDUE-1")
    apply_transition(debt.pk, State.OVERDUE, reason="到期未回款")
    debt.refresh_from_db()
    return debt


def login(user):
    client = Client()
    client.force_login(user)
    return client


def ledger_row(debtor, number="HT-NEW-1"):
    values = {"单位": "A", "债务人": debtor.name, "统一社会信用代码": debtor.credit_code, "合同编号": number,
              "合同金额": 1000, "合同到期日": "2026-12-31", "类别": "应收账款", "应收金额": 800,
              "经办人": "handler_a", "责任人": "resp_a"}
    wb = Workbook()
    wb.active.append(HEADERS)
    wb.active.append([values[h] for h in HEADERS])
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


# --- the flag -------------------------------------------------------------------------------

def test_overdue_arrears_flag_the_debtor_and_paying_them_unflags_it(overdue, org, people):
    state = status(overdue.debtor)
    assert state.stopped and state.arrears == Decimal("5000.00") and state.codes == ["QQ-OVERDUE-1"]
    with pytest.raises(SupplyStopped, match=r"逾期欠款 1 笔共 5,000.00 元（QQ-OVERDUE-1）"):
        check_may_register(overdue.debtor)

    normal = f.debt(org["a"], people["handler"], amount="100.00", due=date(2030, 1, 1))
    assert not status(normal.debtor).stopped  # a debt not yet due is no arrears

    post_entry(overdue.pk, EntryKind.PAYMENT, Decimal("5000.00"), date(2026, 1, 5), by=people["finance"])
    assert not status(overdue.debtor).stopped
    check_may_register(overdue.debtor)


def test_a_written_off_claim_still_owed_keeps_supply_stopped(overdue, people):
    """账销案存: the write-off does not end what the debtor owes."""
    f.authorise(overdue, State.WRITTEN_OFF, people["gm"])   # on an approved chain record, as the database demands
    apply_transition(overdue.pk, State.WRITTEN_OFF, by=people["gm"], reason="核销")
    assert Debt.objects.get(pk=overdue.pk).state == State.WRITTEN_OFF
    assert status(overdue.debtor).stopped


# --- lifting --------------------------------------------------------------------------------

def test_only_committee_lifts_with_a_reason_and_the_lift_covers_todays_arrears_only(overdue, org, people):
    with pytest.raises(SupplyStopError, match="只有清欠办"):
        lift_stop(debtor=overdue.debtor, by=people["handler"], reason="已签订分期还款协议")
    with pytest.raises(SupplyStopError, match="解除原因"):
        lift_stop(debtor=overdue.debtor, by=people["committee"], reason="  ")
    assert not SupplyStopLift.objects.exists()

    lift = lift_stop(debtor=overdue.debtor, by=people["committee"], reason="已签订分期还款协议，首期已付")
    assert (lift.lifted_by, lift.debt_ids, lift.arrears) == (people["committee"], [overdue.pk], Decimal("5000.00"))
    assert not status(overdue.debtor).stopped
    check_may_register(overdue.debtor)
    with pytest.raises(SupplyStopError, match="未被停止供货"):
        lift_stop(debtor=overdue.debtor, by=people["committee_head"], reason="再次解除一次")
    with pytest.raises(AppendOnlyError):
        lift.save()

    # Another debt of the debtor falls overdue: the lift does not cover it.
    later = f.debt(org["a"], people["handler"], amount="300.00", due=date(2025, 6, 30), debtor_obj=overdue.debtor)
    apply_transition(later.pk, State.OVERDUE)
    state = status(overdue.debtor)
    assert state.stopped and state.arrears == Decimal("5300.00")


# --- the import -------------------------------------------------------------------------------

def test_import_refuses_a_new_debt_for_a_stopped_debtor_naming_the_arrears(overdue, people):
    before = (Contract.objects.count(), Debt.objects.count())
    report = import_ledger(ledger_row(overdue.debtor), by=people["finance"])

    assert [(e.row, e.column) for e in report.errors] == [(2, "债务人")]
    assert "已停止供货" in report.errors[0].reason and "5,000.00" in report.errors[0].reason
    assert "QQ-OVERDUE-1" in report.errors[0].reason and "清欠办" in report.errors[0].reason
    assert (Contract.objects.count(), Debt.objects.count()) == before

    lift_stop(debtor=overdue.debtor, by=people["committee"], reason="总经理批准继续供货")
    report = import_ledger(ledger_row(overdue.debtor), by=people["finance"])
    assert report.ok and report.debts_created == 1


# --- pages ------------------------------------------------------------------------------------

def test_the_admin_contract_page_refuses_a_contract_for_a_stopped_debtor(overdue, org, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    data = {"unit": org["a"].pk, "number": "HT-ADMIN-1", "debtor": overdue.debtor.pk, "due_on": "2026-12-31",
            "amount": "1000.00"}
    response = login(admin).post(reverse("admin:workflows_contract_add"), data)
    assert response.status_code == 200
    assert "已停止供货" in response.content.decode() and "5,000.00" in response.content.decode()
    assert not Contract.objects.filter(number="HT-ADMIN-1").exists()

    lift_stop(debtor=overdue.debtor, by=f.user("head2", "committee_head", org["hq"]), reason="已提供银行保函")
    assert login(admin).post(reverse("admin:workflows_contract_add"), data).status_code == 302
    assert Contract.objects.filter(number="HT-ADMIN-1").exists()


def test_the_flag_shows_on_the_debt_and_debtor_pages(overdue, people):
    page = login(people["handler"]).get(reverse("debts:detail", kwargs={"pk": overdue.pk})).content.decode()
    assert 'id="supply-stop"' in page and "停止供货" in page and "5,000.00" in page

    debtor_url = reverse("debts:debtor", kwargs={"pk": overdue.debtor_id})
    page = login(people["handler"]).get(debtor_url).content.decode()
    assert 'id="debtor-flag"' in page and "QQ-OVERDUE-1" in page
    assert 'id="lift-supply-stop"' not in page  # the handler cannot lift it

    committee_page = login(people["committee"]).get(debtor_url).content.decode()
    assert 'id="lift-supply-stop"' in committee_page


def test_committee_lifts_on_the_debtor_page_and_a_bad_reason_keeps_the_form(overdue, people):
    client = login(people["committee"])
    url = reverse("debts:lift_supply_stop", kwargs={"pk": overdue.debtor_id})
    bad = client.post(url, {"reason": "好"})
    assert bad.status_code == 200 and "至少 4 个字" in bad.content.decode() and "好</textarea>" in bad.content.decode()
    assert not SupplyStopLift.objects.exists()

    response = client.post(url, {"reason": "已签订分期还款协议，首期已付"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'id="supply-stop-lifted"' in page and "已签订分期还款协议" in page and 'id="debtor-flag"' not in page
    debt_page = client.get(reverse("debts:detail", kwargs={"pk": overdue.pk})).content.decode()
    assert 'id="supply-stop-lifted"' in debt_page and 'id="supply-stop"' not in debt_page

    assert login(people["handler"]).post(url, {"reason": "我想解除"}).status_code == 403


def test_a_debtor_outside_the_scope_is_404(overdue, people):
    url = reverse("debts:debtor", kwargs={"pk": overdue.debtor_id})
    assert login(people["handler_b"]).get(url).status_code == 404
    assert login(people["handler_b"]).post(reverse("debts:lift_supply_stop", kwargs={"pk": overdue.debtor_id}),
                                           {"reason": "越权解除"}).status_code in (403, 404)


# --- the API --------------------------------------------------------------------------------

def test_the_api_shows_the_flag_and_committee_lifts_it(overdue, org, people):
    other = f.debt(org["a"], people["handler"], amount="10.00", due=date(2030, 1, 1))
    client = login(people["handler"])
    debts = {d["code"]: d for d in client.get("/api/debts/").json()["results"]}
    assert debts["QQ-OVERDUE-1"]["debtor_supply_stopped"] is True
    assert debts[other.code]["debtor_supply_stopped"] is False

    debtor = client.get(f"/api/debtors/{overdue.debtor_id}/").json()
    assert debtor["supply_stopped"] is True and debtor["overdue_arrears"] == "5000.00"
    assert debtor["overdue_debts"] == ["QQ-OVERDUE-1"] and debtor["supply_stop_lifted"] is None
    listed = {d["id"]: d for d in client.get("/api/debtors/").json()["results"]}
    assert listed[overdue.debtor_id]["supply_stopped"] and not listed[other.debtor_id]["supply_stopped"]

    url = f"/api/debtors/{overdue.debtor_id}/lift-supply-stop/"
    assert client.post(url, {"reason": "我想解除"}, content_type="application/json").status_code == 403
    committee = login(people["committee"])
    refused = committee.post(url, {"reason": ""}, content_type="application/json")
    assert refused.status_code == 400 and "reason" in refused.json()
    lifted = committee.post(url, {"reason": "已提供银行保函"}, content_type="application/json").json()
    assert lifted["supply_stopped"] is False and lifted["supply_stop_lifted"]["reason"] == "已提供银行保函"
    assert login(people["handler_b"]).get(f"/api/debtors/{overdue.debtor_id}/").status_code == 404
