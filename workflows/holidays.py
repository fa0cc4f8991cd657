"""The statutory working-day calendar (rules R8.12-R8.14).

A year's holidays and make-up working days (调休上班) come from the HolidayCalendar table when it
has rows for that year (the administrator's entries, seeded from the `chinese-calendar`
package); a year the table lacks falls back to the package's data if it knows the year, and
otherwise to Monday-Friday, with a warning to administrators until the State Council's notice
for that year is entered (rule R8.13).

The calendar is read once and kept in the process for CACHE_SECONDS; saving or deleting a row
clears it in the process that saved (the other processes see the change after at most
CACHE_SECONDS). Counting a step's deadline therefore costs no statement on a warm cache.
"""
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar
from chinese_calendar import constants as package_data
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from workflows.models import DayKind, HolidayCalendar

CACHE_SECONDS = 300
PACKAGE_SOURCE = f"chinese-calendar {chinese_calendar.__version__}"
# The State Council publishes next year's arrangement in the autumn; from this month on the
# administrators are asked for it.
ASK_NEXT_YEAR_FROM_MONTH = 11


def _package_name(english: str) -> str:
    try:
        return package_data.Holiday(english).chinese
    except ValueError:
        return english


def package_years() -> set[int]:
    return {d.year for d in package_data.holidays} | {d.year for d in package_data.workdays}


def package_days(years: Iterable[int] | None = None) -> list[tuple[date, str, str]]:
    """(day, kind, Chinese name) of the package's holidays and make-up working days."""
    wanted = set(years) if years is not None else None
    rows = [(d, DayKind.HOLIDAY.value, _package_name(n)) for d, n in package_data.holidays.items()]
    rows += [(d, DayKind.WORKDAY.value, _package_name(n)) for d, n in package_data.workdays.items()]
    return sorted(r for r in rows if wanted is None or r[0].year in wanted)


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset = field(default_factory=frozenset)
    workdays: frozenset = field(default_factory=frozenset)  # 调休上班: weekend days that are worked
    known_years: frozenset = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def roll_forward(self, day: date) -> date:
        """The day itself if it is a working day, else the first working day after it: a
        period whose last day is a statutory rest day ends on the day after the rest (rule
        R8.14, 民法典 第二百零三条; weekends are rest days unless worked as 调休)."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, days: int) -> date:
        added = 0
        while added < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                added += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in [start, end]."""
        count, day = 0, start
        while day <= end:
            count += self.is_working_day(day)
            day += timedelta(days=1)
        return count

    def roll_exceptions(self) -> list[tuple[date, date]]:
        """(day, the day a period ending on it ends) for every day of the known years where that
        differs from the weekend-only rule (Saturday +2, Sunday +1): the daily run's SQL joins
        these and computes the weekend rule itself."""
        out = []
        for year in sorted(self.known_years):
            day = date(year, 1, 1)
            while day.year == year:
                rolled = self.roll_forward(day)
                plain = day + timedelta(days={5: 2, 6: 1}.get(day.weekday(), 0))
                if rolled != plain:
                    out.append((day, rolled))
                day += timedelta(days=1)
        return out

    def missing_years(self, today: date) -> list[int]:
        """The years administrators are asked to enter (rule R8.13)."""
        wanted = [today.year] + ([today.year + 1] if today.month >= ASK_NEXT_YEAR_FROM_MONTH else [])
        return [y for y in wanted if y not in self.known_years]


def package_calendar() -> Calendar:
    """The package's calendar alone, without the table (pure; for tests and the seed)."""
    rows = package_days()
    return Calendar(frozenset(d for d, k, _n in rows if k == DayKind.HOLIDAY),
                    frozenset(d for d, k, _n in rows if k == DayKind.WORKDAY), frozenset(package_years()))


_lock = threading.Lock()
_cached: tuple[float, Calendar] | None = None


def load() -> Calendar:
    """The calendar from the table and, for years the table lacks, the package (one statement)."""
    holidays, workdays, table_years = set(), set(), set()
    for day, kind in HolidayCalendar.objects.values_list("day", "kind"):
        table_years.add(day.year)
        (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
    from_package = package_years() - table_years
    for day, kind, _name in package_days(from_package):
        (holidays if kind == DayKind.HOLIDAY else workdays).add(day)
    return Calendar(frozenset(holidays), frozenset(workdays), frozenset(table_years | from_package))


def calendar(*, fresh: bool = False) -> Calendar:
    global _cached
    with _lock:
        if not fresh and _cached is not None and time.monotonic() - _cached[0] < CACHE_SECONDS:
            return _cached[1]
    loaded = load()
    with _lock:
        _cached = (time.monotonic(), loaded)
    return loaded


def clear_cache(**_kwargs) -> None:
    global _cached
    with _lock:
        _cached = None


post_save.connect(clear_cache, sender=HolidayCalendar, dispatch_uid="holidays-clear-on-save")
post_delete.connect(clear_cache, sender=HolidayCalendar, dispatch_uid="holidays-clear-on-delete")


def is_working_day(day: date) -> bool:
    return calendar().is_working_day(day)


def roll_forward(day: date) -> date:
    return calendar().roll_forward(day)


def missing_years(today: date | None = None) -> list[int]:
    return calendar().missing_years(today or timezone.localdate())


def seed_from_package(*, years: Iterable[int] | None = None, model=HolidayCalendar) -> int:
    """Copy the package's days into the table for each year the table has no row for (a year
    an administrator already entered is left as it is). Returns the rows added. `model` lets
    the data migration pass its historical model."""
    present = {d.year for d in model.objects.values_list("day", flat=True)}
    wanted = (set(years) if years is not None else package_years()) - present
    rows = [model(day=d, kind=k, name=n, source=PACKAGE_SOURCE) for d, k, n in package_days(wanted)]
    model.objects.bulk_create(rows, ignore_conflicts=True)
    clear_cache()  # bulk_create sends no post_save
    return len(rows)
