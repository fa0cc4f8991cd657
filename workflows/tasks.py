"""Celery tasks of the workflows app; each calls a service."""
import logging
from datetime import date

from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import DatabaseError
from django.utils import timezone

from workflows import audit, db_roles, rest
from workflows.clock import distributed
from workflows.clock.run import run_daily
from workflows.exceptions import ClockBusy, ClockChunksPending
from workflows.ledger_import import jobs

logger = logging.getLogger(__name__)


@shared_task(name="workflows.run_daily", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(ClockBusy, DatabaseError), retry_backoff=60, retry_backoff_max=1800,
             retry_jitter=True, max_retries=8)
def run_daily_task(self, run_date=None):
    """acks_late + retries: a worker killed mid-run leaves the message to be redelivered, and
    the run resumes from its last committed chunk (ClockRun); a busy lock means retry later.
    With a broker the chunks go to the workers (rule R5.20) and this task only starts the run."""
    day = date.fromisoformat(run_date) if run_date else None
    if distributed.available():
        run = distributed.start_night(day)
        return {"run_date": run.run_date.isoformat(), "attempt": run.attempts, "status": run.status}
    run = run_daily(day)
    return {"run_date": run.run_date.isoformat(), "moved_overdue": run.moved_overdue,
            "tasks_created": run.tasks_created}


# Rule R5.20: the run's chunks and the callbacks between its passes. acks_late and
# reject_on_worker_lost: a worker dying mid-chunk rolls the chunk back and the message is
# delivered again; the chunk's ClockChunk row makes a second delivery do nothing.
@shared_task(name=distributed.CHUNK_TASK, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(DatabaseError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def clock_chunk_task(ctx, step, lo, hi):
    return distributed.run_chunk(ctx, step, lo, hi)


@shared_task(name=distributed.PASS_TASK, bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(DatabaseError,), retry_backoff=5, retry_backoff_max=120, max_retries=5)
def clock_pass_done_task(self, ctx, step):
    try:
        distributed.pass_done(ctx, step)
    except ClockChunksPending as exc:
        raise self.retry(exc=exc, countdown=2, max_retries=900) from exc


@shared_task(name=distributed.FAILED_TASK)
def clock_failed_task(request, exc, traceback, ctx=None):
    """Errback of a pass's callback (called with the failed task's request and exception)."""
    distributed.failed(ctx, exc)


@shared_task(name=jobs.RUN_JOB_TASK)
def run_job_task(job_id):
    jobs.run_job(job_id)


@shared_task(name="workflows.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """What `manage.py clearsessions` does, nightly (sessions live in the database)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    # R8.16: Idempotency-Key answers past QQ_IDEMPOTENCY_HOURS go with them.
    return deleted + rest.purge_idempotency_keys()


@shared_task(name="workflows.verify_audit")
def verify_audit_task():
    """Nightly, next to the archive's verify_archive: recompute the hash chains (issue 15)."""
    report = audit.verify(app_role=db_roles.app_role())
    if not report.ok and report.supported:
        logger.error("audit chains broken: %s (%s problems)", report.first, len(report.broken))
    return {"ok": report.ok, "rows": report.rows, "chains": report.chains, "broken": [str(b) for b in report.broken]}
