"""退回到指定步骤 (rules R4.131, R4.132): an approver returns the chain to any earlier step passed
in this run, with a reason; that step opens as a new task, the steps after it are decided again
(their earlier decisions stay, marked superseded), a re-signed step covers the versions current
then, and the chain's effect applies once."""
import re

import pytest
from django.urls import reverse

from approvals import inbox
from approvals.models import Decision, Outcome, Signature
from approvals.return_to import superseded_ids
from documents.catalogue import DocType
from tests import factories as f
from workflows import roles
from workflows.models import EntryKind, State

from .helpers import PASSWORD, act, api, claim, client_for, files, open_task, reload, text
from .test_write_off import bankrupt_debt, request_write_off

pytestmark = pytest.mark.django_db


def at_finance(org, people):
    """Chain C (4 steps) up to its last step, finance's filing."""
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    assert act(people["committee"], process, "committee_review", comment="证据齐全").status_code == 302
    assert act(people["gm"], process, "gm_instruction", comment="同意", password=PASSWORD).status_code == 302
    assert act(people["gm_office"], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    return debt, process


def test_return_to_step_two_of_four_redecides_two_to_four_and_applies_the_effect_once(org, people):
    debt, process = at_finance(org, people)
    task = open_task(process, "finance_filing")
    assert claim(people["finance"], task).status_code == 302
    c = client_for(people["finance"])
    page = text(c.get(inbox.execute_url(task)))
    # the decision form offers the return and lists exactly the steps passed in this run
    assert 'value="return_to"' in page and 'name="return_to"' in page
    choices = re.findall(r'<option value="([a-z_]+)"', page[page.index('name="return_to"'):].split("</select>")[0])
    assert choices == ["committee_review", "gm_instruction", "authority_approval"]

    r = c.post(inbox.execute_url(task), {"decision": "return_to", "return_to": "gm_instruction",
                                         "comment": "批示依据有误，请重新批示"})
    assert r.status_code == 302, text(r)[:3000]
    back = Decision.objects.get(process=process, step="finance_filing")
    assert back.decision == "return_to" and back.returned_to == "gm_instruction"
    assert open_task(process, "finance_filing") is None and open_task(process, "authority_approval") is None
    again = open_task(process, "gm_instruction")
    assert again is not None and again.owner_id is None          # a new, unclaimed task for the role
    assert people["gm"].notifications.filter(kind="assigned", url=inbox.task_url(again)).exists()
    assert people["handler"].notifications.filter(kind="returned", message__contains="总经理批示").exists()
    old = {d.step: d.pk for d in Decision.objects.filter(process=process)}
    assert superseded_ids(process) == {old["gm_instruction"], old["authority_approval"]}
    first_signature = Signature.objects.get(decision_id=old["gm_instruction"])

    # The 总经理 decides the same step again (one person, one step: it is his step) and signs what
    # is current now: the resolution added since, and what he attaches.
    r = act(people["gm"], process, "gm_instruction", comment="重新批示同意", password=PASSWORD,
            **files(DocType.OTHER))
    assert r.status_code == 302, text(r)[:3000]
    new_signature = Signature.objects.filter(decision__process=process, decision__step="gm_instruction").latest("pk")
    covered = {d["doc_type"] for d in new_signature.documents}
    assert DocType.MEETING_RESOLUTION in covered and DocType.OTHER in covered
    assert DocType.MEETING_RESOLUTION not in {d["doc_type"] for d in first_signature.documents}
    assert act(people["gm_office"], process, "authority_approval", password=PASSWORD).status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE                          # nothing booked before the last step
    assert act(people["finance"], process, "finance_filing").status_code == 302

    debt.refresh_from_db()
    assert debt.state == State.WRITTEN_OFF and debt.entries.filter(kind=EntryKind.WRITE_OFF).count() == 1
    assert reload(process).outcome == Outcome.APPROVED
    steps = list(Decision.objects.filter(process=process).order_by("pk").values_list("step", "decision"))
    assert steps == [("start", "submit"), ("committee_review", "approve"), ("gm_instruction", "approve"),
                     ("authority_approval", "approve"), ("finance_filing", "return_to"),
                     ("gm_instruction", "approve"), ("authority_approval", "approve"),
                     ("finance_filing", "approve")]
    # History: the process page marks the superseded decisions and names the step returned to;
    # the case file's timeline shows the return.
    history = text(client_for(people["handler"]).get(reverse("approvals:process", args=[process.pk])))
    assert history.count("qq-record--superseded\"") == 2 and "退回到指定步骤：总经理批示" in history
    # both superseded decisions were signed: their signatures stay, marked; the new ones are not
    assert history.count("qq-signature--superseded\"") == 2 and history.count('class="qq-signature"') == 4
    timeline = text(client_for(people["committee"]).get(reverse("archive:case_file", kwargs={"debt_id": debt.pk})))
    assert "退回到“总经理批示”" in timeline and "批示依据有误" in timeline


def test_four_eyes_on_the_reopened_step(org, people):
    """Rule R4.132 with R4.6: who decided the reopened step before may decide it again; who
    decided another step of the chain (superseded or not) may not."""
    both = f.user("both", [roles.COMMITTEE, roles.GM], org["hq"])
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    assert act(both, process, "committee_review", comment="证据齐全").status_code == 302
    assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    assert act(people["gm_office"], process, "authority_approval", password=PASSWORD,
               comment="退回", decision="return_to", return_to="gm_instruction").status_code == 302
    again = open_task(process, "gm_instruction")
    assert claim(both, again).status_code == 403
    assert claim(people["gm"], again).status_code == 302
    # the one who returned it decided the authority step; he still may decide that one again
    assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    assert act(people["gm_office"], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    assert open_task(process, "finance_filing") is not None


def test_return_needs_a_step_passed_and_a_reason(org, people):
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    first = open_task(process, "committee_review")
    assert claim(people["committee"], first).status_code == 302
    c = client_for(people["committee"])
    page = text(c.get(inbox.execute_url(first)))
    assert 'value="return_to"' not in page and 'name="return_to"' not in page   # nothing passed yet
    r = c.post(inbox.execute_url(first), {"decision": "return_to", "return_to": "committee_review",
                                          "comment": "x"})
    assert r.status_code == 200 and open_task(process, "committee_review") is not None
    assert not Decision.objects.filter(process=process, decision="return_to").exists()
    assert c.post(inbox.execute_url(first), {"decision": "approve", "comment": "齐全"}).status_code == 302

    task = open_task(process, "gm_instruction")
    assert claim(people["gm"], task).status_code == 302
    c = client_for(people["gm"])
    url = inbox.execute_url(task)
    r = c.post(url, {"decision": "return_to", "return_to": "", "comment": "请补充"})
    assert r.status_code == 200 and 'id="return_to-errors"' in r.content.decode()
    assert "退回到：请选择要退回的步骤" in text(r) and "请补充" in text(r)          # input kept
    r = c.post(url, {"decision": "return_to", "return_to": "committee_review", "comment": ""})
    assert "驳回或退回时必须填写理由" in text(r)
    assert 'value="committee_review" selected' in r.content.decode()
    for bad in ("finance_filing", "rework", "gm_instruction"):
        r = c.post(url, {"decision": "return_to", "return_to": bad, "comment": "请补充"})
        assert "退回到：请选择本审批链中已经通过的前序步骤" in text(r), bad
    assert not Decision.objects.filter(process=process, decision="return_to").exists()
    assert c.post(url, {"decision": "return_to", "return_to": "committee_review",
                        "comment": "请补充"}).status_code == 302
    assert open_task(process, "committee_review") is not None


def test_return_to_step_over_the_api(org, people):
    _, process = at_finance(org, people)
    task = open_task(process, "finance_filing")
    c = api(people["finance"])
    assert c.post(f"/api/tasks/{task.pk}/claim/").status_code == 200
    detail = c.get(f"/api/tasks/{task.pk}/").json()
    assert [s["step"] for s in detail["return_steps"]] == ["committee_review", "gm_instruction",
                                                          "authority_approval"]
    refused = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "return_to", "return_to": "nowhere",
                                                         "comment": "x"}, format="json")
    assert refused.status_code == 400 and "return_to" in refused.json()
    no_reason = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "return_to",
                                                           "return_to": "committee_review"}, format="json")
    assert no_reason.status_code == 400 and "comment" in no_reason.json()
    done = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "return_to", "return_to": "committee_review",
                                                      "comment": "证据需重新审核"}, format="json")
    assert done.status_code == 200, done.content
    reopened = open_task(process, "committee_review")
    assert done.json()["open_tasks"] == [reopened.pk]
    path = api(people["committee"]).get(f"/api/tasks/{reopened.pk}/").json()["dossier"]["path"]
    assert sum(1 for row in path if row.get("superseded")) == 3


def test_the_facts_loaded_with_the_task_are_the_ones_why_not_asks(org, people):
    """four_eyes.facts_of (asked with the task's own statement, issue 20) answers as
    decided_elsewhere and the designation query do, for each person and each task of a chain with
    a return: the same step decided again is not "elsewhere", another step is, a submission is not."""
    from approvals.access import load_task
    from approvals.four_eyes import PRELOADED_DECIDED, PRELOADED_DESIGNATED, decided_elsewhere
    from approvals.models import Reassignment

    _debt, process = at_finance(org, people)
    assert act(people["finance"], process, "finance_filing", decision="return_to", return_to="gm_instruction",
               comment="请重新批示").status_code == 302
    again = open_task(process, "gm_instruction")
    Reassignment.objects.create(task=again, process=process, step_title="总经理批示", from_user=None,
                                to_user=people["gm"], by=people["committee_head"], reason="指定")
    seen = {}
    for task in process.task_set.filter(flow_task_type="HUMAN"):
        for who in ("handler", "committee", "gm", "gm_office", "finance", "legal"):
            person = people[who]
            loaded = load_task(task.pk, for_user=person)
            step = task.flow_task.name
            expected = (decided_elsewhere(process.pk, person, step).exists(),
                        Reassignment.objects.filter(task=task, to_user=person).exists())
            got = (getattr(loaded, PRELOADED_DECIDED), getattr(loaded, PRELOADED_DESIGNATED))
            assert got == expected, (who, step)
            seen[(who, task.pk if task.pk == again.pk else step)] = got
    assert seen[("gm", again.pk)] == (False, True)              # his own step again, designated to him
    assert seen[("gm", "committee_review")] == (True, False)    # he decided another step
    assert seen[("handler", "committee_review")] == (False, False)  # a submission does not count
