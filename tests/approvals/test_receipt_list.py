"""Chain A's receipt list (four parallel signatures) and finance's booking step: every human step
offers approve / reject with a reason / return for rework, over HTTP."""
from decimal import Decimal

import pytest
from viewflow.workflow.status import STATUS

from approvals import inbox
from approvals.models import Chain, Decision, Outcome, Signature, StepInfo
from documents.catalogue import DocType
from tests import factories as f
from workflows.models import EntryKind, State

from .helpers import PASSWORD, act, client_for, files, open_task, overdue_debt, reload, start

pytestmark = pytest.mark.django_db

SIGN_STEPS = ("sign_manager", "sign_finance_head", "sign_keeper", "sign_inspector")


@pytest.fixture
def signatories(org, people):
    """The four receipt-list signatories of unit A, four distinct people."""
    return {
        "sign_manager": people["responsible"],
        "sign_finance_head": people["finance"],
        "sign_keeper": f.user("keeper_a", "custodian", org["a"]),
        "sign_inspector": f.user("inspector_a", "inspector", org["a"]),
    }


def in_kind_at_receipt(org, people, amount="300000.00"):
    """An in-kind chain that has reached the receipt list (appraised at 250,000)."""
    debt = overdue_debt(org, people, amount=amount)
    r, process = start(people["handler"], Chain.IN_KIND, debt, reason="以设备抵债", **files(DocType.INVENTORY_LIST))
    assert r.status_code == 302
    assert act(people["tech"], process, "appraisal", appraised_value="250000.00",
               **files(DocType.APPRAISAL_OPINION)).status_code == 302
    assert act(people["gm"], process, "gm_approval", password=PASSWORD).status_code == 302
    return debt, process


def sign(signatories, process, step, **data):
    return act(signatories[step], process, step, **data)


def task_status(process, step):
    node = process.flow_class.instance.node(step)
    return list(process.task_set.filter(flow_task=node).order_by("pk").values_list("status", flat=True))


def assert_nothing_booked(debt, amount="300000.00"):
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE
    assert debt.balance == Decimal(amount)
    assert not debt.entries.filter(kind=EntryKind.IN_KIND_OFFSET).exists()
    assert not debt.authorisations.exists()


def test_every_receipt_step_offers_approve_reject_return(org, people, signatories):
    _debt, process = in_kind_at_receipt(org, people)
    c = client_for(signatories["sign_keeper"])
    task = open_task(process, "sign_keeper")
    c.post(inbox.task_url(task))
    page = c.get(inbox.execute_url(task)).content.decode()
    for value in ('value="approve"', 'value="reject"', 'value="return"'):
        assert value in page
    # No signature step here: no password field at all.
    assert 'name="password"' not in page


def test_reject_on_one_branch_cancels_the_others_and_books_nothing(org, people, signatories):
    debt, process = in_kind_at_receipt(org, people)
    assert sign(signatories, process, "sign_manager", **files(DocType.RECEIPT_LIST)).status_code == 302
    assert sign(signatories, process, "sign_finance_head").status_code == 302
    # The inspector has claimed their branch but not decided yet.
    inspector_task = open_task(process, "sign_inspector")
    client_for(signatories["sign_inspector"]).post(inbox.task_url(inspector_task))
    # A reject needs a reason: without one nothing changes.
    r = sign(signatories, process, "sign_keeper", decision="reject")
    assert r.status_code == 200 and "必须填写理由" in r.content.decode()
    assert reload(process).active
    r = sign(signatories, process, "sign_keeper", decision="reject", comment="实物与清单不符")
    assert r.status_code == 302

    process = reload(process)
    assert process.outcome == Outcome.REJECTED and not process.active
    assert process.status == STATUS.DONE and process.finished is not None
    assert task_status(process, "sign_inspector") == [STATUS.CANCELED]
    assert task_status(process, "receipt_join") == [STATUS.CANCELED]
    assert task_status(process, "booking") == []
    assert not process.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).exists()
    assert not StepInfo.objects.filter(process=process, open=True).exists()
    assert_nothing_booked(debt)
    keeper_decision = Decision.objects.get(process=process, step="sign_keeper")
    assert keeper_decision.decision == "reject" and keeper_decision.comment == "实物与清单不符"
    assert people["handler"].notifications.filter(kind="rejected").exists()
    # The cancelled branch is gone from the inspector's inbox and cannot be decided any more.
    assert inbox.counts(signatories["sign_inspector"]) == {"mine": 0, "claimable": 0, "overdue": 0}
    inspector_task.refresh_from_db()
    r = client_for(signatories["sign_inspector"]).post(
        inbox.execute_url(inspector_task), {"decision": "approve", "comment": ""})
    assert r.status_code == 409    # rule R4.20: a cancelled task answers that it is closed
    assert not Decision.objects.filter(process=process, step="sign_inspector").exists()
    # The debt is free for another chain.
    from approvals.actions import available_actions
    assert available_actions(debt, people["handler"])


def test_return_from_a_signature_goes_to_the_requester_and_the_chain_runs_again(org, people, signatories):
    debt, process = in_kind_at_receipt(org, people)
    assert sign(signatories, process, "sign_manager", **files(DocType.RECEIPT_LIST)).status_code == 302
    r = sign(signatories, process, "sign_inspector", decision="return", comment="请补充设备照片")
    assert r.status_code == 302
    process = reload(process)
    assert process.active and process.outcome == Outcome.RUNNING
    for step in ("sign_finance_head", "sign_keeper"):
        assert task_status(process, step) == [STATUS.CANCELED]
    assert task_status(process, "receipt_join") == [STATUS.CANCELED]
    rework = open_task(process, "rework")
    assert rework.owner == people["handler"]
    assert people["handler"].notifications.filter(kind="returned").exists()
    assert_nothing_booked(debt)

    # Resubmitted: appraisal, GM and all four signatures again, then booking.
    assert act(people["handler"], process, "rework", comment="已补充照片").status_code == 302
    assert act(people["tech"], process, "appraisal", appraised_value="250000.00").status_code == 302
    assert act(people["gm"], process, "gm_approval", password=PASSWORD).status_code == 302
    for step in SIGN_STEPS:
        assert open_task(process, step) is not None
        assert sign(signatories, process, step).status_code == 302, step
    finance2 = f.user("finance_a2", "finance", org["a"])
    assert act(finance2, process, "booking").status_code == 302
    debt.refresh_from_db()
    # 250,000 of 300,000: the offset is booked, the debt stays open (rule R4.24).
    assert debt.state == State.OVERDUE and debt.balance == Decimal("50000.00")
    assert reload(process).outcome == Outcome.APPROVED


def test_booking_reject_books_nothing(org, people, signatories):
    debt, process = in_kind_at_receipt(org, people)
    for step in SIGN_STEPS:
        extra = files(DocType.RECEIPT_LIST) if step == "sign_manager" else {}
        assert sign(signatories, process, step, **extra).status_code == 302
    finance2 = f.user("finance_a2", "finance", org["a"])
    r = act(finance2, process, "booking", decision="reject")
    assert r.status_code == 200 and "必须填写理由" in r.content.decode()
    assert act(finance2, process, "booking", decision="reject", comment="评估价值有误").status_code == 302
    assert reload(process).outcome == Outcome.REJECTED
    assert_nothing_booked(debt)


def test_booking_return_goes_to_the_requester(org, people, signatories):
    debt, process = in_kind_at_receipt(org, people)
    for step in SIGN_STEPS:
        extra = files(DocType.RECEIPT_LIST) if step == "sign_manager" else {}
        assert sign(signatories, process, step, **extra).status_code == 302
    finance2 = f.user("finance_a2", "finance", org["a"])
    assert act(finance2, process, "booking", decision="return", comment="补充入库单").status_code == 302
    assert open_task(process, "rework").owner == people["handler"]
    assert reload(process).active
    assert_nothing_booked(debt)


def test_custodian_and_inspector_signatures_need_their_roles_in_the_debts_unit(org, people, signatories):
    _debt, process = in_kind_at_receipt(org, people)
    business = f.user("business_a", "business", org["a"])
    custodian_b = f.user("keeper_b", "custodian", org["b"])
    inspector_b = f.user("inspector_b", "inspector", org["b"])
    assert act(business, process, "sign_keeper").status_code == 403          # no 保管 role
    # Other unit: outside their scope, so the task is not shown to exist (404, not 403).
    assert act(custodian_b, process, "sign_keeper").status_code == 404
    assert act(inspector_b, process, "sign_inspector").status_code == 404
    assert act(signatories["sign_keeper"], process, "sign_inspector").status_code == 403  # 保管 is not 验收
    assert inbox.counts(custodian_b)["claimable"] == 0
    assert inbox.counts(signatories["sign_keeper"])["claimable"] == 1
    assert inbox.counts(signatories["sign_inspector"])["claimable"] == 1
    # A custodian of the branch below unit A is not in A's scope either.
    custodian_a1 = f.user("keeper_a1", "custodian", org["a1"])
    assert act(custodian_a1, process, "sign_keeper").status_code == 404
    assert act(signatories["sign_keeper"], process, "sign_keeper", **files(DocType.RECEIPT_LIST)).status_code == 302


def test_signature_steps_ask_the_password_only_to_approve(org, people):
    from .test_write_off import bankrupt_debt, request_write_off

    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    assert act(people["committee"], process, "committee_review").status_code == 302
    r = act(people["gm"], process, "gm_instruction")                      # approve without password
    assert r.status_code == 200 and "密码不正确" in r.content.decode()
    assert act(people["gm"], process, "gm_instruction", decision="return", comment="补充说明").status_code == 302
    returned = Decision.objects.get(process=process, step="gm_instruction")
    assert returned.decision == "return"
    assert not Signature.objects.filter(decision=returned).exists()
    assert act(people["handler"], process, "rework", comment="已补充").status_code == 302
    assert act(people["committee"], process, "committee_review").status_code == 302
    r = act(people["gm"], process, "gm_instruction", decision="reject", comment="不同意核销")
    assert r.status_code == 302
    assert reload(process).outcome == Outcome.REJECTED
    # Signature records are only for approvals: the committee's plain approvals and the GM's
    # return/reject carry none.
    assert not Signature.objects.filter(decision__process=process).exists()
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE
