"""会签 / 或签: a step decided by several named roles or people (rules R4.148-R4.154).

A JointSignRule (admin) names, for one human step of one chain, roles and people and a mode:
会签 (all must approve) or 或签 (the first approval decides). A chain keeps the rules in force
when it was submitted: `snapshot` copies them into ChainProcess.data["joint"] at the start, so
a later change in the admin never alters a request under way (R4.149).

When such a step is reached, each member gets a task of the step (nodes.StepActivation.create):
a role's task waits in that role's queue, a person's is assigned to them. task.data["joint"]
says which member the task is for and groups the tasks of one pass through the step. Any
member's 驳回 or 退回 decides the step as a single approver's would and cancels the others
(R4.151); approvals are counted here (`settle`).

This module cannot import nodes (the nodes call it).
"""
import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User
from workflows.roles import LABELS

from . import registry
from .models import JointMode, JointSignRule

_OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
MIN_MEMBERS = 2
MAX_MEMBERS = 10


def snapshot(chain: str) -> dict:
    """{step: {"mode", "members": [{"role": code} | {"user": pk}]}} of the active rules of `chain`
    (one statement, at the chain's start)."""
    found = {}
    for step, mode, roles, users in (JointSignRule.objects.filter(chain=chain, active=True)
                                     .values_list("step", "mode", "roles", "users")):
        members = [{"role": r} for r in roles] + [{"user": int(u)} for u in users]
        if len(members) >= MIN_MEMBERS:
            found[step] = {"mode": mode, "members": members}
    return found


def rule_of(step, process) -> dict | None:
    """The 会签/或签 rule `process` keeps for `step`, or None (a step of one approver)."""
    return ((process.data or {}).get("joint") or {}).get(step.name)


def member_of(task: Task) -> dict | None:
    """{"role" | "user", "mode", "group", "i"} when `task` is one member's task of a joint step."""
    return (task.data or {}).get("joint")


def tasks_for(rule: dict) -> list[dict]:
    """The task data of one pass through a joint step: one entry per member, one group."""
    group = uuid.uuid4().hex[:16]
    return [{"joint": {**member, "mode": rule["mode"], "group": group, "i": i}}
            for i, member in enumerate(rule["members"])]


def label(member: dict, owner: User | None = None) -> str:
    if member.get("role"):
        return str(LABELS.get(member["role"], member["role"]))
    person = owner if owner is not None else User.objects.filter(pk=member["user"]).first()
    return str(person) if person is not None else f"#{member['user']}"


def title(step_title: str, member: dict, owner: User | None = None) -> str:
    """清欠办审核（会签：法务部）: the member's task is listed and decided under this title (R4.153)."""
    kind = _("会签") if member["mode"] == JointMode.ALL else _("或签")
    return _("%(step)s（%(kind)s：%(member)s）") % {"step": step_title, "kind": kind,
                                                  "member": label(member, owner)}


def group_tasks(task: Task):
    member = member_of(task)
    return Task.objects.filter(process_id=task.process_id, flow_task=task.flow_task,
                               data__joint__group=member["group"]).exclude(pk=task.pk)


def why_not_twice(user: User, task: Task) -> str | None:
    """One person signs one member's task of a step (R4.152): somebody holding two of the
    members' roles decides only one of their tasks. Holding two (designated, R4.106), they may
    decide either, and then no more; not holding this one, they take it only if they hold no other."""
    others = group_tasks(task).filter(owner=user)
    if task.owner_id != user.pk:
        others = others.exclude(status=STATUS.CANCELED)
    else:
        others = others.filter(status=STATUS.DONE)
    if others.exists():
        return _("您已办理或认领了本步骤另一方的任务，同一人在一个步骤中只能签署一次")
    return None


def settle(activation) -> bool:
    """A member approved: may the chain go on past the step? 或签: yes, and the other members'
    tasks are cancelled. 会签: only when no other member's task is open (R4.150)."""
    member = member_of(activation.task)
    others = list(group_tasks(activation.task).filter(status__in=_OPEN))
    if member["mode"] == JointMode.ALL:
        return not others
    for other in others:
        other.flow_task.activation_class(other).cancel()
    return True


def members_unreachable(rule: dict, why_member) -> str | None:
    """At submit (R4.105, R4.154): 会签 needs every member reachable, 或签 at least one.
    `why_member(member)` -> None or why nobody can take that member's task."""
    problems = [why_member(m) for m in rule["members"]]
    if rule["mode"] == JointMode.ALL:
        return next((p for p in problems if p), None)
    return problems[0] if all(problems) else None


def without_distinct_people(people: list[set[int]]) -> list[int] | None:
    """None when each member (its set of people who may sign for it) can have a person of its
    own, all different (R4.152); else the members left without one. A bipartite matching by
    augmenting paths: ten members at most."""
    holder: dict[int, int] = {}   # person -> member

    def place(member: int, seen: set[int]) -> bool:
        for person in people[member]:
            if person in seen:
                continue
            seen.add(person)
            if person not in holder or place(holder[person], seen):
                holder[person] = member
                return True
        return False

    short = [m for m in range(len(people)) if not place(m, set())]
    return short or None


def joinable_steps(chain: str) -> dict[str, str]:
    """{node name: title} of the steps of `chain` that may be joint: human approval steps that
    neither apply the chain's result (effect, guard: R4.148's exception) nor are decided by a
    meeting, nor are the requester's own."""
    flow_class = registry.flow_for(chain)
    steps = {}
    for node in flow_class.instance.nodes():
        if not hasattr(node, "role_for") or node.is_rework or getattr(node, "is_added", False):
            continue
        if node.effect is not None or node.guard is not None or node.meeting:
            continue
        steps[node.name] = str(node.task_title)
    return steps


def validate(*, chain: str, step: str, roles: list[str], users: list[int]) -> None:
    """The admin's checks of a rule; ValidationError naming the field."""
    try:
        allowed = joinable_steps(chain)
    except LookupError:
        raise ValidationError({"chain": _("未知的审批链")}) from None
    if step not in allowed:
        raise ValidationError({"step": _(
            "该步骤不能设为会签/或签：请选择本审批链中不执行审批结果、不由会议表决的审批步骤")})
    unknown = [r for r in roles if r not in LABELS]
    if unknown:
        raise ValidationError({"roles": _("未知的角色：%(roles)s") % {"roles": "、".join(unknown)}})
    count = len(set(roles)) + len(set(users))
    if count < MIN_MEMBERS:
        raise ValidationError({"roles": _("会签/或签至少需要 %(n)s 个角色或人员") % {"n": MIN_MEMBERS}})
    if count > MAX_MEMBERS:
        raise ValidationError({"roles": _("会签/或签最多 %(n)s 个角色或人员") % {"n": MAX_MEMBERS}})
