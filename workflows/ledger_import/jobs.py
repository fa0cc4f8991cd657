"""Background jobs of the ledger import (the upload page).

A job's state lives in Django's cache under its id: the page polls it. Embedded default: a
thread in the web process. With CELERY_BROKER_URL: the Celery task workflows.tasks.run_job_task;
the cache must then be shared between web and worker (settings point it at Redis) and so must
MEDIA_ROOT.
"""
import logging
import threading
import uuid
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.exceptions import InvalidWorkbook
from workflows.ledger_import.service import import_ledger
from workflows.models import User

log = logging.getLogger(__name__)

RUN_JOB_TASK = "workflows.ledger_import.run_job"

JOB_TIMEOUT = 24 * 3600


def job_key(job_id):
    return f"ledger_import:job:{job_id}"


def _cache():
    return caches["jobs" if "jobs" in settings.CACHES else "default"]


def get_job(job_id: str) -> dict | None:
    return _cache().get(job_key(job_id))


def _save_job(job_id, **changes):
    # Only the job's own runner writes after creation, so read-modify-write does not race.
    cache = _cache()
    job = cache.get(job_key(job_id)) or {}
    job.update(changes)
    cache.set(job_key(job_id), job, JOB_TIMEOUT)
    return job


def create_job(job_id: str | uuid.UUID, *, path: str | Path, user: User, file_name: str) -> dict:
    return _save_job(job_id, id=str(job_id), path=str(path), user_id=user.pk, file_name=file_name,
                     status="queued", phase="validate", done=0, total=None, report=None,
                     started_at=timezone.now().isoformat())


def run_job(job_id: str) -> None:
    """Run a queued job to the end, recording progress and the report in the cache."""
    job = get_job(job_id)
    if job is None:
        log.error("ledger import job %s vanished from the cache", job_id)
        return
    try:
        user = User.objects.get(pk=job["user_id"])
        _save_job(job_id, status="running")

        def progress(phase, done, total):
            _save_job(job_id, phase=phase, done=done, total=total)

        report = import_ledger(job["path"], by=user, progress=progress,
                               reference=_("台账导入 %(file)s") % {"file": job["file_name"]})
        _save_job(job_id, status="done" if report.ok else "rejected", report=report.as_dict(),
                  finished_at=timezone.now().isoformat())
    except InvalidWorkbook as exc:
        _save_job(job_id, status="failed", message=str(exc))
    except Exception:
        log.exception("ledger import job %s failed", job_id)
        _save_job(job_id, status="failed", message=_("导入失败（系统错误），未导入任何数据，请联系管理员"))


def _run_in_thread(job_id):
    try:
        run_job(job_id)
    finally:
        # The thread opened its own connections; nothing else will close them.
        connections.close_all()


def start_job(job_id: str | uuid.UUID) -> threading.Thread | None:
    """Run the job in the background: a Celery task when a broker is configured, else a thread."""
    if settings.CELERY_BROKER_URL and not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        # After commit, so the worker never looks before the request's transaction ends. Sent
        # by the task's name (workflows.tasks defines it and calls run_job).
        transaction.on_commit(lambda: current_app.send_task(RUN_JOB_TASK, args=[str(job_id)]))
        return None
    thread = threading.Thread(target=_run_in_thread, args=(str(job_id),), name=f"ledger-import-{job_id}", daemon=True)
    thread.start()
    return thread
