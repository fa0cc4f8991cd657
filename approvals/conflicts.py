"""A task that was finished, rejected or cancelled meanwhile (a replay, a double submit, two
sessions at once) answers 409 Conflict with a message saying so, on the pages and in the API,
instead of a 403 or a 500; nothing of the attempt is done."""
from django.http import HttpRequest
from django.template.response import TemplateResponse

from .access import closed_message
from .models import StepInfo

__all__ = ["closed_message", "task_closed_response"]


def task_closed_response(request: HttpRequest, task_pk: int, message: str) -> TemplateResponse:
    process_id = StepInfo.objects.filter(task_id=task_pk).values_list("process_id", flat=True).first()
    return TemplateResponse(request, "approvals/task_closed.html", {"message": message, "process_id": process_id},
                            status=409)
