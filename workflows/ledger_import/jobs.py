"""Background jobs of the ledger import (the upload page): a preview, then the commit.

The uploaded file is kept in the configured storage (STORAGES["ledger_imports"]: the media
folder by default, an S3-compatible bucket when one is configured) and the job knows it by its
storage name, never by a local path, so a Celery worker on another host reads the same file.
A job's state lives in Django's cache under its id: the page polls it. Embedded default: a
thread in the web process. With CELERY_BROKER_URL: the Celery task workflows.tasks.run_job_task;
the cache must then be shared between web and worker (settings point it at Redis).

A job runs twice: first as a preview (every check, nothing written: status "previewed" or
"rejected"), then, when its owner confirms, as the commit ("done" or "rejected"). The commit
checks the file again against the database as it then is: still all or nothing.
"""
import hashlib
import logging
import tempfile
import threading
import uuid
from pathlib import Path

from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from django.db import connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workflows.exceptions import InvalidWorkbook
from workflows.ledger_import.service import import_ledger
from workflows.models import User

log = logging.getLogger(__name__)

RUN_JOB_TASK = "workflows.ledger_import.run_job"
STORAGE = "ledger_imports"
FOLDER = "ledger_imports"

JOB_TIMEOUT = 24 * 3600
PREVIEW, COMMIT = "preview", "commit"
QUEUED, RUNNING, PREVIEWED, DONE, REJECTED, FAILED = "queued", "running", "previewed", "done", "rejected", "failed"


def job_key(job_id):
    return f"ledger_import:job:{job_id}"


def _cache():
    return caches["jobs" if "jobs" in settings.CACHES else "default"]


def storage():
    """The storage uploads are kept in; its own alias when configured, else the default one."""
    return storages[STORAGE if STORAGE in settings.STORAGES else "default"]


def get_job(job_id: str) -> dict | None:
    return _cache().get(job_key(job_id))


def _save_job(job_id, **changes):
    # Only the job's own runner writes after creation (a commit or new preview is requested only
    # once the runner has finished, see _claim), so read-modify-write does not race.
    cache = _cache()
    job = cache.get(job_key(job_id)) or {}
    job.update(changes)
    cache.set(job_key(job_id), job, JOB_TIMEOUT)
    return job


def store_upload(job_id: str | uuid.UUID, upload) -> tuple[str, str]:
    """Save an uploaded file into the storage; (storage name, SHA-256 of its content).

    Kept after the import: it is the source document of the ledger entries it created.
    """
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    suffix = Path(upload.name).suffix.lower()[:8]
    name = storage().save(f"{FOLDER}/{job_id}{suffix}", upload)
    return name, digest.hexdigest()


def create_job(job_id: str | uuid.UUID, *, storage_name: str, user: User, file_name: str,
               sha256: str = "", language: str | None = None) -> dict:
    """language: the uploader's, so the report's messages (written by the worker) read in it."""
    return _save_job(job_id, id=str(job_id), storage_name=storage_name, sha256=sha256, user_id=user.pk,
                     language=language or translation.get_language() or settings.LANGUAGE_CODE,
                     file_name=file_name, mode=PREVIEW, sheets=None, status=QUEUED, phase="validate", done=0,
                     total=None, report=None, started_at=timezone.now().isoformat())


def _claim(job_id, expected, **changes):
    """Move a finished job on to its next run, once: a double click starts nothing twice."""
    job = get_job(job_id)
    if job is None or job.get("status") not in expected:
        return None
    if not _cache().add(f"{job_key(job_id)}:claim:{job.get('runs', 0)}", 1, JOB_TIMEOUT):
        return None
    return _save_job(job_id, runs=job.get("runs", 0) + 1, status=QUEUED, done=0, total=None, **changes)


def request_commit(job_id: str) -> bool:
    """The owner confirmed the preview: import the same file for real. False if the job is
    not (or no longer) a preview that can be committed."""
    return _claim(job_id, {PREVIEWED}, mode=COMMIT, phase="validate") is not None


def request_preview(job_id: str, *, sheets: list[str] | None) -> bool:
    """Preview the file again with another choice of sheets (None: every visible sheet)."""
    return _claim(job_id, {PREVIEWED, REJECTED}, mode=PREVIEW, sheets=sheets, phase="validate",
                  report=None) is not None


def _local_copy(job):
    """The upload from the storage, in a temporary file of this host (openpyxl seeks in it)."""
    copy = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned open, the caller closes it)
    digest = hashlib.sha256()
    with storage().open(job["storage_name"], "rb") as source:
        for chunk in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(chunk)
            copy.write(chunk)
    copy.seek(0)
    if job.get("sha256") and digest.hexdigest() != job["sha256"]:
        copy.close()
        raise InvalidWorkbook(_("上传的文件已被改动，未导入任何数据，请重新上传"))
    return copy


def run_job(job_id: str) -> None:
    """Run a queued job to the end, recording progress and the report in the cache."""
    job = get_job(job_id)
    if job is None:
        log.error("ledger import job %s vanished from the cache", job_id)
        return
    commit = job.get("mode") == COMMIT
    with translation.override(job.get("language") or settings.LANGUAGE_CODE):
        _run(job_id, job, commit)


def _run(job_id, job, commit):
    try:
        user = User.objects.get(pk=job["user_id"])
        _save_job(job_id, status=RUNNING)

        def progress(phase, done, total):
            _save_job(job_id, phase=phase, done=done, total=total)

        with _local_copy(job) as source:
            report = import_ledger(source, by=user, progress=progress, file_name=job["file_name"],
                                   sheets=job.get("sheets"), commit=commit,
                                   reference=_("台账导入 %(file)s") % {"file": job["file_name"]})
        status = REJECTED if not report.ok else (DONE if commit else PREVIEWED)
        _save_job(job_id, status=status, report=report.as_dict(), finished_at=timezone.now().isoformat())
    except InvalidWorkbook as exc:
        _save_job(job_id, status=FAILED, message=str(exc))
    except Exception:
        log.exception("ledger import job %s failed", job_id)
        _save_job(job_id, status=FAILED, message=_("导入失败（系统错误），未导入任何数据，请联系管理员"))


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
