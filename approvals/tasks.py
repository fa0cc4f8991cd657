"""Celery tasks of the approvals (scheduled by CELERY_BEAT_SCHEDULE in config/settings.py).
Each calls services; the task names are explicit because the beat schedule and queued
messages store them."""
from celery import shared_task
from django.conf import settings

from . import notifications
from .delegation import apply_current_delegations
from .escalation import escalate_overdue


@shared_task(name="approvals.escalate_overdue")
def escalate_overdue_steps() -> int:
    apply_current_delegations()
    return escalate_overdue()


@shared_task(name=notifications.DELIVER_TASK, acks_late=True)
def deliver_notification(pk: int) -> dict[str, bool]:
    return notifications.deliver(pk)


@shared_task(name="approvals.purge_read_notifications")
def purge_read_notifications() -> int:
    return notifications.purge_read(older_than_days=settings.QQ_NOTIFICATION_KEEP_DAYS)
