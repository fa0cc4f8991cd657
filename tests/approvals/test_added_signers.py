"""加签 (rules R4.156-R4.159): an approver adds people of any role before or after their own
decision; the added decisions are the chain's decisions, signed, and count for four eyes."""
import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from approvals import added_signers, inbox
from approvals.exceptions import AddSignRefused
from approvals.models import AddedSign, Chain, Decision, DecisionKind, Notification, Outcome, Signature
from approvals.timeline import decision_events
from documents.catalogue import DocType
from tests import factories as f
from workflows import roles
from workflows.models import EntryKind, State

from .helpers import PASSWORD, act, client_for, files, open_task, overdue_debt, reload, shown_covers, start
from .test_write_off import bankrupt_debt, request_write_off

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsourcing(org, people):
    """A chain waiting for the 总经理's signed decision, claimed by him."""
    _, process = start(people["handler"], Chain.OUTSOURCING, overdue_debt(org, people), reason="久催不还",
                       agency="某律师事务所")
    task = open_task(process, "gm_decision")
    assert client_for(people["gm"]).post(inbox.task_url(task)).status_code == 302
    return process


def host_task(process, step="gm_decision"):
    task = open_task(process, step)
    task.refresh_from_db()
    return task


def added_task(process, user):
    return AddedSign.objects.get(process=process, to_user=user).task


def decide_added(user, process, decision="approve", comment="", password=PASSWORD):
    task = added_task(process, user)
    c = client_for(user)
    data = {"decision": decision, "comment": comment}
    if decision == "approve":
        data["password"] = password
        data["covers"] = shown_covers(c, task)
    return c.post(inbox.execute_url(task), data)


def test_before_sign_the_added_person_decides_first_then_the_step_comes_back(people, outsourcing):
    gm, legal = people["gm"], people["legal"]
    added_signers.add_signers(task=host_task(outsourcing), user=gm, people=[legal], mode="before",
                              reason="请法务部就委托合同出具意见")
    # the added person has the task in their own inbox, told
    assert inbox.open_steps(legal, mine=True, claimable=False).filter(task=added_task(outsourcing, legal)).exists()
    assert Notification.objects.filter(user=legal, kind="assigned").exists()
    # the holder cannot decide while the added person has not
    r = act(gm, outsourcing, "gm_decision", password=PASSWORD)
    assert r.status_code == 200 and "正在等待加签人办理" in r.content.decode()
    assert not Decision.objects.filter(process=outsourcing, step="gm_decision").exists()
    r = decide_added(legal, outsourcing, comment="合同条款合规")
    assert r.status_code == 302, r.content.decode()[:3000]
    added = Decision.objects.get(process=outsourcing, by=legal)
    assert added.decision == DecisionKind.APPROVE and Signature.objects.filter(decision=added).exists()
    assert Notification.objects.filter(user=gm, message__contains="加签人已全部同意").exists()
    assert reload(outsourcing).active
    r = act(gm, outsourcing, "gm_decision", password=PASSWORD)
    assert r.status_code == 302
    assert reload(outsourcing).outcome == Outcome.APPROVED


def test_after_sign_the_chain_waits_for_the_added_person(people, outsourcing):
    gm, legal = people["gm"], people["legal"]
    added_signers.add_signers(task=host_task(outsourcing), user=gm, people=[legal], mode="after",
                              reason="批准后请法务部复核")
    assert AddedSign.objects.get(to_user=legal).task is None  # made when the holder approves
    assert act(gm, outsourcing, "gm_decision", password=PASSWORD).status_code == 302
    process = reload(outsourcing)
    assert process.active and process.outcome == Outcome.RUNNING
    assert added_task(outsourcing, legal).owner_id == legal.pk
    assert decide_added(legal, outsourcing).status_code == 302
    assert reload(outsourcing).outcome == Outcome.APPROVED


def test_an_added_persons_reject_rejects_the_chain(people, outsourcing):
    gm, legal = people["gm"], people["legal"]
    added_signers.add_signers(task=host_task(outsourcing), user=gm, people=[legal], mode="before",
                              reason="请法务部出具意见")
    r = decide_added(legal, outsourcing, decision="reject", comment="受托机构资质不符")
    assert r.status_code == 302
    process = reload(outsourcing)
    assert process.outcome == Outcome.REJECTED and not process.active
    assert not process.task_set.filter(finished__isnull=True).exists()
    assert process.status == "DONE"


def test_who_may_be_added(people, outsourcing):
    gm = people["gm"]
    task = host_task(outsourcing)
    for who in (people["handler"], gm):  # the requester, the holder
        with pytest.raises(AddSignRefused) as exc:
            added_signers.add_signers(task=task, user=gm, people=[who], mode="before", reason="意见")
        assert exc.value.field == "people"
    with pytest.raises(AddSignRefused) as exc:
        added_signers.add_signers(task=task, user=gm, people=[people["legal"]], mode="before", reason=" ")
    assert exc.value.field == "reason"
    with pytest.raises(AddSignRefused):  # only the holder adds
        added_signers.add_signers(task=task, user=people["committee"], people=[people["legal"]], mode="before",
                                  reason="意见")
    assert not AddedSign.objects.exists()


def test_an_added_decision_counts_for_four_eyes(org, people):
    """Who signed as an added person signs no other step of the chain (R4.6), and the added
    decision and its signature cover the documents like any step's (R4.159)."""
    _, process = request_write_off(people, bankrupt_debt(org, people))
    committee = people["committee"]
    assert client_for(committee).post(inbox.task_url(open_task(process, "committee_review"))).status_code == 302
    gm2 = f.user("gm2", roles.GM, org["hq"])
    added_signers.add_signers(task=host_task(process, "committee_review"), user=committee, people=[gm2],
                              mode="before", reason="请总经理预先了解")
    assert decide_added(gm2, process).status_code == 302
    assert act(committee, process, "committee_review").status_code == 302
    # gm2 signed as an added person: the 总经理批示 step is barred to them
    r = act(gm2, process, "gm_instruction", password=PASSWORD)
    assert r.status_code == 403 and "只能签署一个步骤" in r.content.decode()
    assert not Decision.objects.filter(process=process, step="gm_instruction", by=gm2).exists()
    # nor is gm2 offered to the 总经理 step's candidates
    assert gm2 not in inbox.candidates(process.flow_class.instance.node("gm_instruction"),
                                       open_task(process, "gm_instruction"))
    signature = Signature.objects.get(decision__process=process, signer=gm2)
    assert len(signature.documents) >= 2
    # the chain's timeline shows the added decision
    assert any("加签" in str(e) for e in decision_events(process.debt))


def test_the_page_adds_a_signer_and_keeps_the_input_on_an_error(people, outsourcing):
    gm, legal = people["gm"], people["legal"]
    c = client_for(gm)
    task = host_task(outsourcing)
    decide_page = c.get(inbox.execute_url(task)).content.decode()
    url = reverse("approvals:add_signers", args=[task.pk])
    assert url in decide_page
    form = c.get(url).content.decode()
    assert "加签人" in form and legal.username in form and people["handler"].username not in form
    r = c.post(url, {"mode": "before", "people": [legal.pk], "reason": ""})
    page = r.content.decode()
    assert r.status_code == 200 and "请填写加签理由" in page and 'checked' in page
    assert not AddedSign.objects.exists()
    r = c.post(url, {"mode": "before", "people": [legal.pk], "reason": "请法务部出具意见"})
    assert r.status_code == 302
    decide_page = c.get(inbox.execute_url(task)).content.decode()
    assert "正在等待加签人办理" in decide_page
    # somebody else cannot add to the gm's task
    assert client_for(people["committee"]).post(url, {"mode": "before", "people": [legal.pk],
                                                      "reason": "x"}).status_code in (403, 404)
    assert decide_added(legal, outsourcing).status_code == 302
    process_page = client_for(gm).get(reverse("approvals:process", args=[outsourcing.pk])).content.decode()
    assert "加签记录" in process_page and "请法务部出具意见" in process_page
    assert "加签：总经理决定" in process_page  # the added decision, titled with its step


def test_the_api_adds_signers_with_four_eyes(people, outsourcing):
    gm, legal = people["gm"], people["legal"]
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=gm)[0].key)
    task = host_task(outsourcing)
    r = c.post(f"/api/tasks/{task.pk}/add-signers/", {"mode": "before", "people": [people["handler"].pk],
                                                      "reason": "意见"}, format="json")
    assert r.status_code == 400 and "people" in r.json()
    r = c.post(f"/api/tasks/{task.pk}/add-signers/", {"mode": "after", "people": [legal.pk], "reason": "复核"},
               format="json")
    assert r.status_code == 201 and r.json()[0]["to_user"] == legal.pk
    r = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve", "password": PASSWORD})
    assert r.status_code == 200 and reload(outsourcing).active
    legal_api = APIClient()
    legal_api.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=legal)[0].key)
    added = added_task(outsourcing, legal)
    r = legal_api.post(f"/api/tasks/{added.pk}/complete/", {"decision": "approve", "password": PASSWORD})
    assert r.status_code == 200, r.content
    assert reload(outsourcing).outcome == Outcome.APPROVED


def test_after_sign_is_refused_on_the_step_that_applies_the_result(org, people):
    """R4.158: the write-off's booking step books at once when approved, so nobody can sign
    after it; a before-sign there is allowed, and the write-off still happens once."""
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    assert act(people["committee"], process, "committee_review").status_code == 302
    assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    assert act(people["gm_office"], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    finance = people["finance"]
    assert client_for(finance).post(inbox.task_url(open_task(process, "finance_filing"))).status_code == 302
    task = host_task(process, "finance_filing")
    with pytest.raises(AddSignRefused) as exc:
        added_signers.add_signers(task=task, user=finance, people=[people["legal"]], mode="after", reason="复核")
    assert exc.value.field == "mode" and not AddedSign.objects.exists()
    added_signers.add_signers(task=task, user=finance, people=[people["legal"]], mode="before", reason="复核")
    assert decide_added(people["legal"], process).status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE  # the added approval books nothing
    assert act(finance, process, "finance_filing").status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.WRITTEN_OFF and debt.entries.filter(kind=EntryKind.WRITE_OFF).count() == 1
    assert reload(process).outcome == Outcome.APPROVED
