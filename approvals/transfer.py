"""转交 (rule R4.130): the holder of a claimed task hands it to another person who may take that
step now (role, unit, four eyes), with a reason, on record, and the new holder is told.

Not 清欠办主任's designation of an unreachable task (reach.reassign, rule R4.106): there role
and unit give way to the designation; here they are checked like a claim. Not a delegation
(R4.14): no period, no acting on someone's behalf; the new holder decides in their own name.
"""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User

from . import inbox, step_titles
from .exceptions import DecisionError
from .four_eyes import eligible_users
from .models import NotificationKind, StepInfo, Transfer
from .notifications import notify


def may_transfer(user: User, task: Task) -> bool:
    """The holder of a claimed approval step (not the requester's own rework step, nor a 加签 task
    given to one named person). STARTED too:
    viewflow's execute view starts the task in memory while it shows the decision page."""
    return (user.is_authenticated and task.owner_id == user.pk and task.status in (STATUS.ASSIGNED, STATUS.STARTED)
            and not getattr(task.flow_task, "is_rework", True)
            and not getattr(task.flow_task, "is_added", False))   # 加签: the one person added (R4.157)


def transfer_targets(task: Task) -> QuerySet[User]:
    """The people the holder may hand `task` to: those who could claim the step if it were
    unowned (four_eyes.eligible_users: role, unit, not the requester, one person one step),
    the holder left out. The page offers only these; task_transfer checks again under the lock."""
    process = task.process.coerced
    return (eligible_users(task.flow_task, process, task=task).exclude(pk=task.owner_id)
            .select_related("unit").order_by("username"))


def task_transfer(*, task: Task, user: User, to_user: User | None, reason: str) -> Transfer:
    """Hand `task`, claimed by `user`, to `to_user` (rule R4.130). Raises PermissionDenied when
    `user` does not hold the task, DecisionError (with the field) when the target or the reason
    is refused; nothing is saved then."""
    reason = (reason or "").strip()
    if to_user is None:
        raise DecisionError(_("转交给：请选择一位可以办理此步骤的人员"), "to_user")
    if not reason:
        raise DecisionError(_("转交理由：必须填写"), "reason")
    flow_class = task.flow_task.flow_class
    with flow_class.lock(task.process_id), transaction.atomic():
        task.refresh_from_db()
        step = task.flow_task
        if not may_transfer(user, task):
            raise PermissionDenied(_("只有认领该任务、尚未办理的办理人可以转交"))
        if to_user.pk == user.pk:
            raise DecisionError(_("转交给：不能转交给自己"), "to_user")
        # Checked at the moment of transfer, as a claim would be (rules R4.5-R4.7): the target's
        # role, unit, not the requester, no decision on another step of this chain.
        why = step.why_not(to_user, task)
        if why:
            raise DecisionError(_("转交给：%(user)s 不能办理此步骤：%(why)s") % {"user": to_user, "why": why},
                                "to_user")
        process = task.process.coerced
        with step_titles.stored_language():
            title = step.title_for(task)
        record = Transfer.objects.create(task=task, process=process, step=step.name,
                                         step_title=title, from_user=user, to_user=to_user,
                                         at=timezone.now(), reason=reason)
        step.activation_class(task).reassign(to_user)
        # A delegate handing the task on acts for nobody any more: the new holder decides in their
        # own name (a transfer is not a delegation, R4.14).
        StepInfo.objects.filter(task=task).update(on_behalf_of=None)
        notify(to_user, NotificationKind.ASSIGNED,
               _("%(chain)s %(debt)s：%(step)s（%(user)s 转交：%(reason)s）") % {
                   "chain": process.get_chain_display(), "debt": process.debt.code, "step": step.task_title,
                   "user": user, "reason": reason}, url=inbox.task_url(task))
    return record
