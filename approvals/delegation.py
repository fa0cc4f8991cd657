"""Absence delegation: while a user is away, tasks assigned to them go to their delegate,
who must hold one of the same approval roles; decisions record who acted for whom."""
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User
from workflows.roles import LABELS

from . import step_titles
from .models import NAMED_ROLE, Delegation, StepInfo


def shared_roles(user: User, other: User) -> set[str]:
    mine = set(user.groups.filter(name__in=list(LABELS)).values_list("name", flat=True))
    theirs = set(other.groups.filter(name__in=list(LABELS)).values_list("name", flat=True))
    return mine & theirs


def delegate_for(user: User | None, at: datetime | None = None) -> User | None:
    """The delegate acting for `user` now, or None."""
    if user is None:
        return None
    at = at or timezone.now()
    d = (Delegation.objects.filter(user=user, starts__lte=at, ends__gt=at)
         .select_related("delegate").order_by("-starts").first())
    return d.delegate if d and d.delegate.is_active else None


def record_absence(user: User, delegate: User, starts: datetime, ends: datetime, reason: str = "") -> Delegation:
    d = Delegation(user=user, delegate=delegate, starts=starts, ends=ends, reason=reason)
    d.full_clean()
    if not shared_roles(user, delegate):
        raise ValidationError({"delegate": _("代理人必须具有与委托人相同的角色")})
    with transaction.atomic():
        # Four eyes (rule R4.6): a task the delegate may not decide is not handed to them; the
        # delegation is refused now, naming it, rather than leaving the task stuck with them.
        for task, why in barred_tasks(user, delegate):
            info = task.step_info
            raise ValidationError({"delegate": _("%(delegate)s 不能代办“%(step)s”（%(debt)s）：%(reason)s") % {
                "delegate": delegate.get_full_name() or delegate.username, "step": step_titles.shown(info.step_title),
                "debt": info.debt.code, "reason": why}})
        d.save()
        if starts <= timezone.now() < ends:
            hand_over_open_tasks(user, delegate)
    return d


def _open_steps_of(user):
    # Rework steps go to the requester's delegate by design (four_eyes.why_not lets them); a
    # 会签 member's task that names its person stays with them (rule R4.150).
    return (Task.objects.filter(owner=user, status=STATUS.ASSIGNED, step_info__isnull=False)
            .exclude(step_info__role__in=("", NAMED_ROLE)).select_related("process", "step_info__debt")
            .select_for_update(of=("self",)))


def barred_tasks(user: User, delegate: User) -> list[tuple[Task, str]]:
    """The open tasks of `user` that four eyes bars `delegate` from deciding, with the reason."""
    barred = []
    for task in _open_steps_of(user):
        why = task.flow_task.why_not(delegate, task)
        if why:
            barred.append((task, why))
    return barred


def hand_over_open_tasks(user: User, delegate: User) -> int:
    """Move the absent user's assigned open tasks to the delegate. A step four eyes bars the
    delegate from (their own request, a chain they decided in: found when a delegation made
    earlier starts) goes back to its role's queue instead, where someone else takes it."""
    moved = 0
    barred = {task.pk for task, _why in barred_tasks(user, delegate)}
    for task in Task.objects.filter(owner=user, status=STATUS.ASSIGNED).select_for_update():
        if task.pk in barred:
            task.flow_task.activation_class(task).unassign()
            continue
        task.owner = delegate
        task.save(update_fields=["owner"])
        StepInfo.objects.filter(task=task).update(on_behalf_of=user)
        moved += 1
    return moved


def apply_current_delegations(now: datetime | None = None) -> int:
    """Called by the clock: delegations that started since the last run take effect."""
    now = now or timezone.now()
    total = 0
    for d in Delegation.objects.filter(starts__lte=now, ends__gt=now).select_related("user", "delegate"):
        with transaction.atomic():
            total += hand_over_open_tasks(d.user, d.delegate)
    return total
