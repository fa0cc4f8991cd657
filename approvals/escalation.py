"""Escalation of overdue steps: run by the clock (Celery beat), never by a page view.

An overdue open step goes to the approver's superior, or to the 清欠办 head when the task has
no owner or the owner has no superior. The target is notified; if the target may act on the
step under the four-eyes rules, the task is also handed to them.
"""
import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows import holidays
from workflows.models import User
from workflows.roles import COMMITTEE_HEAD

from .inbox import task_url
from .models import NotificationKind, StepInfo
from .notifications import notify

log = logging.getLogger(__name__)


def committee_head() -> User | None:
    return User.objects.filter(is_active=True, groups__name=COMMITTEE_HEAD).order_by("pk").first()


def escalation_target(task: Task) -> User | None:
    owner = task.owner
    if owner is not None and owner.superior_id and owner.superior.is_active:
        return owner.superior
    return committee_head()


def escalate_overdue(now: datetime | None = None) -> int:
    """Escalate every open step past its deadline once; returns how many were escalated.

    Only on working days of the statutory calendar (rule R8.12): a step overdue during 国庆 is
    escalated on the first working day after it, when the superior is at work to act on it."""
    now = now or timezone.now()
    count = 0
    if not holidays.is_working_day(timezone.localtime(now).date()):
        return count
    due = StepInfo.objects.filter(open=True, escalated_at__isnull=True, due_at__lt=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            info = (StepInfo.objects.select_for_update(of=("self",))
                    .select_related("task", "task__owner", "process", "debt")
                    .filter(pk=pk, open=True, escalated_at__isnull=True).first())
            if info is None or info.task.status not in (STATUS.NEW, STATUS.ASSIGNED):
                continue
            task = info.task
            target = escalation_target(task)
            step = task.flow_task
            previous = task.owner
            if target is not None and target != previous and step.why_not(target, task) is None:
                task.owner = target
                task.status = STATUS.ASSIGNED
                task.assigned = now
                task.save(update_fields=["owner", "status", "assigned"])
            info.escalated_at = now
            info.escalated_to = target
            info.save(update_fields=["escalated_at", "escalated_to"])
            message = _("逾期升级：%(chain)s %(code)s 的“%(step)s”已超过截止时间 %(due)s") % {
                "chain": info.get_chain_display(), "code": info.debt.code, "step": info.step_title,
                "due": timezone.localtime(info.due_at).strftime("%Y-%m-%d %H:%M")}
            for user in {u for u in (target, previous) if u is not None}:
                notify(user, NotificationKind.ESCALATED, message, task_url(task))
            count += 1
    return count
