"""Never a 500 (issue 15 item 7): deciding or claiming a task that was finished, rejected or
cancelled meanwhile — a replayed or double-submitted form, a second session, an API retry —
answers 409 with a message saying what happened to it; nothing is recorded twice."""
import pytest

from approvals import inbox
from approvals.models import Chain, Decision
from documents.catalogue import DocType
from tests import factories as f

from .helpers import PASSWORD, act, api, client_for, files, open_task, overdue_debt, start
from .test_receipt_list import in_kind_at_receipt

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsourcing(org, people):
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.OUTSOURCING, debt, reason="久催不还", agency="某律师事务所")
    return process


def test_a_replayed_approval_is_409_and_decides_nothing(people, outsourcing):
    gm = people["gm"]
    task = open_task(outsourcing, "gm_decision")
    first, second = client_for(gm), client_for(gm)  # two sessions of the same person
    assert first.post(inbox.task_url(task)).status_code == 302
    task.refresh_from_db()
    url = inbox.execute_url(task)
    form = {"decision": "approve", "comment": "同意", "password": PASSWORD}
    assert first.post(url, form).status_code == 302
    for client in (first, second):  # the double submit, and the other session
        again = client.post(url, form)
        assert again.status_code == 409
        page = again.content.decode()
        assert "该任务已办结，不能再次办理（审批链已批准）" in page
        assert f"/approvals/process/{outsourcing.pk}/" in page
    assert client_for(gm).get(url).status_code == 409
    assert client_for(gm).post(inbox.task_url(task)).status_code == 409  # claiming it again
    assert Decision.objects.filter(process=outsourcing, step="gm_decision").count() == 1
    en = client_for(gm).post(url, form, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "already completed" in en and "已办结" not in en


def test_a_rejected_chain_s_task_is_409(people, org):
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
    head = people["committee_head"]
    assert act(head, process, "head_approval", decision="reject", comment="不必上门").status_code == 302
    task = process.task_set.get(flow_task=process.flow_class.instance.node("head_approval"))
    again = client_for(head).post(inbox.execute_url(task), {"decision": "approve"})
    assert again.status_code == 409 and "已驳回" in again.content.decode()


def test_a_cancelled_parallel_signature_is_409(org, people):
    _debt, process = in_kind_at_receipt(org, people)
    who = {"sign_manager": people["responsible"], "sign_keeper": f.user("keeper_a", "custodian", org["a"])}
    keeper_task = open_task(process, "sign_keeper")
    keeper = client_for(who["sign_keeper"])
    assert keeper.post(inbox.task_url(keeper_task)).status_code == 302
    keeper_task.refresh_from_db()
    # The manager rejects: the keeper's open signature is cancelled under them.
    assert act(who["sign_manager"], process, "sign_manager", decision="reject", comment="清单不符").status_code == 302
    late = keeper.post(inbox.execute_url(keeper_task), {"decision": "approve", **files(DocType.RECEIPT_LIST)})
    assert late.status_code == 409 and "该任务已取消" in late.content.decode()
    assert not Decision.objects.filter(process=process, step="sign_keeper").exists()


def test_the_api_answers_409_to_a_retry(people, outsourcing):
    c = api(people["gm"])
    task = open_task(outsourcing, "gm_decision")
    assert c.post(f"/api/tasks/{task.pk}/claim/").status_code == 200
    done = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve", "password": PASSWORD})
    assert done.status_code == 200
    retry = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve", "password": PASSWORD})
    assert retry.status_code == 409 and "已办结" in retry.json()["detail"]
    assert c.post(f"/api/tasks/{task.pk}/claim/").status_code == 409
    assert Decision.objects.filter(process=outsourcing, step="gm_decision").count() == 1
