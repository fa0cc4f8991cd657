"""The daily run's chunks side by side on PostgreSQL (one connection per worker thread): the
same outcome as one at a time, and a run killed while chunks finish out of order resumes
without loss or duplicates."""
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import translation

from tests import factories as f
from workflows.clock import run as clock_mod
from workflows.clock.run import run_daily
from workflows.models import AccountabilityRecord, ClockRun, Debt, DebtClock, OverdueTask, State, StateChange

DUE = clock_mod.timezone.localdate() - timedelta(days=30)
RUN = DUE + timedelta(days=1)


class Killed(Exception):
    pass


def make_debts(org, people, n):
    """Every third debt not yet due: chunks differ in what they do."""
    return [f.debt(org["a"], people["handler"], amount="1000.00", due=DUE + timedelta(days=1 if i % 3 == 0 else 0))
            for i in range(n)]


def expected_overdue(debts):
    return {d.pk for d in debts if d.due_date <= DUE}


def overdue_ids():
    return set(Debt.objects.filter(state=State.OVERDUE).values_list("pk", flat=True))


def assert_once_each(ids):
    assert StateChange.objects.filter(to_state=State.OVERDUE).count() == len(ids)
    assert set(StateChange.objects.filter(to_state=State.OVERDUE).values_list("debt_id", flat=True)) == ids
    assert set(AccountabilityRecord.objects.values_list("debt_id", flat=True)) == ids
    assert set(AccountabilityRecord.objects.filter(triaged_at__isnull=True).values_list("debt_id", flat=True)) == ids
    assert not OverdueTask.objects.exists()   # rule R5.5: the queue is a query, no row per debt


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_chunks_give_the_one_at_a_time_outcome(on_postgres, org, people):
    debts = make_debts(org, people, 24)
    threads = set()
    real = clock_mod._run_chunk

    def watching(*args, **kwargs):
        threads.add(clock_mod.threading.current_thread().name)
        return real(*args, **kwargs)

    clock_mod._run_chunk = watching
    try:
        run = run_daily(RUN, chunk_size=2, workers=3)
    finally:
        clock_mod._run_chunk = real
    assert len(threads) > 1 and all(name.startswith("clock") for name in threads)  # really side by side
    ids = expected_overdue(debts)
    assert overdue_ids() == ids and len(ids) == 16
    assert_once_each(ids)
    assert DebtClock.objects.count() == 24
    assert run.status == ClockRun.DONE and run.moved_overdue == 16 and run.tasks_created == 16
    assert run.debts_seen == 24 and run.last_debt_id == max(d.pk for d in debts)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_run_killed_resumes_without_loss_or_duplicates(on_postgres, org, people):
    debts = make_debts(org, people, 30)
    def kill_past_the_tenth_debt(run, hi):
        if hi > debts[9].pk + 1:
            raise Killed

    with pytest.raises(Killed):
        run_daily(RUN, chunk_size=3, workers=2, after_chunk=kill_past_the_tenth_debt)
    run = ClockRun.objects.get(run_date=RUN)
    assert run.status == ClockRun.RUNNING
    moved = overdue_ids()
    assert 0 < len(moved) < 20
    # the progress mark covers only chunks that are all done: nothing below it is left to do
    below = {d.pk for d in debts if d.pk <= run.last_debt_id}
    assert expected_overdue(debts) & below <= moved
    assert run.moved_overdue == len(moved)  # counted with each chunk's own commit

    run = run_daily(RUN, chunk_size=3, workers=2)
    ids = expected_overdue(debts)
    assert overdue_ids() == ids and len(ids) == 20
    assert_once_each(ids)
    assert run.status == ClockRun.DONE and run.attempts == 2 and run.moved_overdue == 20
    assert run.tasks_created == 20 and run.debts_seen == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_history_reasons_in_the_callers_language_on_worker_threads(on_postgres, org, people):
    make_debts(org, people, 6)
    with translation.override("en"):
        run_daily(RUN, chunk_size=2, workers=2)
    reasons = set(StateChange.objects.filter(to_state=State.OVERDUE).values_list("reason", flat=True))
    assert reasons == {"Daily run: due date passed with a balance outstanding"}


@pytest.mark.postgres
def test_settings_stay_inside_the_runs_own_transactions(on_postgres, org, people):
    make_debts(org, people, 3)  # this test runs inside a transaction of its own

    def settings_now():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit'), current_setting('work_mem'), "
                           "current_setting('pgtrigger.ignore', true)")
            return cursor.fetchone()

    before = settings_now()
    run_daily(RUN, chunk_size=2)
    assert settings_now() == before
    assert overdue_ids() == expected_overdue(Debt.objects.all())


def test_one_worker_on_sqlite_or_inside_a_transaction(transactional_db):
    q = clock_mod._Sql(RUN, clock_mod.ClockSettings.load())
    with transaction.atomic():
        assert clock_mod._workers(q, 4) == 1  # other connections could not see this transaction's rows
    if connection.vendor == "postgresql":
        assert clock_mod._workers(q, 4) == 4
        assert clock_mod._workers(q, None) == clock_mod.WORKERS
    else:
        assert clock_mod._workers(q, 4) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_statistics_refreshed_for_a_table_the_run_filled(on_postgres):
    q = clock_mod._Sql(RUN, clock_mod.ClockSettings.load())
    with connection.cursor() as cursor:
        cursor.execute("SELECT qq_analyze('workflows_debtclock')")  # empty: the planner is told it is
    assert "workflows_debtclock" not in clock_mod._refresh_statistics(q, {DebtClock: 50})
    assert "workflows_debtclock" in clock_mod._refresh_statistics(q, {DebtClock: 5000})


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_failing_in_an_early_pass_stops_the_run_and_a_rerun_finishes(on_postgres, org, people):
    debts = make_debts(org, people, 12)
    real = clock_mod._clock_chunk

    def failing(q, lo, hi, now):
        if lo <= debts[6].pk < hi:
            raise Killed
        return real(q, lo, hi, now)

    clock_mod._clock_chunk = failing
    try:
        with pytest.raises(Killed):
            run_daily(RUN, chunk_size=2, workers=2)
    finally:
        clock_mod._clock_chunk = real
    run = ClockRun.objects.get(run_date=RUN)
    assert run.status == ClockRun.RUNNING and run.last_debt_id == 0  # the rules pass never started
    assert not overdue_ids() and not DebtClock.objects.filter(debt=debts[6]).exists()

    run = run_daily(RUN, chunk_size=2, workers=2)
    ids = expected_overdue(debts)
    assert run.status == ClockRun.DONE and overdue_ids() == ids
    assert_once_each(ids)
    assert DebtClock.objects.count() == 12
