from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from approvals.flows import OutsourcingFlow
from approvals.models import Chain, ChainProcess, Outcome
from collection import clock
from collection.exceptions import CollectionError
from collection.legal import add_cost, add_hearing, move_stage, take_case
from collection.models import AgencyKind, Instalment, LegalCase, Stage, StageChange
from collection.outsourcing import engage, fee, pay_fee, register_agency
from collection.payment_plans import create_plan, record_plan_payment
from workflows import holidays, ledger, limitation
from workflows.models import EntryKind, LimitationEvent

pytestmark = pytest.mark.django_db
SH = timezone.get_fixed_timezone(8 * 60)
D = Decimal


@time_machine.travel(datetime(2026, 3, 1, 10, 0, tzinfo=SH), tick=False)
def test_payments_match_instalments_oldest_first_and_missed_ones_are_flagged(overdue, people):
    plan = create_plan(overdue, by=people["handler"], agreed_on=date(2026, 3, 1),
                       instalments=[(date(2026, 5, 31), "30000.00"), (date(2026, 3, 31), "20000.00"),
                                    (date(2026, 4, 30), "25000.00")])
    assert plan.total == D("75000.00")
    assert LimitationEvent.objects.get(debt=overdue).kind == "repayment_plan"
    first, second, _third = plan.instalments.order_by("seq")
    assert (first.due_date, first.amount) == (date(2026, 3, 31), D("20000.00"))
    record_plan_payment(plan, "30000.00", date(2026, 3, 1), by=people["handler"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.paid_amount == D("20000.00") and second.paid_amount == D("10000.00")
    overdue.refresh_from_db()
    assert overdue.balance == D("90000.00")  # posted to the ledger too
    assert clock.flag_missed_instalments(date(2026, 4, 30)) == 0  # due today: not yet missed
    assert clock.flag_missed_instalments(date(2026, 5, 1)) == 1
    assert list(Instalment.objects.filter(missed=True).values_list("seq", flat=True)) == [2]
    assert clock.flag_missed_instalments(date(2026, 5, 1)) == 0  # idempotent


@time_machine.travel(datetime(2026, 3, 1, 10, 0, tzinfo=SH), tick=False)
def test_plan_input_is_checked(overdue, people):
    with pytest.raises(CollectionError, match="大于债权余额"):
        create_plan(overdue, by=people["handler"], agreed_on=date(2026, 3, 1),
                    instalments=[(date(2026, 4, 1), "200000.00")])
    with pytest.raises(CollectionError, match="第 1 期应还金额"):
        create_plan(overdue, by=people["handler"], agreed_on=date(2026, 3, 1), instalments=[(date(2026, 4, 1), "-5")])
    with pytest.raises(CollectionError, match="第 1 期应还日期"):
        create_plan(overdue, by=people["handler"], agreed_on=date(2026, 3, 1), instalments=[(date(2026, 2, 1), "5")])
    assert not LimitationEvent.objects.exists()


def test_legal_case_needs_the_litigation_chain(overdue, people):
    with pytest.raises(CollectionError, match="诉讼审批"):
        take_case(overdue, by=people["legal"])


def test_legal_stage_order_is_enforced(in_legal, people):
    with pytest.raises(PermissionDenied):
        take_case(in_legal, by=people["handler"])
    case = take_case(in_legal, by=people["legal"])
    assert case.stage == Stage.TAKEN and case.claim_amount == in_legal.balance
    with pytest.raises(CollectionError, match="已有未结案"):
        take_case(in_legal, by=people["legal"])
    with pytest.raises(CollectionError, match="下一步只能是“立案”"):
        move_stage(case, Stage.HEARING, by=people["legal"])
    with pytest.raises(CollectionError, match="受理法院"):
        move_stage(case, Stage.FILED, by=people["legal"], case_number="(2026)粤0106民初1号")
    today = timezone.localdate()
    case = move_stage(case, Stage.FILED, by=people["legal"], court="广州市天河区人民法院",
                      case_number="(2026)粤0106民初1号")
    assert LimitationEvent.objects.get(debt=in_legal).kind == "lawsuit"
    add_hearing(case, by=people["legal"], at=timezone.now() + timedelta(days=10), place="第三法庭")
    with pytest.raises(CollectionError, match="下一步只能是“开庭”"):
        move_stage(case, Stage.JUDGMENT, by=people["legal"], outcome="judgment", judgment_amount="1")
    case = move_stage(case, Stage.HEARING, by=people["legal"])
    with pytest.raises(CollectionError, match="结果"):
        move_stage(case, Stage.JUDGMENT, by=people["legal"], judgment_amount="100")
    case = move_stage(case, Stage.JUDGMENT, by=people["legal"], outcome="settlement", judgment_amount="100000.00")
    # two years, rolled past a statutory rest day (rule R8.14)
    assert case.enforcement_deadline == limitation.deadline(today, 2)
    assert holidays.is_working_day(case.enforcement_deadline)
    add_cost(case, by=people["legal"], kind="诉讼费", amount="2300.00", on=today)
    case = move_stage(case, Stage.CLOSED, by=people["legal"])
    with pytest.raises(CollectionError, match="已结案"):
        move_stage(case, Stage.ENFORCEMENT, by=people["legal"])
    with pytest.raises(CollectionError, match="已结案"):
        add_cost(case, by=people["legal"], kind="执行费", amount="1", on=today)
    assert list(StageChange.objects.filter(case=case).values_list("to_stage", flat=True)) == [
        "taken", "filed", "hearing", "judgment", "closed"]
    assert LegalCase.objects.get(pk=case.pk).costs.get().amount == D("2300.00")


def _approved_f(debt, people):
    return ChainProcess.objects.create(flow_class=OutsourcingFlow, debt=debt, chain=Chain.OUTSOURCING,
                                       requested_by=people["handler"], outcome=Outcome.APPROVED, active=False,
                                       agency="天河催收服务有限公司")


@time_machine.travel(datetime(2026, 6, 1, 10, 0, tzinfo=SH), tick=False)
def test_outsourcing_fee_is_never_payable_before_recovery(overdue, people):
    agency = register_agency(by=people["committee"], name="天河催收服务有限公司", kind=AgencyKind.AGENCY,
                             fee_percent="8.50")
    with pytest.raises(PermissionDenied):
        register_agency(by=people["handler"], name="X", kind=AgencyKind.AGENCY, fee_percent="1")
    with pytest.raises(CollectionError, match="总经理"):
        engage(overdue, agency, by=people["handler"])
    other = register_agency(by=people["committee"], name="另一家催收公司", kind=AgencyKind.AGENCY, fee_percent="5")
    _approved_f(overdue, people)
    with pytest.raises(CollectionError, match="总经理批准的受托机构"):
        engage(overdue, other, by=people["handler"])
    # A payment before the engagement starts earns the agency nothing.
    ledger.post_entry(overdue.pk, EntryKind.PAYMENT, D("10000.00"), date(2026, 5, 20), by=people["finance"])
    engagement = engage(overdue, agency, by=people["handler"], start_date=date(2026, 5, 25))
    assert engagement.fee_percent == D("8.50")
    assert fee(engagement) == {"recovered": D("0.00"), "earned": D("0.00"), "paid": D("0.00"), "payable": D("0.00")}
    with pytest.raises(CollectionError, match="不得预付"):
        pay_fee(engagement, "0.01", by=people["finance"])
    ledger.post_entry(overdue.pk, EntryKind.PAYMENT, D("20000.00"), date(2026, 5, 28), by=people["finance"])
    assert fee(engagement)["payable"] == D("1700.00")
    with pytest.raises(PermissionDenied):
        pay_fee(engagement, "100", by=people["handler"])
    pay_fee(engagement, "1000.00", by=people["finance"])
    with pytest.raises(CollectionError, match="不得预付"):
        pay_fee(engagement, "700.01", by=people["finance"])
    pay_fee(engagement, "700.00", by=people["finance"])
    assert fee(engagement)["payable"] == D("0.00")
    # The same decision cannot be used for a second engagement.
    with pytest.raises(CollectionError, match="总经理"):
        engage(overdue, agency, by=people["handler"])


def test_stage_history_is_append_only(in_legal, people, on_postgres):
    from django.db import DatabaseError, connection, transaction
    case = take_case(in_legal, by=people["legal"])
    # The trigger refuses it; as the application role, so does the missing privilege (issue 15).
    with pytest.raises(DatabaseError, match=r"Cannot|permission denied"), transaction.atomic(), \
            connection.cursor() as cur:
        cur.execute("UPDATE collection_stagechange SET to_stage = 'closed' WHERE case_id = %s", [case.pk])
    assert StageChange.objects.get(case=case).to_stage == Stage.TAKEN


def test_stage_history_refuses_orm_changes(in_legal, people):
    from workflows.exceptions import AppendOnlyError
    case = take_case(in_legal, by=people["legal"])
    with pytest.raises(AppendOnlyError):
        StageChange.objects.filter(case=case).update(to_stage=Stage.CLOSED)
    with pytest.raises(AppendOnlyError):
        StageChange.objects.get(case=case).delete()


@time_machine.travel(datetime(2026, 3, 1, 10, 0, tzinfo=SH), tick=False)
def test_ledger_payments_booked_elsewhere_are_matched_before_flagging(overdue, people):
    plan = create_plan(overdue, by=people["handler"], agreed_on=date(2026, 2, 1),
                       instalments=[(date(2026, 2, 20), "1000.00"), (date(2026, 3, 20), "1000.00")])
    # Before the plan: not matched. After: finance books it on the ledger page.
    ledger.post_entry(overdue.pk, EntryKind.PAYMENT, D("500.00"), date(2026, 1, 15), by=people["finance"])
    ledger.post_entry(overdue.pk, EntryKind.PAYMENT, D("1000.00"), date(2026, 2, 18), by=people["finance"])
    result = clock.run_daily_steps(date(2026, 3, 1))
    assert result["payments_matched"] == 1 and result["instalments_missed"] == 0
    assert [i.paid_amount for i in plan.instalments.order_by("seq")] == [D("1000.00"), D("0.00")]
    assert clock.run_daily_steps(date(2026, 3, 1))["payments_matched"] == 0


def test_legal_board_lists_waiting_debts_near_hearings_and_deadlines(in_legal, people, org):
    from collection.legal import legal_board
    from workflows.limitation import refresh_debt_clock
    from workflows.scoping import debts_for

    refresh_debt_clock(in_legal)  # limitation deadline 2028-03-31: not within 180 days of today
    board = legal_board(debts_for(people["legal"]), LegalCase.objects.all(), today=date(2027, 12, 1))
    assert [d.pk for d in board["waiting"]] == [in_legal.pk]
    assert [c.debt_id for c in board["limitation"]] == [in_legal.pk]
    case = take_case(in_legal, by=people["legal"])
    case = move_stage(case, Stage.FILED, by=people["legal"], court="天河法院", case_number="(2026)粤0106民初2号")
    now = timezone.now()
    soon = add_hearing(case, by=people["legal"], at=now + timedelta(days=10))
    add_hearing(case, by=people["legal"], at=now + timedelta(days=40))
    board = legal_board(debts_for(people["legal"]), LegalCase.objects.all())
    assert list(board["hearings"]) == [soon]
    assert not board["waiting"] and not board["limitation"]  # taken and filed
    assert {code: n for _label, code, n in board["counts"]}["filed"] == 1
    case = move_stage(case, Stage.HEARING, by=people["legal"])
    case = move_stage(case, Stage.JUDGMENT, by=people["legal"], outcome="judgment", judgment_amount="1000")
    board = legal_board(debts_for(people["legal"]), LegalCase.objects.all(),
                        today=case.enforcement_deadline - timedelta(days=30))
    assert [c.pk for c in board["enforcement"]] == [case.pk]
