"""Chain C (write-off) end to end over HTTP, the authority matrix and signatures."""
from datetime import date
from decimal import Decimal

import pytest

from approvals.authority import rule_for
from approvals.models import Chain, Decision, Outcome, Signature
from approvals.signatures import coverage, verify
from documents.catalogue import DocType
from tests import factories as f
from workflows.models import EntryKind, State, User

from .helpers import PASSWORD, act, client_for, files, open_task, overdue_debt, pdf, reload, start

pytestmark = pytest.mark.django_db


def request_write_off(people, debt, **extra):
    data = {"reason": "破产财产已分配完毕", "condition": "bankrupt",
            **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING), **extra}
    return start(people["handler"], Chain.WRITE_OFF, debt, **data)


def bankrupt_debt(org, people, amount="120000.00"):
    from datetime import date
    return overdue_debt(org, people, amount=amount, bankrupt=True, bankrupt_on=date(2024, 5, 1))


def test_write_off_end_to_end(org, people):
    debt = bankrupt_debt(org, people)
    response, process = request_write_off(people, debt)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert process.authority_body == "gm_office"
    assert process.authority_rule.matrix.version == 1
    assert process.amount == Decimal("120000.00")

    assert act(people["committee"], process, "committee_review", comment="证据齐全").status_code == 302
    assert act(people["gm"], process, "gm_instruction", comment="同意核销", password=PASSWORD).status_code == 302
    r = act(people["gm_office"], process, "authority_approval", password=PASSWORD,
            **files(DocType.MEETING_RESOLUTION))
    assert r.status_code == 302, r.content.decode()[:3000]

    # Rule R4.48: the body's approval books nothing; the filing is finance's, in its inbox.
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE and not debt.entries.filter(kind=EntryKind.WRITE_OFF).exists()
    assert reload(process).outcome == Outcome.RUNNING
    filing = open_task(process, "finance_filing")
    assert filing is not None and filing.owner_permission == "approvals.role_finance"
    assert people["finance"].notifications.filter(kind="assigned", message__contains="财务部备案").exists()
    # The step of the debt's unit: another unit's finance does not even see it.
    finance_b = f.user("finance_b", "finance", org["b"])
    assert act(finance_b, process, "finance_filing").status_code == 404
    assert act(people["finance"], process, "finance_filing").status_code == 302

    debt.refresh_from_db()
    assert debt.state == State.WRITTEN_OFF
    assert debt.written_off_amount == Decimal("120000.00")
    entry = debt.entries.get(kind=EntryKind.WRITE_OFF)
    assert entry.amount == Decimal("120000.00") and entry.created_by == people["finance"]
    auth = debt.authorisations.get(target=State.WRITTEN_OFF)
    assert auth.consumed_at is not None and f"process:{process.pk}" in auth.source
    process = reload(process)
    assert process.outcome == Outcome.APPROVED and not process.active
    steps = list(Decision.objects.filter(process=process).values_list("step", "decision", "by__username"))
    assert steps == [("start", "submit", "handler_a"), ("committee_review", "approve", "committee"),
                     ("gm_instruction", "approve", "gm"), ("authority_approval", "approve", "gm_office"),
                     ("finance_filing", "approve", "finance_a")]
    assert Signature.objects.filter(decision__process=process).count() == 2
    # The requester was told; the write-off file went to 清欠办 with a link to the case file (R4.50).
    assert people["handler"].notifications.filter(kind="approved").exists()
    for member in (people["committee"], people["committee_head"]):
        copy = member.notifications.get(kind="copy")
        assert debt.code in copy.message and copy.url == f"/archive/casefile/{debt.pk}/"
    assert not people["gm"].notifications.filter(kind="copy").exists()


def test_booking_refused_when_the_balance_moved_into_another_band(org, people):
    """Rule R4.47: requested at 520,000 (董事会); a payment of 30,000 before the booking leaves
    490,000, 总经理办公会's band: finance's booking is refused, nothing is written off, and the
    chain goes back for 总经理办公会, whose approval lets finance book the 490,000."""
    from workflows.ledger import post_entry
    debt = bankrupt_debt(org, people, amount="520000.00")
    _, process = request_write_off(people, debt)
    assert process.authority_body == "board"
    act(people["committee"], process, "committee_review")
    act(people["gm"], process, "gm_instruction", password=PASSWORD)
    assert act(people["board"], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    post_entry(debt.pk, EntryKind.PAYMENT, "30000.00", date(2026, 1, 5), by=people["finance"])

    r = act(people["finance"], process, "finance_filing")
    assert r.status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE and not debt.entries.filter(kind=EntryKind.WRITE_OFF).exists()
    assert not debt.authorisations.filter(target=State.WRITTEN_OFF).exists()
    process = reload(process)
    assert process.active and process.authority_body == "gm_office"
    assert process.authority_rule.body == "gm_office"
    refused = Decision.objects.get(process=process, step="finance_filing")
    assert refused.decision == "return" and "490,000.00" in refused.comment and "总经理办公会" in refused.comment
    assert open_task(process, "finance_filing") is None
    task = open_task(process, "authority_approval")
    assert task.owner_permission == "approvals.role_gm_office"
    # The board, no longer the right body, cannot take it.
    assert act(people["board"], process, "authority_approval", password=PASSWORD).status_code == 403
    assert act(people["gm_office"], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    assert act(people["finance"], process, "finance_filing").status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.WRITTEN_OFF and debt.written_off_amount == Decimal("490000.00")


def test_booking_within_the_same_band_writes_off_the_balance_now(org, people):
    from workflows.ledger import post_entry
    debt = bankrupt_debt(org, people, amount="120000.00")
    _, process = request_write_off(people, debt)
    act(people["committee"], process, "committee_review")
    act(people["gm"], process, "gm_instruction", password=PASSWORD)
    act(people["gm_office"], process, "authority_approval", password=PASSWORD, **files(DocType.MEETING_RESOLUTION))
    post_entry(debt.pk, EntryKind.PAYMENT, "20000.00", date(2026, 1, 5), by=people["finance"])
    assert act(people["finance"], process, "finance_filing").status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.WRITTEN_OFF and debt.written_off_amount == Decimal("100000.00")


def test_missing_documents_are_named(org, people):
    debt = bankrupt_debt(org, people)
    response, process = start(people["handler"], Chain.WRITE_OFF, debt, reason="x", condition="bankrupt",
                              **files(DocType.WRITE_OFF_APPLICATION))
    assert response.status_code == 200
    body = response.content.decode()
    assert "缺少必需文件" in body and "破产宣告裁定" in body
    assert process is None or not process.active
    assert not Decision.objects.filter(debt=debt).exists()


def test_condition_must_hold(org, people):
    debt = overdue_debt(org, people)  # not bankrupt, due 2020 -> >3 years without performance holds
    response, _ = start(people["handler"], Chain.WRITE_OFF, debt, reason="x", condition="bankrupt",
                        **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING))
    assert response.status_code == 200
    assert "未登记为已破产" in response.content.decode()
    # The matching evidence for "no performance" is not a bankruptcy ruling.
    response, _ = start(people["handler"], Chain.WRITE_OFF, debt, reason="x", condition="no_performance",
                        **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING))
    assert response.status_code == 200 and "核销证据" in response.content.decode()


def test_recent_debt_cannot_use_three_years(org, people):
    from datetime import timedelta

    from workflows.models import ClockSettings
    debt = overdue_debt(org, people, due=date.today() - timedelta(days=400))
    response, _ = start(people["handler"], Chain.WRITE_OFF, debt, reason="x", condition="no_performance",
                        **files(DocType.WRITE_OFF_APPLICATION, DocType.POSTAL_EVIDENCE_LETTER))
    assert response.status_code in (200, 403)
    assert not debt.chain_runs.exists()
    # The years come from the admin's 每日任务设置 (rule R4.42), nothing else.
    clock = ClockSettings.load()
    clock.write_off_years = 1
    clock.save()
    response, process = start(people["handler"], Chain.WRITE_OFF, debt, reason="x", condition="no_performance",
                              **files(DocType.WRITE_OFF_APPLICATION, DocType.POSTAL_EVIDENCE_LETTER))
    assert response.status_code == 302 and process.active


def test_write_off_years_must_be_at_least_one():
    from django.core.exceptions import ValidationError

    from workflows.models import ClockSettings
    clock = ClockSettings(write_off_years=0)
    with pytest.raises(ValidationError) as refused:
        clock.full_clean()
    assert "write_off_years" in refused.value.message_dict


@pytest.mark.parametrize("kind", ["payment", "balance_confirmation", "demand_letter_receipt", "repayment_plan"])
@pytest.mark.parametrize("today,holds", [
    (date(2025, 6, 14), False),   # 3 years − 1 day after the last performance
    (date(2025, 6, 15), True),    # exactly 3 years: 3年以上 includes the 3 years
    (date(2025, 6, 16), True),    # 3 years + 1 day
])
def test_three_years_count_from_the_last_performance(org, people, kind, today, holds):
    """Rule R4.42: counted from the debtor's last performance, not from the due date (2020)."""
    from approvals.write_off import condition_error, last_performance
    from workflows.limitation import record_interruption
    from workflows.models import ClockSettings
    debt = overdue_debt(org, people, due=date(2020, 1, 31))
    record_interruption(debt, kind, date(2022, 6, 15), by=people["handler"])
    # An earlier act and a lawsuit (the creditor's act, not the debtor's) change nothing.
    record_interruption(debt, "balance_confirmation", date(2021, 3, 1), by=people["handler"])
    record_interruption(debt, "lawsuit", date(2023, 1, 10), by=people["handler"])
    assert last_performance(debt) == date(2022, 6, 15)
    problem = condition_error(debt, "no_performance", today)
    assert (problem is None) is holds, problem
    if not holds:
        assert "2022-06-15" in problem and "3" in problem
    clock = ClockSettings.load()
    clock.write_off_years = 2
    clock.save()
    assert condition_error(debt, "no_performance", date(2024, 6, 15)) is None
    assert condition_error(debt, "no_performance", date(2024, 6, 14)) is not None


def test_a_payment_last_month_bars_the_three_year_condition(org, people):
    from datetime import timedelta

    from approvals.actions import available_actions
    from workflows.ledger import post_entry
    debt = overdue_debt(org, people, amount="5000.00", due=date(2019, 12, 31))
    assert "坏账核销" in {a["label"] for a in available_actions(debt, people["handler"])}
    post_entry(debt.pk, EntryKind.PAYMENT, "100.00", date.today() - timedelta(days=30), by=people["finance"])
    debt.refresh_from_db()
    assert "坏账核销" not in {a["label"] for a in available_actions(debt, people["handler"])}
    response, process = start(people["handler"], Chain.WRITE_OFF, debt, reason="x", condition="no_performance",
                              **files(DocType.WRITE_OFF_APPLICATION, DocType.POSTAL_EVIDENCE_LETTER))
    assert process is None and response.status_code in (200, 403)


@pytest.mark.parametrize("amount,body", [
    ("500000.00", "gm_office"), ("500000.01", "board"), ("5000000.00", "board"), ("5000000.01", "shareholders"),
])
def test_authority_boundaries(org, people, amount, body):
    assert rule_for(Decimal(amount)).body == body
    debt = bankrupt_debt(org, people, amount=amount)
    response, process = request_write_off(people, debt)
    assert response.status_code == 302
    assert process.authority_body == body
    act(people["committee"], process, "committee_review")
    act(people["gm"], process, "gm_instruction", password=PASSWORD)
    task = open_task(process, "authority_approval")
    assert task.owner_permission == f"approvals.role_{body}"
    wrong = "board" if body == "gm_office" else "gm_office"
    assert act(people[wrong], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 403
    assert act(people[body], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    assert act(people["finance"], process, "finance_filing").status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.WRITTEN_OFF


def test_new_matrix_version_applies_from_its_date(org, people):
    from datetime import date

    from approvals.models import AuthorityMatrix, AuthorityRule
    m = AuthorityMatrix.objects.create(version=2, effective_from=date(2030, 1, 1))
    AuthorityRule.objects.create(matrix=m, max_amount=Decimal("1000000.00"), body="gm_office")
    AuthorityRule.objects.create(matrix=m, max_amount=None, body="board")
    assert rule_for(Decimal("800000.00"), date(2029, 12, 31)).body == "board"
    rule = rule_for(Decimal("800000.00"), date(2030, 1, 1))
    assert rule.body == "gm_office" and rule.matrix.version == 2


def test_signature_needs_password_and_covers_documents(org, people):
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    act(people["committee"], process, "committee_review")
    r = act(people["gm"], process, "gm_instruction", password="wrong")
    assert r.status_code == 200 and "密码不正确" in r.content.decode()
    assert not Decision.objects.filter(process=process, step="gm_instruction").exists()
    assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    signature = Signature.objects.get(decision__step="gm_instruction", decision__process=process)
    assert signature.signer == people["gm"] and len(signature.sha256) == 64
    assert {d["doc_type"] for d in signature.documents} == {"write_off_application", "bankruptcy_ruling"}
    assert verify(signature)
    assert all(c["covered"] for c in coverage(signature))
    # A document added after signing is shown as not covered.
    from approvals.case_file import attach
    attach(debt, DocType.OTHER_EVIDENCE, pdf("later.pdf"), people["handler"])
    flags = {c["document"].doc_type: c["covered"] for c in coverage(signature)}
    assert flags["other_evidence"] is False and flags["bankruptcy_ruling"] is True
    page = client_for(people["gm"]).get(f"/approvals/process/{process.pk}/")
    assert "签署后新增，未覆盖" in page.content.decode()


def test_reject_ends_with_debt_unchanged(org, people):
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    r = act(people["committee"], process, "committee_review", decision="reject")
    assert r.status_code == 200 and "必须填写理由" in r.content.decode()
    assert act(people["committee"], process, "committee_review", decision="reject",
               comment="证据不足").status_code == 302
    process = reload(process)
    assert process.outcome == Outcome.REJECTED and not process.active and process.finished
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE and not debt.authorisations.exists()
    assert people["handler"].notifications.filter(kind="rejected").exists()


def test_return_goes_back_to_requester(org, people):
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    act(people["committee"], process, "committee_review")
    assert act(people["gm"], process, "gm_instruction", decision="return", comment="补充说明",
               password=PASSWORD).status_code == 302
    task = open_task(process, "rework")
    assert task.owner == people["handler"]
    assert people["handler"].notifications.filter(kind="returned").exists()
    assert act(people["handler"], process, "rework", comment="已补充").status_code == 302
    # Back at the first review; the same reviewer may review the same step again.
    assert act(people["committee"], process, "committee_review").status_code == 302
    assert open_task(process, "gm_instruction") is not None


def test_four_eyes(org, people):
    debt = bankrupt_debt(org, people)
    # The requester is a committee member who also holds the GM role.
    both = f.user("both", ["committee", "gm"], org["hq"])
    both.groups.add(*people["handler"].groups.all())
    data = {"reason": "x", "condition": "bankrupt", **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING)}
    response, process = start(both, Chain.WRITE_OFF, debt, **data)
    assert response.status_code == 302
    # requester never approves their own request
    r = act(both, process, "committee_review")
    assert r.status_code == 403
    # one person signs at most one step
    other = f.user("committee_gm", ["committee", "gm"], org["hq"])
    assert act(other, process, "committee_review").status_code == 302
    assert act(other, process, "gm_instruction", password=PASSWORD).status_code == 403
    assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    # wrong role
    assert act(people["finance"], process, "authority_approval", password=PASSWORD).status_code == 403


def test_only_one_running_chain(org, people):
    debt = bankrupt_debt(org, people)
    request_write_off(people, debt)
    from approvals.actions import available_actions
    assert available_actions(debt, people["handler"]) == []
    response, _ = request_write_off(people, debt)
    assert response.status_code == 200 and "进行中" in response.content.decode()


def test_available_actions(org, people):
    debt = bankrupt_debt(org, people)
    labels = {a["label"] for a in available_actions_for(debt, people["handler"])}
    assert {"坏账核销", "上门催收计划", "诉讼", "以物抵债"} <= labels
    assert "降价处置" not in labels
    assert available_actions_for(debt, people["gm"]) == []        # not a requester role
    assert available_actions_for(debt, people["handler_b"]) == []  # other unit


def available_actions_for(debt, user):
    from approvals.actions import available_actions
    return available_actions(debt, user)


def test_user_model_is_used():
    assert User._meta.label == "workflows.User"


def at_finance_filing(org, people):
    """Chain C up to finance's filing, its last step (open, unclaimed)."""
    _r, process = request_write_off(people, bankrupt_debt(org, people))
    assert act(people["committee"], process, "committee_review", comment="证据齐全").status_code == 302
    assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    assert act(people["gm_office"], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    return process


def test_a_write_off_whose_debt_was_paid_meanwhile_lapses_and_leaves_nothing_of_it(org, people):
    """Rule R4.108 with the write-off's refusals asked before it writes (effects.write_off.check,
    no savepoint): the chain lapses with the reason, and no authorisation, state change or entry
    of the write-off is left behind to be used later."""
    from workflows import ledger
    from workflows.models import Authorisation, StateChange
    process = at_finance_filing(org, people)
    debt = process.debt
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, debt.balance, date(2025, 3, 1), by=people["handler"])
    debt.refresh_from_db()
    assert debt.state == State.CLEARED
    assert act(people["finance"], process, "finance_filing").status_code == 302
    process = reload(process)
    assert process.outcome == Outcome.LAPSED and "债权状态已变化" in process.outcome_reason
    assert not Authorisation.objects.filter(debt=debt, target=State.WRITTEN_OFF).exists()
    assert not StateChange.objects.filter(debt=debt, to_state=State.WRITTEN_OFF).exists()
    assert not debt.entries.filter(kind=EntryKind.WRITE_OFF).exists()


def test_a_failure_after_the_write_offs_check_fails_the_step_whole(org, people, monkeypatch):
    """What fails once the check has passed is no refusal to lapse on: the step's transaction
    fails whole — no authorisation, state change, decision or notification of it is saved, the
    task stays with finance to try again."""
    from workflows.exceptions import LedgerError
    from workflows.models import Authorisation, StateChange
    process = at_finance_filing(org, people)
    debt = process.debt

    def fails(*args, **kwargs):
        raise LedgerError("记账服务失败")
    monkeypatch.setattr("approvals.effects.post_entry", fails)
    with pytest.raises(LedgerError):
        act(people["finance"], process, "finance_filing")
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE
    assert not Authorisation.objects.filter(debt=debt).exclude(target=State.OVERDUE).exists()
    assert not StateChange.objects.filter(debt=debt, to_state=State.WRITTEN_OFF).exists()
    assert not Decision.objects.filter(process=process, step="finance_filing").exists()
    assert reload(process).outcome == Outcome.RUNNING
    task = open_task(process, "finance_filing")
    assert task is not None and task.owner == people["finance"]
