"""Limitation (诉讼时效): the deadline from each interrupting event, date edge cases, events
after lapse, and the Python rule agreeing with the daily run's SQL."""
from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from tests import factories as f
from workflows import holidays, ledger, limitation
from workflows.admin.clock import LimitationEventAdmin
from workflows.clock.run import run_daily
from workflows.exceptions import LimitationError
from workflows.limitation import add_years, record_interruption, review_after_lapse
from workflows.models import DebtClock, EntryKind, LimitationEvent, LimitationEventKind, User

DUE = date(2021, 1, 31)


@pytest.mark.parametrize("start, expected", [
    (date(2024, 2, 29), date(2027, 2, 28)),   # no 29 Feb in 2027: the month's last day
    (date(2020, 2, 29), date(2023, 2, 28)),
    (date(2023, 2, 28), date(2026, 2, 28)),
    (date(2021, 3, 1), date(2024, 3, 1)),     # lands in a leap year, unchanged
    (date(2021, 1, 31), date(2024, 1, 31)),
    (date(2021, 4, 30), date(2024, 4, 30)),
    (date(2022, 12, 31), date(2025, 12, 31)),
])
def test_three_years_after(start, expected):
    assert add_years(start, 3) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("start", [date(2024, 2, 29), date(2020, 2, 29), date(2023, 2, 28), date(2021, 1, 31),
                                   date(2022, 12, 31), date(2024, 3, 1)])
@pytest.mark.parametrize("years", [3, 4])
def test_sql_date_arithmetic_agrees_with_python(start, years):
    literal = f"DATE '{start}'" if connection.vendor == "postgresql" else f"'{start}'"
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + limitation.add_years_sql(connection.vendor, literal, years))
        value = cursor.fetchone()[0]
    value = value if isinstance(value, date) else date.fromisoformat(value)
    assert value == add_years(start, years)


def test_chain_rule():
    cal = holidays.package_calendar()

    def chain(*args):
        return limitation.chain(*args, calendar=cal)

    assert chain(DUE, [], 3) == (DUE, date(2024, 1, 31), None)
    # an event before the due date does not move the start back
    assert chain(DUE, [(date(2020, 6, 1), False)], 3) == (DUE, date(2024, 1, 31), None)
    # each event within the running period restarts it
    assert chain(DUE, [(date(2023, 6, 1), False), (date(2026, 5, 1), False)], 3)[1] == date(2029, 5, 1)
    # an event exactly on the deadline still interrupts; the day after does not
    # (31 January 2027 is a Sunday: the period ends on Monday, rule R8.14)
    assert chain(DUE, [(date(2024, 1, 31), False)], 3) == (date(2024, 1, 31), date(2027, 2, 1), None)
    assert chain(DUE, [(date(2024, 2, 1), False)], 3) == (DUE, date(2024, 1, 31), date(2024, 2, 1))
    # everything after the break stays lapsed, however close together
    assert chain(DUE, [(date(2024, 6, 1), False), (date(2024, 7, 1), False)], 3)[1:] == (
        date(2024, 1, 31), date(2024, 6, 1))
    # a person's decision that the late event revives the claim restarts from it
    assert chain(DUE, [(date(2024, 6, 1), True), (date(2024, 7, 1), False)], 3) == (
        date(2024, 7, 1), date(2027, 7, 1), None)


@pytest.fixture
def debt(org, people):
    return f.debt(org["a"], people["handler"], responsible=people["responsible"], amount="80000.00", due=DUE)


def _clock(debt):
    return DebtClock.objects.get(debt=debt)


def test_no_event_runs_three_years_from_due_date(debt):
    run_daily(date(2021, 3, 1))
    clock = _clock(debt)
    assert clock.limitation_start == DUE and clock.limitation_deadline == date(2024, 1, 31)
    assert not clock.lapsed


@pytest.mark.parametrize("kind", [k for k in LimitationEventKind.values if k != LimitationEventKind.PAYMENT])
def test_each_recorded_event_kind_restarts_the_period(debt, people, kind):
    event = record_interruption(debt, kind, date(2023, 5, 12), by=people["handler"], source="test")
    assert not event.after_lapse
    assert _clock(debt).limitation_deadline == date(2026, 5, 12)  # visible at once
    run_daily(date(2023, 6, 1))
    clock = _clock(debt)
    assert clock.limitation_deadline == date(2026, 5, 12) and clock.last_event_on == date(2023, 5, 12)
    assert LimitationEvent.objects.get(pk=event.pk).recorded_by == people["handler"]
    assert LimitationEventAdmin(LimitationEvent, admin.site).registrar(event) == people["handler"]


def test_payment_in_the_ledger_restarts_the_period(debt, people):
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, Decimal("100.00"), date(2023, 9, 30), by=people["finance"])
    run = run_daily(date(2023, 10, 1))
    assert run.events_derived == 1
    event = LimitationEvent.objects.get(debt=debt)
    assert event.kind == LimitationEventKind.PAYMENT and event.ledger_entry is not None
    # the clock recorded it; who booked the payment is on the entry, and the admin shows them
    assert event.recorded_by is None and event.ledger_entry.created_by == people["finance"]
    assert LimitationEventAdmin(LimitationEvent, admin.site).registrar(event) == people["finance"]
    assert _clock(debt).limitation_deadline == date(2026, 9, 30)
    run_daily(date(2023, 10, 2))  # the same entry never counts twice
    assert LimitationEvent.objects.filter(debt=debt).count() == 1


def test_admin_names_who_booked_a_ledger_derived_event(client, debt, people):
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, Decimal("100.00"), date(2023, 9, 30), by=people["finance"])
    run_daily(date(2023, 10, 1))
    event = LimitationEvent.objects.get(debt=debt)
    root = User.objects.create_superuser("root", "root@example.com", "pw-Qingqian-2026")
    client.force_login(root)
    booked_by = str(people["finance"])
    for url in (reverse("admin:workflows_limitationevent_changelist"),
                reverse("admin:workflows_limitationevent_change", args=[event.pk])):
        response = client.get(url)
        assert response.status_code == 200 and booked_by in response.content.decode(), url


def test_payment_after_a_run_moves_the_deadline_on_the_next_run(debt, people):
    run_daily(date(2023, 9, 1))  # the clock row exists: the next run updates it, not inserts it
    before = _clock(debt).limitation_deadline
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, Decimal("100.00"), date(2023, 9, 30), by=people["finance"])
    assert _clock(debt).limitation_deadline == before  # the ledger leaves the clock to the run
    run_daily(date(2023, 10, 1))
    clock = _clock(debt)
    assert before != date(2026, 9, 30)
    assert clock.limitation_deadline == date(2026, 9, 30) and clock.last_event_on == date(2023, 9, 30)


def test_payment_on_29_february_lapses_on_28_february(org, people):
    debt = f.debt(org["a"], people["handler"], amount="500.00", due=date(2022, 1, 31))
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, Decimal("100.00"), date(2024, 2, 29), by=people["finance"])
    run_daily(date(2024, 3, 1))
    # 28 February 2027 is a Sunday: the period ends on Monday 1 March (rule R8.14)
    assert _clock(debt).limitation_deadline == date(2027, 3, 1)


def test_event_after_lapse_is_recorded_flagged_and_does_not_revive(debt, people):
    run_daily(date(2024, 2, 1))
    assert _clock(debt).lapsed
    event = record_interruption(debt, LimitationEventKind.DEMAND_LETTER_RECEIPT, date(2024, 3, 1),
                                by=people["handler"])
    assert event.after_lapse
    clock = _clock(debt)
    assert clock.limitation_deadline == date(2024, 1, 31) and clock.needs_review and clock.lapsed
    run_daily(date(2024, 3, 2))
    clock = _clock(debt)
    assert clock.lapsed and clock.needs_review and clock.first_break_on == date(2024, 3, 1)
    assert LimitationEvent.objects.get(pk=event.pk).after_lapse

    # a person decides: the debtor's written acknowledgment does revive it
    review_after_lapse(event, by=people["committee"], revives=True, note="债务人书面同意履行")
    run_daily(date(2024, 3, 3))
    clock = _clock(debt)
    assert clock.limitation_deadline == date(2027, 3, 1) and not clock.lapsed and not clock.needs_review


def test_payment_after_lapse_is_flagged_by_the_run(debt, people):
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, Decimal("10.00"), date(2024, 5, 1), by=people["finance"])
    run_daily(date(2024, 5, 2))
    clock = _clock(debt)
    assert clock.lapsed and clock.needs_review and clock.limitation_deadline == date(2024, 1, 31)
    assert LimitationEvent.objects.get(debt=debt).after_lapse


def test_rejected_review_keeps_the_claim_lapsed(debt, people):
    event = record_interruption(debt, LimitationEventKind.BALANCE_CONFIRMATION, date(2024, 3, 1))
    review_after_lapse(event, by=people["committee"], revives=False)
    run_daily(date(2024, 3, 2))
    clock = _clock(debt)
    assert clock.lapsed and not clock.needs_review


def test_backdated_event_heals_a_chain_flagged_earlier(debt):
    late = record_interruption(debt, LimitationEventKind.REPAYMENT_PLAN, date(2024, 6, 1))
    assert late.after_lapse
    record_interruption(debt, LimitationEventKind.LAWSUIT, date(2023, 12, 1))
    run_daily(date(2024, 6, 2))
    late.refresh_from_db()
    assert not late.after_lapse
    assert _clock(debt).limitation_deadline == date(2027, 6, 1)


@pytest.mark.parametrize("on, level", [
    (date(2023, 8, 3), None), (date(2023, 8, 4), 180),   # 180 days before 2024-01-31
    (date(2023, 11, 1), 180), (date(2023, 11, 2), 90),
    (date(2024, 1, 1), 30), (date(2024, 1, 31), 30),
])
def test_warning_levels(debt, on, level):
    run_daily(on)
    clock = _clock(debt)
    assert clock.warning_days == level and not clock.lapsed


def test_lapsed_the_day_after_the_deadline(debt):
    run_daily(date(2024, 2, 1))
    clock = _clock(debt)
    assert clock.lapsed and clock.warning_days is None


def test_bad_input_names_the_field(debt):
    with pytest.raises(LimitationError, match="事由"):
        record_interruption(debt, "phone_call", date(2023, 1, 1))
    with pytest.raises(LimitationError, match="发生日期"):
        record_interruption(debt, LimitationEventKind.LAWSUIT, date(2999, 1, 1))
    assert not LimitationEvent.objects.exists()
