"""Every task reaches a person (rules R4.105, R4.106): is there anybody who may take a step, and
if not, why; the open tasks nobody can reach; 清欠办主任's recorded reassignment of one.
"""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User
from workflows.roles import COMMITTEE_HEAD, LABELS
from workflows.scoping import unit_ids_in_scope

from . import inbox, joint, step_titles
from .exceptions import DecisionError
from .four_eyes import Step, decided_elsewhere, eligible_users, holds_role
from .models import NAMED_ROLE, ChainProcess, NotificationKind, Reassignment, StepInfo
from .notifications import notify


def _in_unit(user: User, unit_id: int) -> bool:
    scope = unit_ids_in_scope(user)
    return scope is None or unit_id in scope


def why_unreachable(step: Step, process: ChainProcess, *, title: str = "", role: str | None = None) -> str | None:
    """None when somebody may take `step` of `process`, else why nobody can, naming the step.

    The checks are the ones the step applies when a person claims it (four_eyes.why_not): the
    role, the debt's unit for unit-bound roles, the requester never, one person one step."""
    if not hasattr(step, "role_for") or getattr(step, "is_rework", False):
        # a gateway (flow.If: its branch is known only when it runs), or the requester's own step
        return None
    role = role or step.role_for(process)   # a 会签/或签 member's role (rule R4.154), else the step's
    title = title or str(step.task_title)
    role_label = LABELS.get(role, role)
    holders = list(User.objects.filter(is_active=True, groups__name=role).distinct())
    if not holders:
        return _("步骤“%(step)s”无人可以办理：没有在职人员担任“%(role)s”") % {"step": title, "role": role_label}
    if step.unit_scoped:
        holders = [u for u in holders if _in_unit(u, process.debt.unit_id)]
        if not holders:
            return _("步骤“%(step)s”无人可以办理：债权所属单位“%(unit)s”没有“%(role)s”人员") % {
                "step": title, "unit": process.debt.unit.name, "role": role_label}
    others = [u for u in holders if u.pk != process.requested_by_id]
    if not others:
        return _("步骤“%(step)s”无人可以办理：唯一的“%(role)s”是申请人本人，申请人不能审批自己的申请") % {
            "step": title, "role": role_label}
    if process.pk and not [u for u in others if not decided_elsewhere(process.pk, u, step.name).exists()]:
        return _("步骤“%(step)s”无人可以办理：每位“%(role)s”都已签署本审批链的其他步骤（同一人只能签署一个步骤）") % {
            "step": title, "role": role_label}
    return None


def next_step_problem(activation) -> str | None:
    """At submit: can anybody take the chain's first human step? (rule R4.105) Automatic nodes
    before it (chain A's copies, a flow.Function) are passed; a gateway's branch is not known
    before it runs, so the check stops there."""
    node = activation.flow_task._next
    while (node is not None and not hasattr(node, "role_for") and getattr(node, "_next", None) is not None
           and not hasattr(node, "_on_true") and not getattr(node, "_activate_next", None)):
        node = node._next
    if node is None:
        return None
    rule = joint.rule_of(node, activation.process) if hasattr(node, "role_for") else None
    if rule:
        process = activation.process
        problem = joint.members_unreachable(rule, lambda member: _why_member_unreachable(node, process, member,
                                                                                        rule["mode"]))
        if problem is None and rule["mode"] == joint.JointMode.ALL:
            # Rule R4.152: the members are signed by different people, so each needs one of its own.
            people = [set(eligible_users(node, process, role=m["role"]).values_list("pk", flat=True))
                      if m.get("role") else {m["user"]} for m in rule["members"]]
            short = joint.without_distinct_people(people)
            if short is not None:
                names = "、".join(joint.label(rule["members"][i]) for i in short)
                problem = _("步骤“%(step)s”无人可以办理：会签各方须由不同人员签署，%(members)s 没有足够的不同人员") % {
                    "step": node.task_title, "members": names}
        return problem
    return why_unreachable(node, activation.process)


def _why_member_unreachable(step, process, member, mode) -> str | None:
    title = joint.title(str(step.task_title), {**member, "mode": mode})
    if member.get("role"):
        return why_unreachable(step, process, title=title, role=member["role"])
    person = User.objects.filter(pk=member["user"], is_active=True).first()
    if person is None:
        return _("步骤“%(step)s”无人可以办理：指定的会签人员已离职或停用") % {"step": title}
    if person.pk == process.requested_by_id:
        return _("步骤“%(step)s”无人可以办理：指定的会签人员是申请人本人，申请人不能审批自己的申请") % {"step": title}
    return None


def unreachable_steps(*, limit: int = 500) -> list[dict]:
    """Open approval tasks nobody can reach now: assigned to a person who left, or unclaimed
    with nobody who may claim them. [{info, reason}] oldest deadline first."""
    rows = []
    infos = (StepInfo.objects.filter(open=True).exclude(role="")   # role "": the requester's rework
             .select_related("task", "task__owner", "process", "debt", "debt__debtor", "debt__unit")
             .order_by("due_at", "pk"))[:limit]
    for info in infos:
        owner = info.task.owner
        if info.role == NAMED_ROLE:
            reason = _why_named_unreachable(info)
            if reason:
                rows.append({"info": info, "reason": reason})
            continue
        if owner is not None:
            if not owner.is_active:
                rows.append({"info": info, "reason": _("办理人“%(user)s”已离职或停用") % {"user": owner}})
            continue
        process = info.process
        reason = why_unreachable(info.task.flow_task, process, title=step_titles.shown(info.step_title),
                                 role=info.role or None)
        if reason:
            rows.append({"info": info, "reason": reason})
    return rows


def _why_named_unreachable(info) -> str | None:
    """A 会签 member's task that names its person (rule R4.150): stuck when that person (or whom
    清欠办主任 designated) left, or may not decide it (four eyes)."""
    task = info.task
    person = task.owner or User.objects.filter(pk=joint.member_of(task)["user"]).first()
    if person is None or not person.is_active:
        return _("办理人“%(user)s”已离职或停用") % {"user": person or "-"}
    why = task.flow_task.why_not(person, task)
    return _("办理人“%(user)s”不能办理：%(why)s") % {"user": person, "why": why} if why else None


def may_reassign(user: User) -> bool:
    return user.is_authenticated and user.is_active and holds_role(user, COMMITTEE_HEAD)


def reassign(*, task: Task, to: User, by: User, reason: str) -> Reassignment:
    """清欠办主任 gives an unreachable task to a named person (rule R4.106). The role and unit
    checks give way to this recorded designation; four eyes does not."""
    if not may_reassign(by):
        raise PermissionDenied(_("只有清欠办主任可以指派无人可办的任务"))
    if not reason.strip():
        raise DecisionError(_("指派理由：必须填写"), "reason")
    if not to.is_active:
        raise DecisionError(_("指派给：该用户已停用"), "to")
    flow_class = task.flow_task.flow_class
    with flow_class.lock(task.process_id), transaction.atomic():
        task.refresh_from_db()
        step = task.flow_task
        process = task.process.coerced
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED) or getattr(step, "is_rework", True):
            raise DecisionError(_("该任务已办结或不是审批步骤"))
        if to.pk == process.requested_by_id:
            raise DecisionError(_("指派给：申请人不能审批自己的申请"), "to")
        if decided_elsewhere(process.pk, to, step.name).exists():
            raise DecisionError(_("指派给：此人已签署本审批链的其他步骤（同一人只能签署一个步骤）"), "to")
        if (joint.member_of(task)
                and joint.group_tasks(task).filter(owner=to).exclude(status=STATUS.CANCELED).exists()):
            raise DecisionError(_("指派给：此人已办理或持有本步骤另一方的任务（同一人在一个步骤中只能签署一次）"), "to")
        previous = task.owner
        activation = step.activation_class(task)
        if task.status == STATUS.ASSIGNED:
            activation.unassign()
            task.refresh_from_db()
            activation = step.activation_class(task)
        with step_titles.stored_language():
            title = step.title_for(task)
        record = Reassignment.objects.create(task=task, process=process, step_title=title,
                                             from_user=previous, to_user=to, by=by, at=timezone.now(),
                                             reason=reason.strip())
        activation.assign(to)
        notify(to, NotificationKind.ASSIGNED,
               _("%(chain)s %(debt)s：%(step)s（清欠办主任指派：%(reason)s）") % {
                   "chain": process.get_chain_display(), "debt": process.debt.code, "step": step.task_title,
                   "reason": reason.strip()}, url=inbox.task_url(task))
    return record
