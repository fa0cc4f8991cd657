"""Four-eyes in the inbox query itself (not only on the server refusal), and the auditor, who
can read but act on nothing."""
import pytest
from viewflow.workflow.status import STATUS

from approvals import inbox
from approvals.actions import available_actions
from approvals.models import Chain, ChainProcess, StepInfo
from documents.catalogue import DocType
from tests import factories as f

from .helpers import PASSWORD, act, client_for, files, open_task, overdue_debt, start
from .test_receipt_list import in_kind_at_receipt
from .test_write_off import bankrupt_debt, request_write_off

pytestmark = pytest.mark.django_db


def listed(user):
    return set(inbox.open_steps(user).values_list("step", flat=True))


def test_someone_who_signed_a_step_no_longer_sees_the_chains_other_steps(org, people):
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    both = f.user("committee_gm", ["committee", "gm"], org["hq"])
    assert listed(both) == {"committee_review"}
    assert act(both, process, "committee_review").status_code == 302
    # gm_instruction is for the GM role, which they hold, but they signed the review.
    assert listed(both) == set()
    assert inbox.counts(both) == {"mine": 0, "claimable": 0, "overdue": 0}
    assert debt.code not in client_for(both).get("/approvals/inbox/").content.decode()
    assert listed(people["gm"]) == {"gm_instruction"}
    # ... and the server still refuses them.
    assert act(both, process, "gm_instruction", password=PASSWORD).status_code == 403


def test_requester_holding_the_role_does_not_see_their_own_request(org, people):
    debt = overdue_debt(org, people)
    requester = f.user("committee_requester", ["committee", "committee_head"], org["hq"])
    r, process = start(requester, Chain.VISIT, debt, reason="上门")
    assert r.status_code == 302
    assert listed(requester) == set()
    assert listed(people["committee_head"]) == {"head_approval"}
    assert act(requester, process, "head_approval").status_code == 403


def test_parallel_signatures_by_one_person_holding_two_roles(org, people):
    _debt, process = in_kind_at_receipt(org, people)
    two_hats = f.user("resp_fin_a", ["responsible", "finance"], org["a"])
    assert {"sign_manager", "sign_finance_head"} <= listed(two_hats)
    # They claim both, then sign one: the other is handed back to the queue, out of their inbox.
    c = client_for(two_hats)
    for step in ("sign_manager", "sign_finance_head"):
        assert c.post(inbox.task_url(open_task(process, step))).status_code == 302
    assert act(two_hats, process, "sign_manager", **files(DocType.RECEIPT_LIST)).status_code == 302
    other = open_task(process, "sign_finance_head")
    assert other.status == STATUS.NEW and other.owner_id is None
    assert StepInfo.objects.get(task=other).owner_id is None
    assert "sign_finance_head" not in listed(two_hats)
    assert "sign_finance_head" in listed(people["finance"])
    assert act(two_hats, process, "sign_finance_head").status_code == 403
    assert act(people["finance"], process, "sign_finance_head").status_code == 302


def test_rework_stays_in_the_requesters_inbox(org, people):
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    act(people["committee"], process, "committee_review", decision="return", comment="补件")
    assert listed(people["handler"]) == {"rework"}
    assert listed(people["committee"]) == set()


def test_auditor_can_act_on_nothing(org, people):
    auditor = people["auditor"]
    debt = bankrupt_debt(org, people)
    assert available_actions(debt, auditor) == []
    c = client_for(auditor)
    # Starting: the start page refuses, and a POST starts nothing.
    first = c.get(f"/approvals/start/{Chain.VISIT}/{debt.pk}/")
    assert first.status_code == 302
    start_url = first["Location"]
    assert c.get(start_url).status_code in (403, 404)
    r = c.post(start_url, {"reason": "审计发起"})
    assert r.status_code in (403, 404)
    assert not ChainProcess.objects.filter(debt=debt).exists()
    # A chain started by the handler: the auditor sees none of its tasks, may claim none,
    # execute none, through our pages or viewflow's own assign page.
    _, process = request_write_off(people, debt)
    assert inbox.counts(auditor) == {"mine": 0, "claimable": 0, "overdue": 0}
    task = open_task(process, "committee_review")
    assert c.post(inbox.task_url(task)).status_code == 403
    assert c.post(task.flow_task.reverse("assign", args=[process.pk, task.pk])).status_code in (403, 404)
    execute = inbox.execute_url(task)
    assert c.get(execute).status_code in (403, 404)
    assert c.post(execute, {"decision": "approve", "comment": ""}).status_code in (403, 404)
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None
    # Even a task assigned to them by mistake cannot be executed: the role check is on execute.
    task.owner = auditor
    task.status = STATUS.ASSIGNED
    task.save()
    assert c.post(execute, {"decision": "approve", "comment": ""}).status_code in (403, 404)
    assert not process.decisions.exclude(step="start").exists()
    # The auditor can still read the process page.
    assert debt.code in c.get(f"/approvals/process/{process.pk}/").content.decode()
