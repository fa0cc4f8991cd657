"""The daily run on Celery workers (rule R5.20): with a broker and a result backend configured
on PostgreSQL, the run's chunks are Celery tasks, so workers on several hosts share one night.

The same statements as workflows.clock.run, in the same three passes; each pass is a chord (a
group of chunk tasks, then a callback): the callback of pass 1 ANALYZEs what it filled and
starts pass 2, and so on; the callback of pass 3 runs collection's flags and finishes the
ClockRun. Bookkeeping is the run's own, not the chord's: each chunk of each pass writes a
ClockChunk row in its own transaction, together with its counts on the ClockRun row, so

- a redelivered chunk task (acks_late: a worker killed after the commit, before the ack)
  finds its row and does nothing; a chunk task running twice at once waits on the row's unique
  index for the first and then does nothing;
- a worker killed mid-chunk leaves nothing: the chunk's transaction rolls back, the message is
  delivered again (reject_on_worker_lost) and the chunk is done then;
- a callback that comes early (a duplicate counted twice in the chord) waits for the rows;
- a run whose chunk failed for good stops with ClockRun.error set and the lock released, and
  run again it does only the chunks without a row.

The lock (Redis when Celery uses Redis, else the database lease) is taken by the start and
handed to the tasks by its token: each chunk renews it before and after its work, and one
whose run lost the lock (expired and taken by another start) does nothing. Without a broker,
with tasks run eagerly or on SQLite the run stays in-process (workflows.clock.run.run_daily).
"""
import logging
import time
from datetime import date

from celery import chord, group, signature
from django.conf import settings
from django.db import connection
from django.db.models import F, Max, Min, Sum
from django.utils import timezone, translation

from collection.clock import run_daily_steps
from workflows import holidays
from workflows.clock.run import (
    CHUNK_SIZE,
    DatabaseLock,
    RedisLock,
    _chunk,
    _clock_chunk,
    _derive_chunk,
    _exec,
    _exposure,
    _refresh_statistics,
    _Sql,
    _transaction,
    make_lock,
)
from workflows.exceptions import ClockChunksPending, ClockRunFailed
from workflows.models import ClockChunk, ClockRun, ClockSettings, Debt, DebtClock, LimitationEvent

log = logging.getLogger(__name__)

CHUNK_TASK = "workflows.clock_chunk"
PASS_TASK = "workflows.clock_pass_done"
FAILED_TASK = "workflows.clock_failed"
PASSES = {1: _derive_chunk, 2: _clock_chunk, 3: _chunk}
FILLS = {1: LimitationEvent, 2: DebtClock}  # the table each pass fills, ANALYZEd after it


def available() -> bool:
    """Whether the run goes to Celery workers: a broker that is not run eagerly, a result
    backend for the chords, and PostgreSQL (on SQLite one writer at a time: nothing to share)."""
    return bool(settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER
                and getattr(settings, "CELERY_RESULT_BACKEND", None) and connection.vendor == "postgresql")


def _lock(ctx):
    spec = ctx["lock"]
    return RedisLock(spec["redis"], token=spec["token"]) if spec["redis"] else DatabaseLock(token=spec["token"])


def _sql(ctx):
    # The history rows' reasons in the language of whoever started the run (see _Sql).
    with translation.override(ctx["language"]):
        q = _Sql(date.fromisoformat(ctx["date"]), ClockSettings.load())
    earliest = date.fromisoformat(ctx["earliest"]) if ctx["earliest"] else None
    q.use_calendar(holidays.calendar(fresh=True), earliest)
    return q


def start_night(run_date: date | None = None, *, chunk_size: int | None = None) -> ClockRun:
    """Take the lock, prepare the run (what the in-process run does before its passes) and
    send pass 1's chord; returns the ClockRun (running, or done if the date is done)."""
    run_date = run_date or timezone.localdate()
    chunk_size = chunk_size or CHUNK_SIZE
    lock = make_lock()
    lock.acquire()
    try:
        run, _created = ClockRun.objects.get_or_create(run_date=run_date, defaults={"started_at": timezone.now()})
        if run.status == ClockRun.DONE:
            lock.release()
            return run
        ClockRun.objects.filter(pk=run.pk).update(attempts=F("attempts") + 1, error="")
        run.refresh_from_db()
        q = _Sql(run_date, ClockSettings.load())
        _refresh_statistics(q)
        with _transaction(q):
            _exposure(q)
        ids = Debt.objects.aggregate(low=Min("pk"), high=Max("pk"), earliest=Min("due_date"))
        max_id = ids["high"] or 0
        first = max(run.last_debt_id + 1, ids["low"] or 1)
        ctx = {
            "run": run.pk, "date": run_date.isoformat(), "attempt": run.attempts, "max_id": max_id,
            "earliest": ids["earliest"].isoformat() if ids["earliest"] else None,
            "chunks": [[lo, lo + chunk_size] for lo in range(first, max_id + 1, chunk_size)],
            "language": translation.get_language() or settings.LANGUAGE_CODE,
            "lock": {"redis": getattr(lock, "url", None), "token": lock.token},
        }
        lock.refresh()
        _dispatch(ctx, 1)
    except BaseException:
        lock.release()
        raise
    return run


def _dispatch(ctx, step):
    body = signature(PASS_TASK, args=(ctx, step), immutable=True)
    body.link_error(signature(FAILED_TASK, kwargs={"ctx": ctx}))
    if not ctx["chunks"]:
        body.apply_async()
        return
    header = group(signature(CHUNK_TASK, args=(ctx, step, lo, hi), immutable=True) for lo, hi in ctx["chunks"])
    chord(header, body).apply_async()


def run_chunk(ctx: dict, step: int, lo: int, hi: int) -> dict:
    """One pass over one chunk, once per run: returns its counts, or {} if it was done before."""
    lock = _lock(ctx)
    lock.refresh()  # this start still holds the run (raises ClockBusy otherwise)
    q = _sql(ctx)
    if step == 3 and ClockChunk.objects.filter(run_id=ctx["run"], step=2, lo=lo, attempt=ctx["attempt"],
                                               fresh=True).exists():
        q.mark_fresh(lo)  # pass 2 of this attempt made the chunk's clock rows and their dates
    with _transaction(q) as own:
        claimed = _exec(q, "chunk_claim", f"""
            INSERT INTO {connection.ops.quote_name(ClockChunk._meta.db_table)}
                   (run_id, step, lo, hi, attempt, rows, fresh, seconds, done_at)
            VALUES (%s, %s, %s, %s, %s, 0, FALSE, '{{}}', %s)
            ON CONFLICT (run_id, step, lo) DO NOTHING
        """, [ctx["run"], step, lo, hi, ctx["attempt"], timezone.now()])
        if claimed != 1:
            return {}
        counts = PASSES[step](q, lo, hi, connection.ops.adapt_datetimefield_value(timezone.now()))
        if own:
            _exec(q, "foreign_key_checks", "SET CONSTRAINTS ALL IMMEDIATE")
        ClockChunk.objects.filter(run_id=ctx["run"], step=step, lo=lo).update(
            rows=sum(q.inserted.values()), fresh=q.is_fresh(lo),
            seconds={name: round(value, 4) for name, value in q.seconds.items()})
        ClockRun.objects.filter(pk=ctx["run"]).update(**{name: F(name) + value for name, value in counts.items()})
    lock.refresh()
    return counts


def pass_done(ctx: dict, step: int) -> None:
    """The chord's callback: once every chunk of the pass has its row, ANALYZE what the pass
    filled and send the next pass, or after the last pass finish the run."""
    los = [lo for lo, _hi in ctx["chunks"]]
    done = ClockChunk.objects.filter(run_id=ctx["run"], step=step, lo__in=los).count()
    if done < len(los):
        raise ClockChunksPending(f"{done} of {len(los)} chunks of pass {step} done")
    lock = _lock(ctx)
    lock.refresh()
    q = _sql(ctx)
    if step in FILLS:
        rows = ClockChunk.objects.filter(run_id=ctx["run"], step=step, attempt=ctx["attempt"]).aggregate(
            rows=Sum("rows"))["rows"] or 0
        _refresh_statistics(q, {FILLS[step]: rows})
        _dispatch(ctx, step + 1)
        return
    run_date = date.fromisoformat(ctx["date"])
    run_daily_steps(run_date)  # collection's flags: set-based, safe to repeat
    run = ClockRun.objects.get(pk=ctx["run"])
    ClockRun.objects.filter(pk=run.pk, status=ClockRun.RUNNING).update(
        status=ClockRun.DONE, finished_at=timezone.now(), last_debt_id=max(ctx["max_id"], run.last_debt_id),
        debts_seen=Debt.objects.filter(pk__lte=ctx["max_id"]).count())
    lock.release()
    log.info("clock run for %s done on Celery workers", run_date)


def failed(ctx: dict, exc: BaseException) -> None:
    """A chunk or a callback failed for good: the run stops, says why, and frees the lock."""
    ClockRun.objects.filter(pk=ctx["run"], status=ClockRun.RUNNING).update(error=f"{type(exc).__name__}: {exc}"[:2000])
    _lock(ctx).release()
    log.error("clock run for %s stopped: %s", ctx["date"], exc)


def wait(run: ClockRun, *, timeout: float = 6 * 3600, poll: float = 0.5) -> ClockRun:
    """Wait for a run started by start_night to finish; raises ClockRunFailed if it stopped."""
    deadline = time.monotonic() + timeout
    while True:
        run.refresh_from_db()
        if run.status == ClockRun.DONE:
            return run
        if run.error:
            raise ClockRunFailed(run.error)
        if time.monotonic() > deadline:
            raise ClockRunFailed(f"not finished after {timeout:.0f} s")
        time.sleep(poll)


def step_seconds(run: ClockRun) -> dict:
    """Seconds per step of the run's last attempt, summed over its chunks (all workers)."""
    total = {}
    for seconds in ClockChunk.objects.filter(run=run, attempt=run.attempts).values_list("seconds", flat=True):
        for name, value in seconds.items():
            total[name] = total.get(name, 0.0) + value
    return total
