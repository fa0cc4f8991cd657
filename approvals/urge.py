"""催办 (rule R4.111): the requester or 清欠办 reminds the people an open step waits for — its
holder when claimed, else everybody who may claim it — at most once per step within
QQ_URGE_INTERVAL_HOURS. Each reminder is a ChainUrge row (who, when, which step, the message)."""
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User
from workflows.roles import COMMITTEE, COMMITTEE_HEAD

from . import inbox
from .exceptions import DecisionError, TooSoon
from .four_eyes import eligible_users
from .models import ChainProcess, ChainUrge, NotificationKind, Outcome, StepInfo
from .notifications import notify, notify_many

MESSAGE_MAX = 200
URGERS = (COMMITTEE, COMMITTEE_HEAD)


def interval() -> timedelta:
    return timedelta(hours=settings.QQ_URGE_INTERVAL_HOURS)


def may_urge(process: ChainProcess, user: User) -> bool:
    """The requester, or a holder of 清欠办 / 清欠办主任 (rule R4.111)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.pk == process.requested_by_id or user.groups.filter(name__in=URGERS).exists()


def next_allowed(task_ids: list[int], now: datetime | None = None) -> dict[int, datetime]:
    """For each task urged within the interval: when it may be urged again (one query)."""
    now = now or timezone.now()
    last = (ChainUrge.objects.filter(task_id__in=task_ids).values("task_id").annotate(last=Max("at"))
            .values_list("task_id", "last"))
    return {task_id: at + interval() for task_id, at in last if at + interval() > now}


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def chain_urge(*, process: ChainProcess, task: Task, user: User, message: str = "") -> ChainUrge:
    """Remind the candidates of `task`, an open step of `process`. Under the chain's lock, so two
    reminders at once cannot both pass the interval. Raises DecisionError; nothing is saved then."""
    message = (message or "").strip()
    if not may_urge(process, user):
        raise DecisionError(_("只有申请人或清欠办可以催办"))
    if len(message) > MESSAGE_MAX:
        raise DecisionError(_("催办留言：最多 %(n)s 个字") % {"n": MESSAGE_MAX}, "message")
    with process.flow_class.lock(process.pk), transaction.atomic():
        process = ChainProcess.objects.select_related("debt").get(pk=process.pk)
        info = (StepInfo.objects.select_related("task", "task__owner")
                .filter(process=process, task_id=task.pk).first())
        if info is None:
            raise DecisionError(_("催办：该任务不属于本审批链"), "task")
        if not process.active or process.outcome != Outcome.RUNNING:
            raise DecisionError(_("审批链已结束（%(outcome)s），无需催办") % {"outcome": process.get_outcome_display()})
        task = info.task
        # The step's title in the language of the day (the stored one is the language of its creation).
        title = str(getattr(task.flow_task, "task_title", "") or info.step_title)
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise DecisionError(_("步骤“%(step)s”已办结，无需催办") % {"step": title})
        now = timezone.now()
        again = next_allowed([task.pk], now).get(task.pk)
        if again is not None:
            raise TooSoon(_("步骤“%(step)s”在 %(hours)s 小时内已催办过，%(next)s 后可再次催办") % {
                "step": title, "hours": settings.QQ_URGE_INTERVAL_HOURS, "next": _local(again)}, again)
        text = _("催办：%(chain)s %(debt)s 的“%(step)s”等待您办理（截止 %(due)s）") % {
            "chain": process.get_chain_display(), "debt": process.debt.code, "step": title,
            "due": _local(info.due_at)}
        if message:
            text = _("%(text)s。%(who)s 留言：%(message)s") % {"text": text, "who": user, "message": message}
        url = inbox.task_url(task)
        if task.owner_id:
            notified = 1 if notify(task.owner, NotificationKind.URGED, text, url) else 0
        else:
            notified = len(notify_many(eligible_users(task.flow_task, process, task=task).order_by("pk"),
                                       NotificationKind.URGED, text, url))
        return ChainUrge.objects.create(process=process, task=task, step=info.step, step_title=title,
                                        by=user, at=now, message=message, notified=notified)
