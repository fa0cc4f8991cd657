"""会签 / 或签 (rules R4.148-R4.154): a step decided by several named roles or people; all of them
(会签) or the first of them (或签); four eyes in each; the chain keeps its submission's rules."""
import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.status import STATUS

from approvals import inbox, joint
from approvals.admin import JointSignRuleForm
from approvals.models import Chain, Decision, DecisionKind, JointMode, JointSignRule, Outcome, StepInfo
from approvals.timeline import decision_events
from documents.catalogue import DocType
from tests import factories as f
from workflows import roles

from .helpers import act, api, client_for, files, overdue_debt, reload, start, text

pytestmark = pytest.mark.django_db

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def rule(mode=JointMode.ALL, roles_=(roles.COMMITTEE, roles.LEGAL), users=(), step="committee_review",
         chain=Chain.LITIGATION):
    return JointSignRule.objects.create(chain=chain, step=step, mode=mode, roles=list(roles_),
                                        users=[u.pk for u in users])


def litigate(org, people):
    response, process = start(people["handler"], Chain.LITIGATION, overdue_debt(org, people), reason="拒不还款",
                              **files(DocType.LEGAL_RISK_ANALYSIS))
    assert response.status_code == 302, text(response)[:3000]
    return process


def member_tasks(process, step="committee_review"):
    node = process.flow_class.instance.node(step)
    return {(t.data["joint"].get("role") or t.data["joint"]["user"]): t
            for t in process.task_set.filter(flow_task=node).order_by("pk") if (t.data or {}).get("joint")}


def decide(user, task, decision="approve", comment=""):
    """Claim `task` (if unowned) and decide it through the pages, as `user`."""
    c = client_for(user)
    if task.owner_id is None:
        assert c.post(inbox.task_url(task)).status_code == 302
    return c.post(inbox.execute_url(task), {"decision": decision, "comment": comment})


def test_countersign_waits_for_every_member_then_goes_on(org, people):
    rule(JointMode.ALL)
    process = litigate(org, people)
    tasks = member_tasks(process)
    assert set(tasks) == {roles.COMMITTEE, roles.LEGAL}
    # each member's task waits in its own role's queue, titled with the member (R4.153)
    legal_queue = inbox.open_steps(people["legal"], mine=False, claimable=True)
    assert [i.step_title for i in legal_queue] == ["清欠小组审核（会签：法务部）"]
    assert not inbox.open_steps(people["legal"], mine=False, claimable=True).filter(
        task=tasks[roles.COMMITTEE]).exists()
    # the dossier marks the reader's own member task as this step, the other as open beside it
    from approvals.dossier import chain_path
    states = {row["title"]: row["state"] for row in chain_path(process, tasks[roles.LEGAL].flow_task,
                                                                tasks[roles.LEGAL].pk) if "state" in row}
    assert states["清欠小组审核（会签：法务部）"] == "current" and states["清欠小组审核（会签：清欠办）"] == "open"
    assert decide(people["legal"], tasks[roles.LEGAL], comment="诉讼风险可控").status_code == 302
    process = reload(process)
    assert process.active and not process.task_set.filter(flow_task=process.flow_class.instance.node(
        "gm_signature")).exists()
    assert StepInfo.objects.get(task=tasks[roles.COMMITTEE]).open
    assert decide(people["committee"], tasks[roles.COMMITTEE]).status_code == 302
    gm_task = process.task_set.get(flow_task=process.flow_class.instance.node("gm_signature"))
    assert gm_task.status == STATUS.NEW
    decisions = Decision.objects.filter(process=process, step="committee_review").order_by("pk")
    assert [(d.by, d.step_title) for d in decisions] == [
        (people["legal"], "清欠小组审核（会签：法务部）"), (people["committee"], "清欠小组审核（会签：清欠办）")]
    # the case file's timeline shows each member's decision
    titles = [e.text for e in decision_events(process.debt)]
    assert any("会签：法务部" in t for t in titles) and any("会签：清欠办" in t for t in titles)
    # four eyes: who signed a member's task signs no other step of the chain
    legal = type(people["legal"]).objects.get(pk=people["legal"].pk)
    legal.groups.add(*people["gm"].groups.all())
    legal = type(legal).objects.get(pk=legal.pk)
    assert gm_task.flow_task.why_not(legal, gm_task) == "同一人在一个审批链中只能签署一个步骤"
    assert gm_task.flow_task.why_not(people["gm"], gm_task) is None


def test_one_members_rejection_rejects_the_chain_and_cancels_the_others(org, people):
    rule(JointMode.ALL)
    process = litigate(org, people)
    tasks = member_tasks(process)
    assert decide(people["legal"], tasks[roles.LEGAL], "reject", comment="证据不足，不宜起诉").status_code == 302
    process = reload(process)
    assert process.outcome == Outcome.REJECTED and not process.active
    tasks[roles.COMMITTEE].refresh_from_db()
    assert tasks[roles.COMMITTEE].status == STATUS.CANCELED


def test_any_sign_the_first_approval_decides_and_cancels_the_others(org, people):
    rule(JointMode.ANY)
    process = litigate(org, people)
    tasks = member_tasks(process)
    assert [i.step_title for i in inbox.open_steps(people["committee"], mine=False, claimable=True)] == [
        "清欠小组审核（或签：清欠办）"]
    assert decide(people["committee"], tasks[roles.COMMITTEE]).status_code == 302
    tasks[roles.LEGAL].refresh_from_db()
    assert tasks[roles.LEGAL].status == STATUS.CANCELED
    assert not StepInfo.objects.get(task=tasks[roles.LEGAL]).open
    process = reload(process)
    assert process.task_set.filter(flow_task=process.flow_class.instance.node("gm_signature"),
                                   status__in=OPEN).exists()
    assert Decision.objects.filter(process=process, step="committee_review").count() == 1


def test_a_named_person_gets_the_task_directly_and_nobody_else_may_take_it(org, people):
    named = f.user("zhang_legal_expert", roles.BUSINESS, org["hq"])
    rule(JointMode.ALL, roles_=(roles.COMMITTEE,), users=(named,))
    process = litigate(org, people)
    tasks = member_tasks(process)
    personal = tasks[named.pk]
    assert personal.owner_id == named.pk and personal.status == STATUS.ASSIGNED
    assert inbox.open_steps(named, mine=True, claimable=False).filter(task=personal).exists()
    # without the step's role or unit, the named person decides; another person cannot
    assert personal.flow_task.why_not(people["committee"], personal) == "此会签任务只能由指定人员办理"
    assert decide(named, personal, comment="同意起诉").status_code == 302
    assert decide(people["committee"], tasks[roles.COMMITTEE]).status_code == 302
    assert Decision.objects.filter(process=process, step="committee_review", decision=DecisionKind.APPROVE
                                   ).count() == 2


def test_one_person_holding_two_members_roles_signs_once(org, people):
    rule(JointMode.ALL)
    both = f.user("committee_legal", roles.COMMITTEE, org["hq"])
    both.groups.add(*people["legal"].groups.all())
    process = litigate(org, people)
    tasks = member_tasks(process)

    def listed():
        return set(inbox.open_steps(both, mine=True, claimable=True).values_list("task_id", flat=True))

    assert listed() == {tasks[roles.LEGAL].pk, tasks[roles.COMMITTEE].pk}
    assert client_for(both).post(inbox.task_url(tasks[roles.LEGAL])).status_code == 302
    assert listed() == {tasks[roles.LEGAL].pk}   # holding one, the other is not offered (R4.152)
    tasks[roles.LEGAL].refresh_from_db()
    assert decide(both, tasks[roles.LEGAL]).status_code == 302
    assert listed() == set()
    assert tasks[roles.COMMITTEE].pk in set(inbox.open_steps(people["committee"], mine=False, claimable=True)
                                            .values_list("task_id", flat=True))
    c = client_for(both)
    response = c.post(inbox.task_url(tasks[roles.COMMITTEE]))
    tasks[roles.COMMITTEE].refresh_from_db()
    assert tasks[roles.COMMITTEE].owner_id is None, response.status_code
    assert "同一人在一个步骤中只能签署一次" in tasks[roles.COMMITTEE].flow_task.why_not(both, tasks[roles.COMMITTEE])


def test_the_requester_never_signs_a_member_task(org, people):
    """Four eyes (R4.5): the requester holding a member's role cannot take that task; named as a
    member, the request is refused at submit (R4.154, no dead ends)."""
    handler = people["handler"]
    rule(JointMode.ALL, roles_=(roles.COMMITTEE,), users=(handler,))
    response, process = start(handler, Chain.LITIGATION, overdue_debt(org, people), reason="拒不还款",
                              **files(DocType.LEGAL_RISK_ANALYSIS))
    assert response.status_code == 200 and process is None
    assert "指定的会签人员是申请人本人" in text(response)


def test_submit_refused_when_a_countersign_member_has_nobody(org, people):
    rule(JointMode.ALL, roles_=(roles.COMMITTEE, roles.INSPECTOR))   # nobody holds 验收人员
    response, process = start(people["handler"], Chain.LITIGATION, overdue_debt(org, people), reason="拒不还款",
                              **files(DocType.LEGAL_RISK_ANALYSIS))
    page = text(response)
    assert process is None and "清欠小组审核（会签：验收人员）" in page and "没有在职人员担任" in page


def test_any_sign_submits_when_one_member_is_reachable(org, people):
    rule(JointMode.ANY, roles_=(roles.COMMITTEE, roles.INSPECTOR))
    process = litigate(org, people)
    assert set(member_tasks(process)) == {roles.COMMITTEE, roles.INSPECTOR}


def test_a_running_chain_keeps_the_rules_of_its_submission(org, people):
    joint_rule = rule(JointMode.ALL)
    process = litigate(org, people)
    JointSignRule.objects.filter(pk=joint_rule.pk).update(active=False)
    tasks = member_tasks(process)
    assert decide(people["legal"], tasks[roles.LEGAL]).status_code == 302
    assert reload(process).active   # still waiting for 清欠办: the rule it was submitted under
    plain = litigate(org, people)   # submitted after: one approver again
    assert member_tasks(plain) == {}
    assert act(people["committee"], plain, "committee_review").status_code == 302


def test_through_the_api(org, people):
    rule(JointMode.ALL)
    process = litigate(org, people)
    tasks = member_tasks(process)
    for who, role in (("legal", roles.LEGAL), ("committee", roles.COMMITTEE)):
        c = api(people[who])
        task = tasks[role]
        detail = c.get(f"/api/tasks/{task.pk}/")
        assert detail.status_code == 200 and "会签" in detail.json()["step_title"], detail.json()
        assert c.post(f"/api/tasks/{task.pk}/claim/").status_code == 200
        r = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve", "comment": "同意"})
        assert r.status_code == 200, r.content.decode()
    process = reload(process)
    assert process.task_set.filter(flow_task=process.flow_class.instance.node("gm_signature"),
                                   status__in=OPEN).exists()
    # the requester's token cannot take a member's task
    assert Decision.objects.filter(process=process, step="committee_review").count() == 2


def test_no_added_signer_on_a_member_task(org, people):
    from approvals import added_signers
    from approvals.exceptions import AddSignRefused

    rule(JointMode.ALL)
    tasks = member_tasks(litigate(org, people))
    task = tasks[roles.LEGAL]
    assert client_for(people["legal"]).post(inbox.task_url(task)).status_code == 302
    task.refresh_from_db()
    with pytest.raises(AddSignRefused, match="会签/或签步骤不能加签"):
        added_signers.add_signers(task=task, user=people["legal"], people=[people["finance"]], mode="before",
                                  reason="意见")


def test_the_admin_form_says_what_is_wrong(people):
    form = JointSignRuleForm(data={"chain": Chain.LITIGATION, "step": "committee_review", "mode": "all",
                                   "roles": [roles.LEGAL], "active": "on"})
    assert not form.is_valid() and "至少需要 2 个角色或人员" in str(form.errors["roles"])
    # the step that applies the result stays one person's (R4.148)
    form = JointSignRuleForm(data={"chain": Chain.LITIGATION, "step": "legal_acceptance", "mode": "all",
                                   "roles": [roles.LEGAL, roles.COMMITTEE], "active": "on"})
    assert not form.is_valid() and "step" in form.errors
    form = JointSignRuleForm(data={"chain": Chain.LITIGATION, "step": "committee_review", "mode": "any",
                                   "roles": [roles.LEGAL], "users": [people["gm"].pk], "active": "on"})
    assert form.is_valid(), form.errors
    saved = form.save()
    assert saved.users == [people["gm"].pk] and joint.snapshot(Chain.LITIGATION) == {
        "committee_review": {"mode": "any", "members": [{"role": roles.LEGAL}, {"user": people["gm"].pk}]}}
    with pytest.raises(ValidationError):
        joint.validate(chain=Chain.WRITE_OFF, step="finance_filing", roles=[roles.FINANCE, roles.LEGAL], users=[])


def test_a_named_persons_task_is_never_released_and_shows_as_unreachable_when_they_leave(org, people):
    from approvals import reach
    from approvals.models import NAMED_ROLE

    named = f.user("zhang_expert", roles.BUSINESS, org["hq"])
    rule(JointMode.ALL, roles_=(roles.COMMITTEE,), users=(named,))
    process = litigate(org, people)
    personal = member_tasks(process)[named.pk]
    assert StepInfo.objects.get(task=personal).role == NAMED_ROLE   # not a rework step (role "")
    assert not personal.flow_task.can_unassign(named, personal)
    assert not [r for r in reach.unreachable_steps() if r["info"].task_id == personal.pk]
    type(named).objects.filter(pk=named.pk).update(is_active=False)
    rows = [r for r in reach.unreachable_steps() if r["info"].task_id == personal.pk]
    assert rows and "已离职或停用" in rows[0]["reason"]
    # 清欠办主任 designates someone in the named person's place, who may then decide it
    stand_in = f.user("li_expert", roles.BUSINESS, org["hq"])
    reach.reassign(task=personal, to=stand_in, by=people["committee_head"], reason="张某离职")
    personal.refresh_from_db()
    assert personal.owner_id == stand_in.pk and personal.flow_task.why_not(stand_in, personal) is None


def test_a_person_designated_to_two_members_tasks_is_refused_the_second(org, people):
    from approvals import reach
    from approvals.exceptions import DecisionError

    rule(JointMode.ALL)
    process = litigate(org, people)
    tasks = member_tasks(process)
    assert client_for(people["committee"]).post(inbox.task_url(tasks[roles.COMMITTEE])).status_code == 302
    with pytest.raises(DecisionError, match="另一方的任务"):
        reach.reassign(task=tasks[roles.LEGAL], to=people["committee"], by=people["committee_head"], reason="法务离职")


def test_submit_refused_when_one_person_is_the_only_holder_of_two_members_roles(org, people):
    """R4.152 at submit: a 会签 of 清欠办 and 法务部 whose only 法务部 is the only 清欠办 would wait
    for ever after that person signed one of the two."""
    legal = people["legal"]
    legal.groups.add(*people["committee"].groups.all())
    type(people["committee"]).objects.filter(pk=people["committee"].pk).update(is_active=False)
    rule(JointMode.ALL)
    response, process = start(people["handler"], Chain.LITIGATION, overdue_debt(org, people), reason="拒不还款",
                              **files(DocType.LEGAL_RISK_ANALYSIS))
    assert process is None and "会签各方须由不同人员签署" in text(response)
    assert joint.without_distinct_people([{1}, {1, 2}, {2}]) == [2]
    assert joint.without_distinct_people([{1, 2}, {1}]) is None


def test_a_return_to_a_countersigned_step_supersedes_every_members_approval(org, people):
    from approvals.return_to import superseded_ids

    rule(JointMode.ALL)
    process = litigate(org, people)
    tasks = member_tasks(process)
    assert decide(people["legal"], tasks[roles.LEGAL]).status_code == 302
    assert decide(people["committee"], tasks[roles.COMMITTEE]).status_code == 302
    r = act(people["gm"], process, "gm_signature", decision="return_to", comment="请清欠小组重新审核",
            password=None, return_to="committee_review")
    assert r.status_code == 302, text(r)[:2000]
    members = Decision.objects.filter(process=process, step="committee_review")
    decisions = list(Decision.objects.filter(process=process).order_by("pk"))
    assert set(members.values_list("pk", flat=True)) <= superseded_ids(process, decisions)
    node = process.flow_class.instance.node("committee_review")
    assert process.task_set.filter(flow_task=node, status__in=OPEN).count() == 2   # a new pass, both members


def test_titles_are_stored_in_chinese_and_shown_in_the_readers_language(org, people):
    from django.utils import translation

    from approvals.step_titles import shown

    rule(JointMode.ALL)
    process = litigate(org, people)
    tasks = member_tasks(process)
    c = client_for(people["legal"])
    c.cookies["django_language"] = "en"
    assert c.post(inbox.task_url(tasks[roles.LEGAL]), HTTP_ACCEPT_LANGUAGE="en").status_code == 302
    assert c.post(inbox.execute_url(tasks[roles.LEGAL]), {"decision": "approve"}, HTTP_ACCEPT_LANGUAGE="en"
                  ).status_code == 302
    decided = Decision.objects.get(process=process, by=people["legal"])
    assert decided.step_title == "清欠小组审核（会签：法务部）"
    with translation.override("en"):
        assert shown(decided.step_title) == "Clearing committee review (countersign: Legal department)"
        detail = api(people["committee"]).get(f"/api/tasks/{tasks[roles.COMMITTEE].pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert detail.json()["step_title"] == "Clearing committee review (countersign: Clearing office)"


def test_a_named_person_deleted_before_their_step_leaves_an_unreachable_task_not_an_error(org, people):
    from approvals import reach

    named = f.user("wang_deleted", roles.BUSINESS, org["hq"])
    rule(JointMode.ALL, roles_=(roles.GM,), users=(named,), step="gm_signature")
    process = litigate(org, people)
    type(named).objects.filter(pk=named.pk).delete()
    assert act(people["committee"], process, "committee_review").status_code == 302
    personal = member_tasks(process, "gm_signature")[named.pk]
    assert personal.owner_id is None
    rows = [r for r in reach.unreachable_steps() if r["info"].task_id == personal.pk]
    assert rows and "已离职或停用" in rows[0]["reason"]
