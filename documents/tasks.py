from celery import shared_task


@shared_task(name="documents.tasks.verify_archive_task")
def verify_archive_task():
    from .integrity import verify_archive
    check = verify_archive(trigger="celery")
    return {"ok": check.ok, "documents": check.documents_checked, "problems": len(check.problems)}


@shared_task(name="documents.tasks.handover_export_task")
def handover_export_task(job_id):
    from .handover import run_handover_export
    run_handover_export(job_id)
