"""Step deadlines in working days of the statutory calendar (rule R8.12): weekends and the
State Council's holidays are skipped, a make-up working day (调休上班) counts."""
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from workflows import holidays

DEFAULT_STEP_DAYS = 3


def step_days() -> int:
    return int(getattr(settings, "QQ_STEP_DEADLINE_WORKING_DAYS", DEFAULT_STEP_DAYS))


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` plus `days` working days, at the same local time of day. A start on a rest day
    counts from the next working day's position, so Friday + 1 is Monday (or the 调休
    Saturday, or the first day after 国庆)."""
    current = timezone.localtime(start) if timezone.is_aware(start) else start
    target = holidays.calendar().add_working_days(current.date(), days)
    return current + timedelta(days=(target - current.date()).days)


def due_for_new_step(now: datetime | None = None) -> datetime:
    return add_working_days(now or timezone.now(), step_days())


def working_days_covered(starts: datetime, ends: datetime) -> int:
    """Working days on which a delegation (starts, ends) is in force for some part of the day."""
    first = timezone.localtime(starts).date()
    last = timezone.localtime(ends - timedelta(microseconds=1)).date()
    return holidays.calendar().working_days_between(first, last)
