"""Collection's background work; each task calls a service."""
from celery import shared_task

from .confirmations import CONFIRMATION_TASK, run_confirmations


@shared_task(name=CONFIRMATION_TASK)  # "collection.tasks.confirmation_run_task"
def confirmation_run_task(run_id: int) -> dict[str, int]:
    run = run_confirmations(run_id)
    return {"done": run.done, "failed": run.failed, "total": run.total}
