"""Celery tasks of the workflows app."""
from datetime import date

from celery import shared_task
from django.db import DatabaseError

from .clock import ClockBusy, run_daily


@shared_task(name="workflows.run_daily", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(ClockBusy, DatabaseError), retry_backoff=60, retry_backoff_max=1800,
             retry_jitter=True, max_retries=8)
def run_daily_task(self, run_date=None):
    """acks_late + retries: a worker killed mid-run leaves the message to be redelivered, and
    the run resumes from its last committed chunk (ClockRun); a busy lock means retry later."""
    run = run_daily(date.fromisoformat(run_date) if run_date else None)
    return {"run_date": run.run_date.isoformat(), "moved_overdue": run.moved_overdue,
            "tasks_created": run.tasks_created}

# Registers the ledger import's background job with the worker (defined beside its service).
from .ledger_import import run_job_task  # noqa: E402,F401
