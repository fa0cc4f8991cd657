"""The limitation period (诉讼时效, rules R5.8-R5.10; PRC Civil Code art. 188, 195).

A period whose last day is a statutory rest day ends on the first working day after it
(rule R8.14, 民法典 第二百零三条), by the working-day calendar of workflows.holidays.

The period runs from the due date and restarts at each interrupting event. The events form
a chain: each must fall on or before the deadline the previous one set. The first event that
falls after the deadline breaks the chain: the claim had already lapsed, so that event and
everything after it does not restart the period by itself; it is recorded, flagged
`after_lapse` and left for a person, who may decide it does restart it (`revives`, e.g. a
debtor's signed confirmation after lapse, Civil Code art. 192).

The rule is written here in Python (one debt at a time, for interactive recording and tests)
and in SQL in workflows.clock.run (the daily run, set-based); tests hold the two together.
"""
from collections.abc import Iterable
from datetime import date as date_type

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import holidays
from workflows.exceptions import LimitationError
from workflows.models import ClockSettings, Debt, DebtClock, LimitationEvent, LimitationEventKind, User


def add_years(day: date_type, years: int) -> date_type:
    # relativedelta clamps to the month's end: 29 Feb + 3 years is 28 Feb, not 1 March
    # (the period ends on the corresponding day, or the month's last day if there is none).
    return day + relativedelta(years=years)


def add_years_sql(vendor: str, expr: str, years: int) -> str:
    """SQL for add_years(expr, years) with the same 29 February rule."""
    years = int(years)
    if vendor == "postgresql":
        # PostgreSQL's interval arithmetic clamps to the month's end like relativedelta.
        return f"CAST(({expr}) + INTERVAL '{years} years' AS date)"
    # SQLite rolls 29 Feb over to 1 Mar; step back a day when the month changed.
    shifted = f"date({expr}, '+{years} years')"
    return (f"(CASE WHEN strftime('%m', {shifted}) <> strftime('%m', {expr}) "
            f"THEN date({expr}, '+{years} years', '-1 day') ELSE {shifted} END)")


def deadline(start: date_type, years: int, calendar: holidays.Calendar | None = None) -> date_type:
    """The last day of a period of `years` from `start`, rolled past statutory rest days
    (rule R8.14)."""
    return (calendar or holidays.calendar()).roll_forward(add_years(start, years))


def chain(due_date: date_type, events: Iterable[tuple[date_type, bool]], years: int,
          calendar: holidays.Calendar | None = None) -> tuple[date_type, date_type, date_type | None]:
    """(start, deadline, first_break) from the due date and (date, revives) pairs.

    first_break is the date of the first event after lapse (None if the chain holds)."""
    calendar = calendar or holidays.calendar()
    previous = None
    valid_last = None
    first_break = None
    for day, revives in sorted(events, key=lambda e: e[0]):
        point = due_date if previous is None or previous < due_date else previous
        if not revives and day > deadline(point, years, calendar):
            first_break = day
            break
        previous = day
        valid_last = day
    start = valid_last if valid_last is not None and valid_last > due_date else due_date
    return start, deadline(start, years, calendar), first_break


def refresh_debt_clock(debt: Debt, *, on_date: date_type | None = None) -> DebtClock:
    """Recompute one debt's limitation fields now (the daily run does it for all)."""
    years = ClockSettings.load().limitation_years
    on_date = on_date or timezone.localdate()
    events = list(debt.limitation_events.filter(date__lte=on_date))
    start, ends, first_break = chain(debt.due_date, [(e.date, e.revives) for e in events], years)
    for event in events:
        flag = event.revives or (first_break is not None and event.date >= first_break)
        if flag != event.after_lapse:
            LimitationEvent.objects.filter(pk=event.pk).update(after_lapse=flag)
            event.after_lapse = flag
    valid = [e.date for e in events if first_break is None or e.date < first_break]
    clock, _created = DebtClock.objects.get_or_create(debt=debt)
    clock.limitation_start = start
    clock.limitation_deadline = ends
    clock.last_event_on = max(valid) if valid else None
    clock.first_break_on = first_break
    clock.lapsed = ends < on_date
    clock.needs_review = any(e.after_lapse and e.reviewed_at is None for e in events)
    clock.save()
    return clock


def record_interruption(debt: Debt, kind: str, date: date_type, *, by: User | None = None, source: str = "",
                        note: str = "") -> LimitationEvent:
    """Record an interrupting event; returns the LimitationEvent (flagged if after lapse)."""
    if kind not in LimitationEventKind.values:
        raise LimitationError(_("事由：未知的中断事由“%(kind)s”") % {"kind": kind})
    if not isinstance(date, date_type):
        raise LimitationError(_("发生日期：必须填写"))
    if date > timezone.localdate():
        raise LimitationError(_("发生日期：不能晚于今天"))
    with transaction.atomic():
        locked = Debt.objects.select_for_update().get(pk=debt.pk)
        signed_on = locked.contract.signed_on
        if signed_on is not None and date < signed_on:
            raise LimitationError(_("发生日期：不能早于合同签订日期"))
        event = LimitationEvent.objects.create(debt=locked, kind=kind, date=date, recorded_by=by,
                                               recorded_at=timezone.now(), source=source, note=note)
        refresh_debt_clock(locked)
        event.refresh_from_db()
        return event


def review_after_lapse(event: LimitationEvent, *, by: User, revives: bool, note: str = "") -> LimitationEvent:
    """A person decides whether an event after lapse restarts the period."""
    if not event.after_lapse:
        raise LimitationError(_("该中断事由不在时效届满之后，无需复核"))
    with transaction.atomic():
        LimitationEvent.objects.filter(pk=event.pk).update(
            reviewed_by=by, reviewed_at=timezone.now(), revives=bool(revives),
            note=(event.note + "\n" + note).strip() if note else event.note)
        event.refresh_from_db()
        refresh_debt_clock(event.debt)
    return event
