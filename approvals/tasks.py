"""Celery tasks of the approvals (scheduled by CELERY_BEAT_SCHEDULE in config/settings.py)."""
from celery import shared_task


@shared_task(name="approvals.escalate_overdue")
def escalate_overdue_steps():
    from .delegation import apply_current_delegations
    from .escalation import escalate_overdue

    apply_current_delegations()
    return escalate_overdue()
