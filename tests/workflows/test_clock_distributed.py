"""The daily run on Celery workers (rule R5.20): the same night as the in-process run, a chunk
task delivered twice does its work once, a run whose chunk failed resumes, and a real worker
(two processes) on a real broker runs the night."""
import os
import re
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from workflows import ledger, roles
from workflows.clock import distributed
from workflows.clock import run as clock_mod
from workflows.clock.run import make_lock, run_daily
from workflows.exceptions import ClockBusy
from workflows.models import (
    AccountabilityRecord,
    ClockChunk,
    ClockRun,
    Debt,
    DebtClock,
    EntryKind,
    LimitationEvent,
    StateChange,
)
from workflows.tasks import clock_chunk_task, clock_pass_done_task, run_daily_task

ROOT = Path(__file__).resolve().parents[2]
DUE = clock_mod.timezone.localdate() - timedelta(days=30)
RUN = DUE + timedelta(days=1)
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("on_postgres")]


class Killed(Exception):
    pass


@pytest.fixture(autouse=True)
def _no_lock_left():
    """A test that stops a run halfway leaves its Redis lock (the database one goes with the flush)."""
    yield
    url = clock_mod.configured_redis_url()
    if url:
        import redis

        redis.Redis.from_url(url).delete(clock_mod.LOCK_NAME)


def build(n=30):
    """The same debts every time (by code): due or not, paid in part (ledger events), and some of
    one debtor over its credit limit (the credit rule)."""
    hq = f.unit("HQ", "集团总部")
    unit = f.unit("A", "第一分公司", parent=hq)
    handler = f.user("handler_night", roles.HANDLER, unit)
    limited = f.debtor(credit_limit=Decimal("2500.00"))
    for i in range(n):
        due = DUE + timedelta(days=1 if i % 3 == 0 else 0)
        debt = f.debt(unit, handler, amount="1000.00", due=due, code=f"N{i:03d}",
                      debtor_obj=limited if i % 7 == 0 else None)
        if i % 5 == 0:
            ledger.post_entry(debt.pk, EntryKind.PAYMENT, Decimal("100.00"), DUE - timedelta(days=3), by=handler)


def night():
    """What a night wrote, by debt code (ids differ between builds)."""
    clock_fields = [f.name for f in DebtClock._meta.fields if f.name not in ("id", "debt")]
    run = ClockRun.objects.get(run_date=RUN)
    return {
        "debts": sorted(Debt.objects.values_list("code", "state", "key_monitoring")),
        "clocks": sorted((c["debt__code"], *[c[name] for name in clock_fields])
                         for c in DebtClock.objects.values("debt__code", *clock_fields)),
        "records": sorted(AccountabilityRecord.objects.values_list("debt__code", "rule", "balance",
                                                                   "entered_overdue_on")),
        "history": sorted(StateChange.objects.filter(to_state="overdue").values_list("debt__code", "from_state",
                                                                                     "reason")),
        "events": sorted(LimitationEvent.objects.values_list("debt__code", "kind", "date", "after_lapse")),
        "run": (run.status, run.debts_seen, run.moved_overdue, run.tasks_created, run.events_derived),
    }


def rebuild():
    call_command("flush", "--noinput", verbosity=0)
    build()


def test_distributed_night_is_the_in_process_night():
    build()
    run_daily(RUN, chunk_size=4)
    in_process = night()
    assert in_process["run"][2] > 0 and in_process["run"][4] > 0  # things moved and events were derived
    assert {rule for _code, rule, *_rest in in_process["records"]} == {"due_date", "credit_limit"}
    rebuild()
    # CELERY_TASK_ALWAYS_EAGER (test settings): the chords run here, chunk task by chunk task.
    run = distributed.start_night(RUN, chunk_size=4)
    assert night() == in_process
    assert ClockChunk.objects.filter(run=run).count() == 3 * 8  # three passes over eight chunks
    assert distributed.step_seconds(ClockRun.objects.get(pk=run.pk))["move_overdue"] > 0


def start_captured(monkeypatch):
    """start_night with its chords caught instead of sent: returns (ctx, sent passes)."""
    sent = []
    monkeypatch.setattr(distributed, "_dispatch", lambda ctx, step: sent.append((ctx, step)))
    distributed.start_night(RUN, chunk_size=4)
    return sent[0][0], sent


def test_a_chunk_task_delivered_twice_does_nothing_the_second_time(monkeypatch):
    build()
    ctx, sent = start_captured(monkeypatch)
    for step in (1, 2, 3):
        for lo, hi in ctx["chunks"]:
            first = clock_chunk_task.apply(args=(ctx, step, lo, hi)).get()
            before = ClockRun.objects.values("moved_overdue", "tasks_created", "events_derived").get()
            with CaptureQueriesContext(connection) as queries:
                again = clock_chunk_task.apply(args=(ctx, step, lo, hi)).get()  # redelivered
            assert again == {} and ClockRun.objects.values("moved_overdue", "tasks_created",
                                                            "events_derived").get() == before
            writes = [q["sql"] for q in queries if re.match(r"\s*(UPDATE|INSERT|DELETE)", q["sql"])
                      and "clockchunk" not in q["sql"]]
            assert not writes, writes  # only the claim was tried
            if step == 3 and lo == ctx["chunks"][0][0]:
                assert first.get("moved_overdue", 0) > 0
        clock_pass_done_task.apply(args=(ctx, step)).get()
    assert [step for _ctx, step in sent] == [1, 2, 3]
    run = ClockRun.objects.get()
    assert run.status == ClockRun.DONE and run.moved_overdue == 22 and run.tasks_created == 22
    assert StateChange.objects.filter(to_state="overdue").count() == 22 == AccountabilityRecord.objects.count()
    make_lock().acquire()  # the finished run let go of the lock


def test_a_callback_before_all_chunks_are_done_waits(monkeypatch):
    build()
    ctx, sent = start_captured(monkeypatch)
    for lo, hi in ctx["chunks"][1:]:
        distributed.run_chunk(ctx, 1, lo, hi)
    with pytest.raises(distributed.ClockChunksPending):
        distributed.pass_done(ctx, 1)  # a duplicate counted in the chord: the rows say not yet
    assert len(sent) == 1
    distributed.run_chunk(ctx, 1, *ctx["chunks"][0])
    distributed.pass_done(ctx, 1)
    assert [step for _ctx, step in sent] == [1, 2]


def test_a_run_resumes_after_a_failed_chunk(monkeypatch):
    build()
    real = distributed.PASSES[2]
    worked = []

    def failing(q, lo, hi, now):
        worked.append(lo)
        if lo == ctx_chunks[2][0]:
            raise Killed
        return real(q, lo, hi, now)

    ctx, _sent = start_captured(monkeypatch)
    ctx_chunks = ctx["chunks"]
    monkeypatch.setattr(distributed, "PASSES", {**distributed.PASSES, 2: failing})
    for lo, hi in ctx_chunks:
        distributed.run_chunk(ctx, 1, lo, hi)
    distributed.pass_done(ctx, 1)
    failures = []
    for lo, hi in ctx_chunks:
        try:
            distributed.run_chunk(ctx, 2, lo, hi)
        except Killed as exc:
            failures.append(exc)
    distributed.failed(ctx, failures[0])  # the chord's errback, once all the chunks returned
    run = ClockRun.objects.get()
    assert run.status == ClockRun.RUNNING and run.error.startswith("Killed")
    assert ClockChunk.objects.filter(step=2).count() == len(ctx_chunks) - 1  # the failed one rolled back
    assert not Debt.objects.filter(state="overdue").exists()
    # the lock was freed: run again, only the failed chunk of pass 2 is worked again
    monkeypatch.undo()
    monkeypatch.setattr(distributed, "PASSES", {**distributed.PASSES, 2: failing})
    ctx_chunks = [[0, 0]] * 3  # nothing fails now
    worked.clear()
    run = distributed.start_night(RUN, chunk_size=4)  # eager: the chords run here
    assert worked == [ClockChunk.objects.filter(step=2, attempt=2).get().lo]
    run.refresh_from_db()
    assert run.status == ClockRun.DONE and run.attempts == 2 and run.error == ""
    assert run.moved_overdue == 22 and StateChange.objects.filter(to_state="overdue").count() == 22


def test_a_chunk_of_a_run_that_lost_its_lock_does_nothing(monkeypatch):
    build()
    ctx, _sent = start_captured(monkeypatch)
    distributed._lock(ctx).release()
    other = make_lock()
    other.acquire()  # another start took the night
    with pytest.raises(ClockBusy):
        distributed.run_chunk(ctx, 1, *ctx["chunks"][0])
    assert not ClockChunk.objects.exists() and not LimitationEvent.objects.exists()
    other.release()


def test_in_process_without_a_broker_or_when_eager(settings):
    settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND = "", None
    assert not distributed.available()
    settings.CELERY_BROKER_URL, settings.CELERY_RESULT_BACKEND = "redis://127.0.0.1:6379/9", "redis://127.0.0.1:6379/9"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert not distributed.available()
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert distributed.available() == (connection.vendor == "postgresql")


def _database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.redis
def test_a_real_worker_with_two_processes_runs_the_night_on_a_real_broker(on_postgres, redis_url):
    import redis

    build()
    run_daily(RUN, chunk_size=4)
    in_process = night()
    rebuild()
    redis.Redis.from_url(redis_url).flushdb()  # nothing left over from another run
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "MIGRATE_DATABASE_URL"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "tests-only",
                "DATABASE_URL": _database_url(),
                "CELERY_BROKER_URL": redis_url, "CELERY_RESULT_BACKEND": "", "QQ_VAR_DIR": str(ROOT / "var" / "test")})
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork", "-c", "2",
                               "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info",
                               "-n", f"night-test-{os.getpid()}@%h"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        done = subprocess.run([sys.executable, "manage.py", "run_daily", "--date", RUN.isoformat(),
                               "--chunk-size", "4"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    finally:
        worker.terminate()
        log = worker.communicate(timeout=60)[0]
    assert done.returncode == 0, done.stderr + log
    assert "转入逾期 22" in done.stdout
    assert night() == in_process
    run = ClockRun.objects.get()
    assert ClockChunk.objects.filter(run=run).count() == 24
    assert "workflows.clock_chunk" in log and "ForkPoolWorker" in log  # the chunks ran in the worker
    assert run_daily_task.name == "workflows.run_daily"
