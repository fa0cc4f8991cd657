"""Who may take and complete a step (rules R4.5-R4.7), checked on the server.

- the requester never approves their own request;
- one person signs at most one step of a chain;
- a step of a role holds for people holding that role (group);
- a unit-scoped role's step is only for people of the debt's unit (or a unit above it).
"""
from typing import Protocol

from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.db.models.lookups import EndsWith
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from workflows.models import User
from workflows.roles import ROLES_CACHE, VIEW_ALL_UNITS, roles_of
from workflows.scoping import in_line_above, sees_all_units, units_above

from .delegation import delegate_for
from .models import ChainProcess, Decision, DecisionKind, Reassignment


class Step(Protocol):
    """What these rules read of a step; nodes.ApprovalStep is one (this module cannot import
    nodes: the nodes ask these rules)."""

    name: str
    is_rework: bool
    unit_scoped: bool

    def role_for(self, process: ChainProcess) -> str | None: ...

    def role_of(self, task: Task) -> str | None: ...

    def why_not(self, user: User | None, task: Task) -> str | None: ...


def decided_elsewhere(process_id: int | OuterRef, user: User | OuterRef,
                      step_name: str | OuterRef) -> QuerySet[Decision]:
    """Decisions `user` took on another step of the chain (their request itself does not count),
    by their own hand or by a delegate on their behalf: a decision made for someone counts as
    theirs (rule R4.6). The inbox uses the same query with OuterRefs, so it leaves out what
    why_not refuses."""
    return _decisions_of(process_id, user).exclude(step=step_name)


def _decisions_of(process_id: int | OuterRef, user: User | OuterRef) -> QuerySet[Decision]:
    """What counts as `user`'s decision in the chain for rule R4.6: by their hand or on their
    behalf, their request itself not."""
    return (Decision.objects.filter(Q(by=user) | Q(on_behalf_of=user), process_id=process_id)
            .exclude(decision=DecisionKind.SUBMIT))


def facts_of(user: User) -> dict[str, Exists]:
    """why_not's questions to the database about `user`, as annotations of a Task queryset, so
    that they come with the task's own statement (access.load_task, issue 20 item 3): a
    designation of the task to the user, a decision of the user's on another step of the
    task's chain (decided_elsewhere, the step named by the task's node: Decision.step is the
    last part of Task.flow_task, as in "approvals/flows.WriteOffFlow.committee_review")."""
    decided = _decisions_of(OuterRef("process_id"), user).exclude(
        EndsWith(Cast(OuterRef("flow_task"), CharField()), Concat(Value("."), F("step"))))
    return {PRELOADED_DESIGNATED: Exists(Reassignment.objects.filter(task_id=OuterRef("pk"), to_user=user)),
            PRELOADED_DECIDED: Exists(decided)}


PRELOADED_FOR, PRELOADED_DESIGNATED, PRELOADED_DECIDED = "_qq_facts_for", "_qq_designated", "_qq_decided"


def _preloaded(user: User, task: Task) -> dict[str, bool] | None:
    if getattr(task, PRELOADED_FOR, None) != user.pk:
        return None
    return {"designated": getattr(task, PRELOADED_DESIGNATED), "decided": getattr(task, PRELOADED_DECIDED)}


def role_permission(role: str) -> str:
    return f"approvals.role_{role}"


def holds_role(user: User, role: str) -> bool:
    return role in roles_of(user)


def why_not(step: Step, user: User | None, task: Task, *, named: bool = False) -> str | None:
    """None when `user` may act on `task` of `step`, else the reason in Chinese. named: the task
    names its person (a 会签 member, rule R4.150), who needs neither the role nor the unit."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _("请先登录")
    process = task.process.coerced
    if step.is_rework:
        if user.pk == process.requested_by_id or (task.owner_id == user.pk and
                                                  delegate_for(process.requested_by) == user):
            return None
        return _("只有申请人可以修改并重新提交")
    if user.pk == process.requested_by_id:
        return _("申请人不能审批自己的申请")
    role = step.role_of(task)
    # The facts these rules ask of the database, in one statement (issue 20 item 3): the role
    # (unless this user object knows its roles already), a designation, a decision elsewhere;
    # none when the task was loaded with them for this user (facts_of).
    known = getattr(user, ROLES_CACHE, None)
    found = _preloaded(user, task) if known is not None or not role else None
    if found is None:
        found = _ask(user, task, process, step, role, known)
    holds = bool(role) and (role in known if known is not None else found.get("holds", False))
    refusal = None
    if named:
        pass
    elif not holds:
        refusal = _("您不具有此步骤所需的角色")
    # The debt's unit in the user's subtree (scoping.unit_ids_in_scope), asked from below: the
    # user's unit among the debt's unit and those above it, one read of the unit tree.
    elif step.unit_scoped and not sees_all_units(user) and not in_line_above(user, process.debt.unit_id):
        refusal = _("此步骤仅限债权所属单位的人员办理")
    # A task 清欠办主任 designated to this person (rule R4.106) is theirs despite role and unit.
    if refusal and not (task.owner_id == user.pk and found.get("designated")):
        return refusal
    if found.get("decided"):
        return _("同一人在一个审批链中只能签署一个步骤")
    return None


def _ask(user: User, task: Task, process: ChainProcess, step: Step, role: str | None,
         known: frozenset[str] | None) -> dict[str, bool]:
    facts = {"designated": Exists(Reassignment.objects.filter(task_id=task.pk, to_user=OuterRef("pk"))),
             "decided": Exists(decided_elsewhere(process.pk, user, step.name))}
    if role and known is None:
        facts["holds"] = Exists(Group.objects.filter(user=OuterRef("pk"), name=role))
    return User.objects.filter(pk=user.pk).annotate(**facts).values(*facts).first() or {}


def eligible_users(step: Step, process: ChainProcess, *, task: Task | None = None,
                   role: str | None = None) -> QuerySet[User]:
    """The people why_not lets claim a new, unowned task of `step`, as one query whose cost does
    not grow with the role (issue 20): active holders of the role, not the requester (R4.5), of
    the debt's unit or a unit above it unless they see every unit, and no decision of theirs on
    another step of the chain (R4.6, the same NOT EXISTS as the inbox). A designation by
    清欠办主任 (R4.106) is made on an owned task, so it does not widen this set."""
    if step.is_rework:
        return User.objects.filter(pk=process.requested_by_id, is_active=True)
    # A 会签/或签 member's task is for its member's role (rule R4.150); a named person's for nobody else.
    if role is None:
        role = step.role_of(task) if task is not None else step.role_for(process)
    if not role:
        return User.objects.none()
    users = User.objects.filter(is_active=True, groups__name=role).exclude(pk=process.requested_by_id)
    if step.unit_scoped:
        app_label, codename = VIEW_ALL_UNITS.split(".")
        all_units = Permission.objects.filter(codename=codename, content_type__app_label=app_label)
        sees_all = (Q(is_superuser=True)
                    | Exists(all_units.filter(user=OuterRef("pk")))
                    | Exists(all_units.filter(group__user=OuterRef("pk"))))
        users = users.filter(sees_all | Q(unit_id__in=units_above(process.debt.unit_id)))
    barred = Exists(decided_elsewhere(process.pk, OuterRef("pk"), step.name))
    return users.filter(~barred)
