"""The statutory working-day calendar (rules R8.12-R8.14) with the real 2026 calendar: 国庆,
春节, a 调休 Saturday, a limitation period ending on 1 October, the Monday-Friday fallback
with its warning, and the admin edit taking effect."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from approvals.escalation import escalate_overdue
from approvals.models import Chain, StepInfo
from approvals.working_days import add_working_days, working_days_covered
from tests import factories as f
from tests.approvals.helpers import client_for, open_task, overdue_debt, start
from workflows import holidays, limitation
from workflows.clock.run import run_daily
from workflows.models import DayKind, DebtClock, HolidayCalendar, User

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


def test_the_table_holds_the_2026_notice():
    """Seeded by the migration from chinese-calendar (rule R8.12)."""
    national = HolidayCalendar.objects.filter(day__range=(date(2026, 10, 1), date(2026, 10, 7)))
    assert national.count() == 7 and {h.kind for h in national} == {DayKind.HOLIDAY}
    assert {h.name for h in national} == {"国庆节"}
    assert HolidayCalendar.objects.get(day=date(2026, 10, 10)).kind == DayKind.WORKDAY
    assert HolidayCalendar.objects.get(day=date(2026, 2, 17)).name == "春节"
    # 19 weekday holidays and 6 weekend make-up working days in 2026 (issue 16)
    days = HolidayCalendar.objects.filter(day__year=2026)
    assert sum(1 for h in days if h.kind == DayKind.HOLIDAY and h.day.weekday() < 5) == 19
    assert sum(1 for h in days if h.kind == DayKind.WORKDAY and h.day.weekday() >= 5) == 6


def test_step_deadline_across_national_day_ends_on_the_make_up_saturday():
    """Created 2026-09-30: 10-08 and 10-09 are working days, 10-10 is a 调休 Saturday."""
    assert add_working_days(at(2026, 9, 30, 10, 0), 3) == at(2026, 10, 10, 10, 0)
    assert add_working_days(at(2026, 9, 30, 10, 0), 1) == at(2026, 10, 8, 10, 0)
    # a start inside the holiday counts from its position: the first working day is 10-08
    assert add_working_days(at(2026, 10, 3, 9, 0), 1) == at(2026, 10, 8, 9, 0)


def test_step_deadline_across_spring_festival():
    """2026-02-14 (Saturday) is worked; 02-15 to 02-23 is 春节; 02-28 (Saturday) is worked."""
    assert add_working_days(at(2026, 2, 13, 16, 0), 1) == at(2026, 2, 14, 16, 0)
    assert add_working_days(at(2026, 2, 13, 16, 0), 2) == at(2026, 2, 24, 16, 0)
    assert add_working_days(at(2026, 2, 26, 9, 0), 2) == at(2026, 2, 28, 9, 0)


def test_a_new_step_created_before_national_day_is_due_on_10_10(org, people):
    with time_machine.travel(at(2026, 9, 30, 10, 0), tick=False):
        debt = overdue_debt(org, people)
        _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
        info = StepInfo.objects.get(task=open_task(process, "head_approval"))
    assert info.due_at == at(2026, 10, 10, 10, 0)


def test_escalation_waits_for_the_first_working_day(org, people):
    """A step overdue during 国庆 is escalated on 10-08, not while everyone is on holiday."""
    with time_machine.travel(at(2026, 9, 25, 10, 0), tick=False):
        debt = overdue_debt(org, people)
        _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
    info = StepInfo.objects.get(task=open_task(process, "head_approval"))
    StepInfo.objects.filter(pk=info.pk).update(due_at=at(2026, 9, 30, 10, 0))
    for day in (at(2026, 10, 1, 11, 0), at(2026, 10, 7, 23, 0)):
        with time_machine.travel(day, tick=False):
            assert escalate_overdue() == 0, day
    with time_machine.travel(at(2026, 10, 8, 0, 15), tick=False):
        assert escalate_overdue() == 1
    info.refresh_from_db()
    assert info.escalated_at == at(2026, 10, 8, 0, 15)


def test_delegation_period_counts_working_days(org, people):
    """An absence over 国庆 (09-30 to 10-10) covers 09-30, 10-08, 10-09 and the 调休 10-10."""
    assert working_days_covered(at(2026, 9, 30, 0, 0), at(2026, 10, 11, 0, 0)) == 4
    assert working_days_covered(at(2026, 10, 1, 0, 0), at(2026, 10, 8, 0, 0)) == 0
    colleague = f.user("handler_a2", "handler", org["a"])
    c = client_for(people["handler"])
    with time_machine.travel(at(2026, 9, 20, 9, 0), tick=False):
        response = c.post(reverse("approvals:delegations"), {
            "delegate": colleague.pk, "starts": "2026-09-30T00:00", "ends": "2026-10-11T00:00", "reason": "休假"},
            follow=True)
    body = response.content.decode()
    assert "已登记委托（共 4 个工作日）" in body and "4 个工作日" in body


def test_limitation_ending_on_national_day_rolls_to_10_08():
    """民法典 第二百零三条 (rule R8.14): chain(2023-10-01, [], 3) ends 2026-10-08, not 10-01."""
    assert limitation.chain(date(2023, 10, 1), [], 3) == (date(2023, 10, 1), date(2026, 10, 8), None)
    # a period ending on the 调休 Saturday ends on it: that day is worked
    assert limitation.chain(date(2023, 10, 10), [], 3)[1] == date(2026, 10, 10)
    # 春节: 2026-02-17 rolls to 02-24; a Sunday outside holidays rolls to Monday
    assert limitation.chain(date(2023, 2, 17), [], 3)[1] == date(2026, 2, 24)
    assert limitation.chain(date(2023, 3, 8), [], 3)[1] == date(2026, 3, 9)
    # an event on the rolled last day still interrupts; the day after it does not
    assert limitation.chain(date(2023, 10, 1), [(date(2026, 10, 8), False)], 3)[2] is None
    assert limitation.chain(date(2023, 10, 1), [(date(2026, 10, 9), False)], 3)[2] == date(2026, 10, 9)


def test_the_daily_run_rolls_the_same_way(org, people):
    """The set-based SQL of the daily run agrees with the Python rule (rule R8.14)."""
    debts = {due: f.debt(org["a"], people["handler"], amount="500.00", due=due)
             for due in (date(2023, 10, 1), date(2023, 10, 10), date(2023, 2, 17), date(2023, 3, 8),
                         date(2023, 5, 31))}
    # an event on a rolled last day keeps the chain (2020-10-01 + 3 years = 2023-10-01, 国庆 2023)
    early = f.debt(org["a"], people["handler"], amount="500.00", due=date(2020, 10, 1))
    limitation.record_interruption(early, "balance_confirmation", date(2023, 10, 7), by=people["handler"])
    run_daily(date(2026, 10, 8))
    for due, debt in debts.items():
        clock = DebtClock.objects.get(debt=debt)
        assert clock.limitation_deadline == limitation.chain(due, [], 3)[1], due
    assert DebtClock.objects.get(debt=debts[date(2023, 10, 1)]).lapsed is False  # the last day
    early_clock = DebtClock.objects.get(debt=early)
    assert early_clock.first_break_on is None and early_clock.limitation_deadline == date(2026, 10, 8)
    run_daily(date(2026, 10, 9))
    assert DebtClock.objects.get(debt=debts[date(2023, 10, 1)]).lapsed is True


def test_a_year_not_entered_counts_monday_to_friday_and_warns_administrators(client):
    """Rule R8.13: 2027 is not in the package nor the table. From November on, the admin index
    and the calendar list ask for it; once entered, deadlines follow it."""
    assert 2027 not in holidays.calendar().known_years
    # 2027-01-01 is a Friday, counted as a working day without the notice
    assert add_working_days(at(2026, 12, 31, 10, 0), 1) == at(2027, 1, 1, 10, 0)
    root = User.objects.create_superuser("root", "root@example.com", "pw-Qingqian-2026")
    client.force_login(root)
    with time_machine.travel(at(2026, 12, 2, 9, 0), tick=False):
        index = client.get(reverse("admin:index")).content.decode()
        listing = client.get(reverse("admin:workflows_holidaycalendar_changelist")).content.decode()
        for page in (index, listing):
            assert "2027 年的法定节假日安排尚未录入" in page
        response = client.post(reverse("admin:workflows_holidaycalendar_add"), {
            "day": "2027-01-01", "kind": DayKind.HOLIDAY, "name": "元旦", "source": "国办发明电〔2026〕"})
        assert response.status_code == 302
        assert "2027 年的法定节假日安排尚未录入" not in client.get(reverse("admin:index")).content.decode()
    # the entry is used at once (the saving process's cache is cleared)
    assert add_working_days(at(2026, 12, 31, 10, 0), 1) == at(2027, 1, 4, 10, 0)
    with time_machine.travel(at(2026, 6, 1, 9, 0), tick=False):
        assert holidays.missing_years() == []  # next year is asked for from November


def test_an_administrator_correction_overrides_the_package():
    """The table wins for a year it has rows for: a holiday turned into a working day counts."""
    row = HolidayCalendar.objects.get(day=date(2026, 10, 7))
    row.kind = DayKind.WORKDAY
    row.save()
    assert add_working_days(at(2026, 9, 30, 10, 0), 1) == at(2026, 10, 7, 10, 0)
    assert limitation.chain(date(2023, 10, 1), [], 3)[1] == date(2026, 10, 7)


def test_a_flushed_table_still_counts_the_package_years_and_the_command_reseeds():
    HolidayCalendar.objects.all().delete()
    assert holidays.is_working_day(date(2026, 10, 1)) is False  # from the package
    call_command("seed_holidays")
    assert HolidayCalendar.objects.filter(day__year=2026).count() == 39
    assert HolidayCalendar.objects.filter(day=date(2026, 10, 10), kind=DayKind.WORKDAY).exists()


def test_fallback_counts_plain_weekends():
    cal = holidays.Calendar()
    assert cal.roll_forward(date(2030, 6, 1)) == date(2030, 6, 3)   # Saturday -> Monday
    assert cal.add_working_days(date(2030, 6, 7), 1) == date(2030, 6, 10)
    assert cal.roll_exceptions() == []
    assert holidays.package_calendar().roll_forward(date(2026, 10, 1)) == date(2026, 10, 8)
