"""The daily run: overdue rules, accountability, 清欠办 tasks, suspensions, key monitoring,
pre-warnings, idempotency, crash and rerun, the locks and time travel."""
import io
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests import factories as f
from workflows import ledger
from workflows.clock import run as clock_mod
from workflows.clock.run import DatabaseLock, RedisLock, held, run_daily
from workflows.exceptions import ClockBusy, SuspensionError
from workflows.models import (
    AccountabilityRecord,
    ClockRun,
    ClockSettings,
    Contract,
    Debt,
    DebtClock,
    EntryKind,
    OverdueTask,
    State,
    StateChange,
)
from workflows.suspension import is_suspended, suspend
from workflows.tasks import run_daily_task
from workflows.triage import queue, queue_count

DUE = date(2025, 1, 31)


def counts():
    return (StateChange.objects.count(), AccountabilityRecord.objects.count(), queue_count(DUE + timedelta(days=1)),
            DebtClock.objects.count())


def queued(day):
    return set(queue(day).values_list("debt_id", flat=True))


@pytest.fixture
def debts(org, people):
    h, r = people["handler"], people["responsible"]
    return {
        "due": f.debt(org["a"], h, responsible=r, amount="1000.00", due=DUE),
        "not_due": f.debt(org["a"], h, amount="1000.00", due=DUE + timedelta(days=1)),
        "paid": f.debt(org["a"], h, amount="0", due=DUE - timedelta(days=10)),
        "big": f.debt(org["b"], people["handler_b"], amount="500000.00", due=DUE - timedelta(days=40)),
    }


def state(debt):
    return Debt.objects.get(pk=debt.pk).state


def test_due_date_passed_with_balance_goes_overdue_with_history_record_and_task(debts, people):
    run = run_daily(DUE + timedelta(days=1))
    assert state(debts["due"]) == State.OVERDUE and state(debts["big"]) == State.OVERDUE
    assert state(debts["not_due"]) == State.NORMAL and state(debts["paid"]) == State.NORMAL  # no balance
    change = StateChange.objects.get(debt=debts["due"], to_state=State.OVERDUE)
    assert change.from_state == State.NORMAL and change.by is None and "到期" in change.reason
    record = AccountabilityRecord.objects.get(debt=debts["due"])
    assert (record.handler, record.responsible) == (people["handler"], people["responsible"])
    assert record.entered_overdue_on == DUE + timedelta(days=1) and record.balance == Decimal("1000.00")
    assert record.rule == "due_date" and record.recovered_on is None
    # Rule R5.5: the 清欠办 queue is a query over the records; the night writes no task row.
    assert queued(DUE + timedelta(days=1)) == {debts["due"].pk, debts["big"].pk}
    assert not OverdueTask.objects.exists()
    assert run.moved_overdue == 2 and run.tasks_created == 2 and run.status == ClockRun.DONE


def test_grace_days_are_configuration(debts):
    conf = ClockSettings.load()
    conf.overdue_grace_days = 5
    conf.save()
    run_daily(DUE + timedelta(days=5))
    assert state(debts["due"]) == State.NORMAL
    run_daily(DUE + timedelta(days=6))
    assert state(debts["due"]) == State.OVERDUE


def test_safe_aging_period_exceeded_goes_overdue_before_the_due_date(org, people):
    debt = f.debt(org["a"], people["handler"], due=date(2025, 12, 31))  # invoiced on the due date
    Contract.objects.filter(pk=debt.contract_id).update(safe_aging_days=30)
    ledger.post_entry(debt.pk, EntryKind.INVOICE, Decimal("10.00"), date(2025, 1, 1))  # earlier invoice
    DebtClock.objects.filter(debt=debt).delete()
    run_daily(date(2025, 1, 20))
    clock = DebtClock.objects.get(debt=debt)
    assert clock.arose_on == date(2025, 1, 1) and clock.prewarn_safe_aging and not clock.over_safe_aging
    run_daily(date(2025, 1, 31))
    assert state(debt) == State.NORMAL
    run_daily(date(2025, 2, 1))
    assert state(debt) == State.OVERDUE
    assert AccountabilityRecord.objects.get(debt=debt).rule == "safe_aging"


def test_credit_limit_exceeded_moves_the_debtors_normal_debts(org, people):
    debtor = f.debtor(credit_limit=Decimal("1500.00"))
    one = f.debt(org["a"], people["handler"], amount="1000.00", due=date(2026, 6, 30), debtor_obj=debtor)
    run_daily(date(2025, 3, 1))
    clock = DebtClock.objects.get(debt=one)
    assert state(one) == State.NORMAL and not clock.over_credit_limit and not clock.prewarn_credit
    two = f.debt(org["a"], people["handler"], amount="400.00", due=date(2026, 6, 30), debtor_obj=debtor)
    run_daily(date(2025, 3, 2))
    assert DebtClock.objects.get(debt=two).prewarn_credit  # 1400 of 1500 ≥ 90 %
    f.debt(org["a"], people["handler"], amount="200.00", due=date(2026, 6, 30), debtor_obj=debtor)
    run_daily(date(2025, 3, 3))
    assert state(one) == State.OVERDUE and state(two) == State.OVERDUE
    assert AccountabilityRecord.objects.get(debt=one).rule == "credit_limit"
    assert DebtClock.objects.get(debt=one).over_credit_limit


def test_contract_deadline_prewarning(org, people):
    """Rule R5.15: 30 days before the contract's own deadline, whatever the debt's due date."""
    debt = f.debt(org["a"], people["handler"], due=date(2025, 9, 30))
    Contract.objects.filter(pk=debt.contract_id).update(due_on=date(2025, 3, 31))
    near_due = f.debt(org["a"], people["handler"], due=date(2025, 3, 31))
    Contract.objects.filter(pk=near_due.contract_id).update(due_on=date(2025, 12, 31))
    run_daily(date(2025, 2, 28))
    assert not DebtClock.objects.get(debt=debt).prewarn_contract
    run_daily(date(2025, 3, 1))
    assert DebtClock.objects.get(debt=debt).prewarn_contract
    assert not DebtClock.objects.get(debt=near_due).prewarn_contract   # its contract runs to December


def test_exactly_at_the_credit_limit_is_a_prewarning_not_an_excess(org, people):
    """Rules R5.3 and R5.15: 超过授信额度 is strictly above the limit; at the limit it is a pre-warning."""
    debtor = f.debtor(credit_limit=Decimal("1500.00"))
    one = f.debt(org["a"], people["handler"], amount="1000.00", due=date(2026, 6, 30), debtor_obj=debtor)
    f.debt(org["a"], people["handler"], amount="500.00", due=date(2026, 6, 30), debtor_obj=debtor)
    run_daily(date(2025, 3, 1))
    clock = DebtClock.objects.get(debt=one)
    assert state(one) == State.NORMAL and clock.prewarn_credit and not clock.over_credit_limit
    f.debt(org["a"], people["handler"], amount="0.01", due=date(2026, 6, 30), debtor_obj=debtor)
    run_daily(date(2025, 3, 2))
    assert state(one) == State.OVERDUE and DebtClock.objects.get(debt=one).over_credit_limit


def test_key_monitoring_from_500000(debts):
    run_daily(DUE + timedelta(days=1))
    assert Debt.objects.get(pk=debts["big"].pk).key_monitoring
    assert not Debt.objects.get(pk=debts["due"].pk).key_monitoring
    ledger.post_entry(debts["big"].pk, EntryKind.PAYMENT, Decimal("0.01"), DUE + timedelta(days=1))
    run_daily(DUE + timedelta(days=2))
    assert not Debt.objects.get(pk=debts["big"].pk).key_monitoring


def test_suspension_holds_back_the_task_until_it_ends(org, people):
    """Rules R5.5, R5.6: out of the 清欠办 queue while the suspension is in force, back after."""
    debt = f.debt(org["a"], people["handler"], due=DUE)
    suspend(debt, "债务人重组，暂缓追收", DUE + timedelta(days=3), people["committee_head"], source="test",
            start=DUE)
    assert is_suspended(debt, DUE + timedelta(days=2)) and not is_suspended(debt, DUE + timedelta(days=4))
    run = run_daily(DUE + timedelta(days=1))
    assert state(debt) == State.OVERDUE and AccountabilityRecord.objects.filter(debt=debt).exists()
    assert run.tasks_created == 0 and debt.pk not in queued(DUE + timedelta(days=1))
    assert set(queue(DUE + timedelta(days=1), suspended=True).values_list("debt_id", flat=True)) == {debt.pk}
    assert debt.pk not in queued(DUE + timedelta(days=3))
    assert debt.pk in queued(DUE + timedelta(days=4))


def test_suspension_needs_head_approval_reason_and_end(org, people):
    debt = f.debt(org["a"], people["handler"], due=DUE)
    with pytest.raises(SuspensionError, match="批准人"):
        suspend(debt, "原因", DUE, people["committee"], start=DUE)
    with pytest.raises(SuspensionError, match="特殊原因"):
        suspend(debt, " ", DUE, people["committee_head"], start=DUE)
    with pytest.raises(SuspensionError, match="截止日期"):
        suspend(debt, "原因", None, people["committee_head"], start=DUE)
    with pytest.raises(SuspensionError, match="截止日期"):
        suspend(debt, "原因", DUE - timedelta(days=1), people["committee_head"], start=DUE)


def test_recovery_is_recorded_on_the_accountability_record(debts):
    run_daily(DUE + timedelta(days=1))
    ledger.post_entry(debts["due"].pk, EntryKind.PAYMENT, Decimal("1000.00"), DUE + timedelta(days=2))
    run_daily(DUE + timedelta(days=3))
    assert AccountabilityRecord.objects.get(debt=debts["due"]).recovered_on == DUE + timedelta(days=3)


def test_running_twice_for_one_date_adds_nothing(debts):
    first = run_daily(DUE + timedelta(days=1))
    before = counts()
    second = run_daily(DUE + timedelta(days=1))
    assert counts() == before and second.pk == first.pk and second.attempts == 1
    # even a forced re-execution of every statement adds nothing
    ClockRun.objects.filter(pk=first.pk).update(status=ClockRun.RUNNING, last_debt_id=0)
    run_daily(DUE + timedelta(days=1))
    assert counts() == before


class Killed(Exception):
    pass


def test_a_run_killed_half_way_resumes_without_loss_or_duplicates(org, people):
    debts = [f.debt(org["a"], people["handler"], due=DUE) for _ in range(5)]

    def kill_after_second_chunk(run, hi):
        if hi > debts[1].pk + 1:
            raise Killed

    with pytest.raises(Killed):
        run_daily(DUE + timedelta(days=1), chunk_size=1, after_chunk=kill_after_second_chunk)
    run = ClockRun.objects.get(run_date=DUE + timedelta(days=1))
    assert run.status == ClockRun.RUNNING
    done = [d for d in debts if state(d) == State.OVERDUE]
    assert 0 < len(done) < 5 and run.last_debt_id >= done[-1].pk
    run = run_daily(DUE + timedelta(days=1), chunk_size=1)
    assert run.status == ClockRun.DONE and run.attempts == 2 and run.moved_overdue == 5
    for debt in debts:
        assert state(debt) == State.OVERDUE
        assert StateChange.objects.filter(debt=debt, to_state=State.OVERDUE).count() == 1
        assert AccountabilityRecord.objects.filter(debt=debt).count() == 1
    assert queued(DUE + timedelta(days=1)) == {d.pk for d in debts}


def test_a_crash_inside_a_chunk_leaves_nothing_half_saved(org, people, monkeypatch):
    debt = f.debt(org["a"], people["handler"], due=DUE)
    real_exec = clock_mod._exec

    def exploding(q, step, sql, params=None):
        if step == "key_monitoring":
            raise Killed
        return real_exec(q, step, sql, params)

    monkeypatch.setattr(clock_mod, "_exec", exploding)
    with pytest.raises(Killed):
        run_daily(DUE + timedelta(days=1))
    assert state(debt) == State.NORMAL
    assert not StateChange.objects.filter(to_state=State.OVERDUE).exists()
    assert not AccountabilityRecord.objects.exists()
    monkeypatch.setattr(clock_mod, "_exec", real_exec)
    run_daily(DUE + timedelta(days=1))
    assert state(debt) == State.OVERDUE and StateChange.objects.filter(to_state=State.OVERDUE).count() == 1


def test_database_lock_refuses_a_second_run_and_expires(debts):
    other = DatabaseLock()
    other.acquire()
    with pytest.raises(ClockBusy):
        run_daily(DUE + timedelta(days=1), lock=DatabaseLock())
    assert state(debts["due"]) == State.NORMAL and not ClockRun.objects.exists()
    # a killed holder cannot release; its lease runs out
    with time_machine.travel(clock_mod.timezone.now() + timedelta(seconds=clock_mod.LOCK_TTL + 1)):
        run_daily(DUE + timedelta(days=1), lock=DatabaseLock())
    assert state(debts["due"]) == State.OVERDUE
    with pytest.raises(ClockBusy):
        other.refresh()  # the old holder learns it lost the lock


@pytest.mark.redis
def test_redis_lock_refuses_a_second_run(debts, redis_url):
    with held(RedisLock(redis_url)), pytest.raises(ClockBusy):
        run_daily(DUE + timedelta(days=1), lock=RedisLock(redis_url))
    assert state(debts["due"]) == State.NORMAL
    run_daily(DUE + timedelta(days=1), lock=RedisLock(redis_url))
    assert state(debts["due"]) == State.OVERDUE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_on_postgres_only_one_works(on_postgres, org, people):
    debts = [f.debt(org["a"], people["handler"], due=DUE) for _ in range(30)]
    barrier = threading.Barrier(2)
    outcome = []

    def go():
        try:
            barrier.wait()
            outcome.append(run_daily(DUE + timedelta(days=1), chunk_size=3).pk)
        except ClockBusy:
            outcome.append("busy")
        finally:
            connection.close()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcome) == 2
    assert StateChange.objects.filter(to_state=State.OVERDUE).count() == 30
    assert len(queued(DUE + timedelta(days=1))) == 30 and all(state(d) == State.OVERDUE for d in debts)


def test_time_travel_over_several_days(org, people):
    start = date(2025, 3, 1)
    debts = [f.debt(org["a"], people["handler"], due=start + timedelta(days=i)) for i in range(4)]
    for day in range(6):
        today = start + timedelta(days=day)
        with time_machine.travel(f"{today}T01:00:00+08:00", tick=False):
            call_command("run_daily", stdout=io.StringIO())  # today in Asia/Shanghai
        for i, debt in enumerate(debts):
            assert state(debt) == (State.OVERDUE if today > debt.due_date else State.NORMAL), (today, i)
        assert ClockRun.objects.filter(run_date=today, status=ClockRun.DONE).exists()
    for debt in debts:
        record = AccountabilityRecord.objects.get(debt=debt)
        assert record.entered_overdue_on == debt.due_date + timedelta(days=1)
        assert record.triaged_at is None    # in the 清欠办 queue until someone acts
        assert DebtClock.objects.get(debt=debt).aging_bucket == 1  # 1-30 days
    assert StateChange.objects.filter(to_state=State.OVERDUE).count() == 4


def test_command_reports_and_rejects_a_bad_date(debts, capsys):
    call_command("run_daily", "--date", "2025-02-01")
    assert "转入逾期 2" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--date"):
        call_command("run_daily", "--date", "2025-02-30")


def test_celery_task_runs_the_service_and_is_safe_to_redeliver(debts):
    assert run_daily_task.acks_late and ClockBusy in run_daily_task.autoretry_for
    result = run_daily_task.apply(args=["2025-02-01"]).get()
    assert result["moved_overdue"] == 2
    assert run_daily_task.apply(args=["2025-02-01"]).get()["moved_overdue"] == 2  # the same run, nothing added
    assert StateChange.objects.filter(to_state=State.OVERDUE).count() == 2


def test_beat_schedule_runs_daily_at_one(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["workflows-run-daily"]
    assert entry["task"] == run_daily_task.name
    assert entry["schedule"].hour == {1} and entry["schedule"].minute == {0}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
