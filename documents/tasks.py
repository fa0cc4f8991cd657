"""The archive's background work; each task calls a service and returns what it found."""
from celery import shared_task

from .handover import HANDOVER_EXPORT_TASK, run_handover_export
from .integrity import verify_archive


@shared_task(name="documents.tasks.verify_archive_task")
def verify_archive_task() -> dict[str, object]:
    check = verify_archive(trigger="celery")
    return {"ok": check.ok, "documents": check.documents_checked, "problems": len(check.problems)}


@shared_task(name=HANDOVER_EXPORT_TASK)  # "documents.tasks.handover_export_task"
def handover_export_task(job_id: int) -> None:
    run_handover_export(job_id)
