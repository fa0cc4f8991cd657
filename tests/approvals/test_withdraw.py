"""撤回 (rule R4.110): the requester withdraws a request while no step after it was decided; the
chain ends as withdrawn, the debt is free, everything is recorded, the candidates are told."""
import re
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from viewflow.workflow.status import PROCESS, STATUS

from approvals import inbox
from approvals.dossier import chain_path
from approvals.models import Chain, ChainProcess, Decision, DecisionKind, Notification, NotificationKind, Outcome
from approvals.withdraw import chain_withdraw
from documents.catalogue import DocType
from tests import factories as f
from workflows import roles

from .helpers import act, claim, client_for, files, open_task, overdue_debt, reload, start

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def api(user):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return c


def visit(org, people, debt=None):
    debt = debt or overdue_debt(org, people)
    response, process = start(people["handler"], Chain.VISIT, debt, reason="上门催收")
    assert response.status_code == 302
    return debt, process


def withdraw_url(process):
    return reverse("approvals:withdraw", args=[process.pk])


def test_the_requester_withdraws_through_the_page_and_the_debt_is_free(org, people):
    debt, process = visit(org, people)
    task = open_task(process, "head_approval")
    assert claim(people["committee_head"], task).status_code == 302   # claimed, not decided
    handler = client_for(people["handler"])
    page = text(handler.get(reverse("approvals:process", args=[process.pk])))
    assert 'id="withdraw-button"' in page and withdraw_url(process) in page
    assert withdraw_url(process) in text(handler.get(reverse("approvals:requested")))

    # No reason: refused on the field, nothing happens.
    r = handler.post(withdraw_url(process), {"reason": "  "})
    assert r.status_code == 200 and "撤回理由：必须填写" in text(r).split('id="reason-errors"')[1]
    assert reload(process).outcome == Outcome.RUNNING and not Decision.objects.filter(
        process=process, decision=DecisionKind.WITHDRAW).exists()

    r = handler.post(withdraw_url(process), {"reason": "债务人已主动联系还款"})
    assert r.status_code == 302 and r["Location"] == reverse("approvals:process", args=[process.pk])
    process = reload(process)
    assert (process.outcome, process.active, process.status) == (Outcome.WITHDRAWN, False, PROCESS.CANCELED)
    assert "债务人已主动联系还款" in process.outcome_reason
    task.refresh_from_db()
    assert task.status == STATUS.CANCELED and task.finished is not None
    assert not process.step_infos.filter(open=True).exists()
    record = Decision.objects.get(process=process, decision=DecisionKind.WITHDRAW)
    assert (record.by, record.comment, record.debt) == (people["handler"], "债务人已主动联系还款", debt)
    # The step's holder (it was claimed) is told, with the reason; the requester is not.
    told = Notification.objects.filter(kind=NotificationKind.WITHDRAWN)
    assert [n.user for n in told] == [people["committee_head"]]
    assert "债务人已主动联系还款" in told[0].message and "清欠小组组长批准" in told[0].message
    # The withdrawn task answers 409 saying why (rule R4.20).
    r = client_for(people["committee_head"]).post(inbox.execute_url(task), {"decision": "approve"})
    assert r.status_code == 409 and "已撤回" in text(r)
    # The debt is free: a new chain starts on it.
    _, again = visit(org, people, debt)
    assert again.pk != process.pk and again.active
    assert not text(handler.get(reverse("approvals:process", args=[process.pk]))).count('id="withdraw-button"')


def test_every_candidate_of_an_unclaimed_step_is_told_in_one_insert(org, people, django_assert_max_num_queries):
    extra = [f.user(f"head_extra_{i}", roles.COMMITTEE_HEAD, org["hq"]) for i in range(5)]
    gone = f.user("head_gone", roles.COMMITTEE_HEAD, org["hq"])
    gone.is_active = False
    gone.save()
    _, process = visit(org, people)
    Notification.objects.all().delete()
    with django_assert_max_num_queries(40) as ctx:
        chain_withdraw(process=process, user=people["handler"], reason="计划改期")
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "approvals_notification"')]
    assert len(inserts) == 1
    told = set(Notification.objects.filter(kind=NotificationKind.WITHDRAWN).values_list("user__username", flat=True))
    assert told == {"committee_head", *(u.username for u in extra)}


def test_only_the_requester_may_withdraw_and_other_units_get_404(org, people):
    _, process = visit(org, people)
    r = client_for(people["committee"]).post(withdraw_url(process), {"reason": "我来撤回"})
    page = text(r)
    assert r.status_code == 200 and "只有申请人本人可以撤回申请" in page and "我来撤回" in page  # input kept
    assert reload(process).outcome == Outcome.RUNNING
    assert 'id="withdraw-button"' not in text(client_for(people["committee"]).get(
        reverse("approvals:process", args=[process.pk])))
    # handler_b's unit does not see the debt: 404, page and API.
    assert client_for(people["handler_b"]).get(withdraw_url(process)).status_code == 404
    assert client_for(people["handler_b"]).post(withdraw_url(process), {"reason": "x"}).status_code == 404
    assert api(people["handler_b"]).post(f"/api/chains/{process.pk}/withdraw/", {"reason": "x"}).status_code == 404
    r = api(people["committee"]).post(f"/api/chains/{process.pk}/withdraw/", {"reason": "x"}, format="json")
    assert r.status_code == 403 and "只有申请人本人" in r.json()["detail"]
    assert reload(process).outcome == Outcome.RUNNING


def test_refused_once_a_step_after_the_request_was_decided(org, people):
    debt = overdue_debt(org, people)
    r, process = start(people["handler"], Chain.LITIGATION, debt, reason="拒不还款",
                       **files(DocType.LEGAL_RISK_ANALYSIS))
    assert r.status_code == 302
    assert act(people["committee"], process, "committee_review", comment="同意").status_code == 302
    handler = client_for(people["handler"])
    assert 'id="withdraw-button"' not in text(handler.get(reverse("approvals:process", args=[process.pk])))
    assert withdraw_url(process) not in text(handler.get(reverse("approvals:requested")))
    r = handler.post(withdraw_url(process), {"reason": "不想起诉了"})
    page = text(r)
    assert "“清欠小组审核”已作出决定（同意），申请不能再撤回" in page and "不想起诉了" in page
    assert reload(process).outcome == Outcome.RUNNING and open_task(process, "gm_signature") is not None
    r = api(people["handler"]).post(f"/api/chains/{process.pk}/withdraw/", {"reason": "不想起诉了"}, format="json")
    assert r.status_code == 409 and "已作出决定" in r.json()["detail"]
    # A return is a decision too: after it, the requester resubmits or withdraws at the rework step.
    _, other = visit(org, people)
    act(people["committee_head"], other, "head_approval", decision="return", comment="补充计划")
    with pytest.raises(Exception, match="已作出决定"):
        chain_withdraw(process=other, user=people["handler"], reason="算了")


def test_refused_when_the_chain_is_over_in_english(org, people):
    _, process = visit(org, people)
    act(people["committee_head"], process, "head_approval", decision="reject", comment="不合理")
    handler = client_for(people["handler"])
    r = handler.post(withdraw_url(process), {"reason": "too late"}, HTTP_ACCEPT_LANGUAGE="en")
    page = text(r)
    assert "The approval chain is over (Rejected); it cannot be withdrawn" in page, page[-3000:]
    assert "审批链已结束" not in page
    r = handler.post(withdraw_url(process), {"reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Reason for withdrawal: required" in text(r)
    assert reload(process).outcome == Outcome.REJECTED


def test_history_dossier_and_case_file_timeline_show_the_withdrawal(org, people):
    debt, process = visit(org, people)
    client_for(people["handler"]).post(withdraw_url(process), {"reason": "已达成还款协议"})
    page = text(client_for(people["handler"]).get(reverse("approvals:process", args=[process.pk])))
    history = page.split('id="decisions"')[1].split("</ul>")[0]
    assert "撤回申请" in history and "已达成还款协议" in history and "handler_a" in history
    assert "已撤回" in page.split('id="outcome"')[1][:40]
    # the chain's path (the dossier) in both languages
    rows = chain_path(reload(process))
    assert rows[-1]["kind"] == DecisionKind.WITHDRAW and rows[-1]["comment"] == "已达成还款协议"
    with translation.override("en"):
        assert chain_path(reload(process))[-1]["title"] == "Withdraw request"
    case_file = text(client_for(people["committee"]).get(reverse("archive:case_file", kwargs={"debt_id": debt.pk})))
    timeline = case_file.split('id="timeline"')[1]
    assert "上门催收计划：撤回申请（已达成还款协议）" in timeline


def test_withdraw_over_the_api_is_idempotent(org, people):
    debt, process = visit(org, people)
    c = api(people["handler"])
    url = f"/api/chains/{process.pk}/withdraw/"
    r = c.post(url, {}, format="json")
    assert r.status_code == 400 and "撤回理由：必须填写" in r.json()["reason"][0]
    first = c.post(url, {"reason": "重复提交测试"}, format="json", HTTP_IDEMPOTENCY_KEY="wd-1")
    assert first.status_code == 200, first.content
    assert first.json()["outcome"] == "withdrawn" and first.json()["active"] is False
    assert first.json()["open_tasks"] == []
    again = c.post(url, {"reason": "重复提交测试"}, format="json", HTTP_IDEMPOTENCY_KEY="wd-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert Decision.objects.filter(process=process, decision=DecisionKind.WITHDRAW).count() == 1
    # Without the key a second withdrawal is refused: the chain is over.
    r = c.post(url, {"reason": "再撤一次"}, format="json")
    assert r.status_code == 409 and "审批链已结束" in r.json()["detail"]
    assert "withdraw" in api(people["handler"]).get("/api/schema/").content.decode()
    assert ChainProcess.objects.filter(debt=debt, active=True).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_racing_an_approval_one_wins(on_postgres, org, people):
    """The chain's row lock (the one decide() runs under) orders them: exactly one wins and the
    other finds the state the first left (repeated: either may come first)."""
    outcomes = []
    for _round in range(3):
        debt = overdue_debt(org, people, amount="1000.00")
        _, process = visit(org, people, debt)
        task = open_task(process, "head_approval")
        claim(people["committee_head"], task)
        barrier = threading.Barrier(2)
        results = {}

        def approve(task=task, results=results, barrier=barrier):
            try:
                c = client_for(people["committee_head"])
                barrier.wait()
                results["approve"] = c.post(inbox.execute_url(task), {"decision": "approve", "comment": ""}).status_code
            finally:
                connection.close()

        def withdraw(process=process, results=results, barrier=barrier):
            try:
                c = api(people["handler"])
                barrier.wait()
                results["withdraw"] = c.post(f"/api/chains/{process.pk}/withdraw/", {"reason": "并发撤回"},
                                             format="json").status_code
            finally:
                connection.close()

        threads = [threading.Thread(target=approve), threading.Thread(target=withdraw)]
        [t.start() for t in threads]
        [t.join(60) for t in threads]
        process = reload(process)
        decided = set(Decision.objects.filter(process=process).exclude(decision=DecisionKind.SUBMIT)
                      .values_list("decision", flat=True))
        if results.get("withdraw") == 200:
            assert results["approve"] in (409, 403), results
            assert (process.outcome, decided) == (Outcome.WITHDRAWN, {DecisionKind.WITHDRAW})
        else:
            assert results == {"approve": 302, "withdraw": 409}, results
            assert (process.outcome, decided) == (Outcome.APPROVED, {DecisionKind.APPROVE})
        outcomes.append(process.outcome)
    assert set(outcomes) <= {Outcome.WITHDRAWN, Outcome.APPROVED}
