"""Celery tasks of the approvals (scheduled by CELERY_BEAT_SCHEDULE in config/settings.py).
Each calls services; the task names are explicit because the beat schedule stores them."""
from celery import shared_task

from .delegation import apply_current_delegations
from .escalation import escalate_overdue


@shared_task(name="approvals.escalate_overdue")
def escalate_overdue_steps() -> int:
    apply_current_delegations()
    return escalate_overdue()
