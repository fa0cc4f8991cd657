"""Handover of the archive to the head-office 办公室 (rule R7.12): a bundle built in
the background whose progress the page shows. With a Celery broker a worker builds it;
in the embedded default a thread in the web process does."""
import hashlib
import logging
import tempfile
import threading
import uuid

from celery import current_app
from django.conf import settings
from django.core.files import File
from django.db import close_old_connections, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.models import OrgUnit, User

from .exceptions import SealRefused
from .export import debts_for_unit, write_bundle
from .models import Action, HandoverExport
from .permissions import may_seal
from .services import log_access
from .storage import archive_storage

logger = logging.getLogger(__name__)
# documents.tasks imports this module to run the export, so the job is sent by its (stored,
# explicit) task name rather than by importing the task back.
HANDOVER_EXPORT_TASK = "documents.tasks.handover_export_task"


def start_handover_export(unit: OrgUnit | None, *, by: User, request: HttpRequest | None = None,
                          inline: bool = False) -> HandoverExport:
    """Start the export; `inline` builds it now, in the caller (the demo seed: no worker waits)."""
    if not may_seal(by):
        raise SealRefused(_("只有清欠办可以导出移交档案"))
    job = HandoverExport.objects.create(unit=unit, requested_by=by, total=debts_for_unit(unit).count())
    log_access(None, by, Action.EXPORT, request=request,
               detail=_("移交导出 #%(id)s：%(unit)s") % {"id": job.pk, "unit": unit.code if unit else _("全部")})
    if inline:
        run_handover_export(job.pk)
        job.refresh_from_db()
    else:
        transaction.on_commit(lambda: _launch(job.pk))
    return job


def _launch(job_id):
    if getattr(settings, "QQ_HANDOVER_INLINE", False):
        run_handover_export(job_id)
    elif settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        current_app.send_task(HANDOVER_EXPORT_TASK, args=[job_id])
    else:
        threading.Thread(target=_run_in_thread, args=(job_id,), daemon=True).start()


def _run_in_thread(job_id):
    try:
        run_handover_export(job_id)
    finally:
        close_old_connections()


def run_handover_export(job_id: int) -> None:
    job = HandoverExport.objects.select_related("unit").get(pk=job_id)
    HandoverExport.objects.filter(pk=job_id).update(status=HandoverExport.Status.RUNNING, done=0)
    try:
        with tempfile.TemporaryFile() as tmp:
            write_bundle(tmp, unit=job.unit,
                         progress=lambda n: HandoverExport.objects.filter(pk=job_id).update(done=n))
            tmp.seek(0)
            digest, size = hashlib.sha256(), 0
            for chunk in iter(lambda: tmp.read(1024 * 1024), b""):
                digest.update(chunk)
                size += len(chunk)
            tmp.seek(0)
            name = archive_storage().save(f"handover/{timezone.now():%Y%m%d}-{uuid.uuid4().hex}.zip", File(tmp))
        HandoverExport.objects.filter(pk=job_id).update(
            status=HandoverExport.Status.DONE, storage_name=name, sha256=digest.hexdigest(), size=size,
            finished_at=timezone.now())
    except Exception as exc:  # the page must show the failure rather than spin forever
        logger.exception("handover export %s failed", job_id)
        HandoverExport.objects.filter(pk=job_id).update(status=HandoverExport.Status.FAILED, error=str(exc)[:2000],
                                                        finished_at=timezone.now())
