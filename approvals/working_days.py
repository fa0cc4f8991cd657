"""Step deadlines in working days (Monday to Friday; weekends skipped)."""
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

DEFAULT_STEP_DAYS = 3


def step_days() -> int:
    return int(getattr(settings, "QQ_STEP_DEADLINE_WORKING_DAYS", DEFAULT_STEP_DAYS))


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` plus `days` working days, at the same local time of day. A start on a weekend
    counts from the next Monday morning's position, so Friday + 1 is Monday."""
    current = timezone.localtime(start) if timezone.is_aware(start) else start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def due_for_new_step(now: datetime | None = None) -> datetime:
    return add_working_days(now or timezone.now(), step_days())
