"""Batch signing (rule R4.104): several open tasks of the same signed step approved with one
password entry. Each task is decided on its own — its own decision, its own signature over its
own document versions, four eyes and required documents checked for it — under its own flow
lock and transaction, so a task that fails is left exactly as it was.
"""
from collections import OrderedDict

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from workflows.models import User

from . import inbox, registry
from .access import get_task_for
from .case_file import current_documents
from .decisions import decide
from .dossier import covers_token
from .exceptions import DecisionError, SignatureError
from .models import DecisionKind, StepInfo
from .signatures import verify_password


def _node(info: StepInfo):
    try:
        return registry.flow_for(info.chain).instance.node(info.step)
    except (LookupError, AttributeError):
        return None


def signable_groups(user: User) -> list[dict]:
    """The user's open tasks of signed steps (theirs or claimable), grouped by chain and step:
    [{"key", "title", "chain", "rows": [{"info", "documents", "covers", "url"}]}]."""
    groups: OrderedDict = OrderedDict()
    steps = inbox.open_steps(user).select_related("task", "debt", "debt__debtor", "process").order_by("due_at", "pk")
    for info in steps[:200]:
        node = _node(info)
        if node is None or not getattr(node, "signature", False) or node.why_not(user, info.task) is not None:
            continue
        docs = current_documents(info.debt)
        key = f"{info.chain}:{info.step}"
        group = groups.setdefault(key, {"key": key, "title": str(node.task_title),
                                        "chain": info.get_chain_display(), "rows": []})
        group["rows"].append({"info": info, "documents": docs, "covers": covers_token(docs),
                              "url": inbox.task_url(info.task)})
    return list(groups.values())


def sign_batch(*, user: User, task_ids: list[int], password: str, covers: dict[int, str], comment: str = "",
               request: HttpRequest) -> list[dict]:
    """Approve each task with one password entry. Raises DecisionError before anything is
    decided when the selection is not one signed step or the password is wrong; otherwise
    returns one outcome per task: {"task", "info", "ok", "message"}."""
    if not task_ids:
        raise DecisionError(_("请至少选择一项任务"), "task")
    tasks = [get_task_for(user, pk) for pk in dict.fromkeys(task_ids)]
    kinds = {(t.step_info.chain, t.step_info.step) for t in tasks}
    if len(kinds) != 1 or not all(getattr(t.flow_task, "signature", False) for t in tasks):
        raise DecisionError(_("只能批量签署同一审批步骤的任务"), "task")
    try:
        verified = verify_password(user, password, request=request)
    except SignatureError as exc:
        raise DecisionError(str(exc), "password") from exc
    comment = comment.strip() or _("同意（批量签署）")
    return [_sign_one(task, user, verified, covers.get(task.pk, ""), comment, request) for task in tasks]


def _sign_one(task, user, verified, covers, comment, request):
    info = task.step_info
    flow_class = task.flow_task.flow_class
    try:
        with flow_class.lock(task.process_id), transaction.atomic():
            task.refresh_from_db()
            step = task.flow_task
            if task.status == STATUS.NEW:
                if not step.can_assign(user, task):
                    raise DecisionError(step.why_not(user, task) or _("该任务已由他人认领或已办结"))
                step.activation_class(task).assign(user)
                task.refresh_from_db()
            if task.status != STATUS.ASSIGNED or task.owner_id != user.pk:
                raise DecisionError(_("该任务已由他人认领或已办结"))
            activation = step.activation_class(task)
            activation.start(request)
            record = decide(activation, user, decision=DecisionKind.APPROVE, comment=comment, covers=covers,
                            verified=verified, request=request)
    except DecisionError as exc:
        return {"task": task, "info": info, "ok": False, "message": str(exc)}
    redo = getattr(record, "redo", None)
    return {"task": task, "info": info, "ok": not redo, "message": redo or _("已签署同意")}
