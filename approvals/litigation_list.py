"""The 总经理 signs the litigation proposals of a period as one list, 《强制性催收客户名单》
(rule R4.62): one password, one list record; each debt still gets its own chain, its own
decision and signature at the 总经理 step, four eyes and required documents checked per
proposal. All or nothing: one refused proposal leaves the whole list unsigned."""
import hashlib
import json
from contextlib import ExitStack
from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User

from . import registry
from .decisions import decide
from .exceptions import DecisionError, SignatureError
from .models import Chain, ChainProcess, DecisionKind, LitigationList
from .signatures import verify_password

STEP = "gm_signature"


def _node():
    return registry.flow_for(Chain.LITIGATION).instance.node(STEP)


def open_proposals(user: User, *, start: date, end: date) -> list[Task]:
    """The litigation proposals waiting for the 总经理's signature, requested between `start`
    and `end` (inclusive, Asia/Shanghai), that `user` may sign now."""
    node = _node()
    processes = ChainProcess.objects.filter(chain=Chain.LITIGATION, created__date__gte=start,
                                            created__date__lte=end)
    tasks = (Task.objects.filter(flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED], process__in=processes)
             .select_related("process").order_by("process__created", "pk"))
    return [t for t in tasks if t.owner_id in (None, user.pk) and node.why_not(user, t) is None]


def _digest(lst_fields: dict) -> str:
    return hashlib.sha256(json.dumps(lst_fields, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def sign_list(user: User, *, start: date, end: date, process_ids: list[int], password: str,
              request: HttpRequest | None = None) -> LitigationList:
    """Sign the chosen proposals of the period as one list. Raises DecisionError (nothing saved)."""
    chosen = set(process_ids)
    if not chosen:
        raise DecisionError(_("请至少选择一项起诉申请"), "processes")
    if start > end:
        raise DecisionError(_("期间止不能早于期间起"), "end")
    tasks = [t for t in open_proposals(user, start=start, end=end) if t.process_id in chosen]
    if len(tasks) != len(chosen):
        raise DecisionError(_("名单已变化：有申请已被他人处理或不在该期间内，请刷新后重新签批"))
    try:
        verified = verify_password(user, password, request=request)
    except SignatureError as exc:
        raise DecisionError(str(exc), "password") from exc
    flow_class = registry.flow_for(Chain.LITIGATION)
    with transaction.atomic(), ExitStack() as locks:
        for task in sorted(tasks, key=lambda t: t.process_id):
            locks.enter_context(flow_class.lock(task.process_id))
        processes = {p.pk: p for p in ChainProcess.objects.filter(pk__in=chosen).select_related("debt__debtor")}
        entries = [{"process": t.process_id, "debt": processes[t.process_id].debt.code,
                    "debtor": processes[t.process_id].debt.debtor.name,
                    "amount": str(processes[t.process_id].debt.balance)} for t in tasks]
        signed_at = timezone.now()
        sha = _digest({"start": start.isoformat(), "end": end.isoformat(), "signer": user.pk,
                       "signed_at": signed_at.isoformat(), "entries": entries})
        signed = LitigationList.objects.create(period_start=start, period_end=end, signed_by=user,
                                               signed_at=signed_at, entries=entries, sha256=sha)
        comment = _("签批《强制性催收客户名单》第%(pk)s号") % {"pk": signed.pk}
        for task in tasks:
            task.refresh_from_db()
            step = task.flow_task
            if task.status != STATUS.NEW and task.owner_id != user.pk:
                raise DecisionError(_("名单已变化：有申请已被他人处理，请刷新后重新签批"))
            if task.owner_id is None:
                step.activation_class(task).assign(user)
                task.refresh_from_db()
            activation = step.activation_class(task)
            activation.start(request)
            try:
                decide(activation, user, decision=DecisionKind.APPROVE, comment=comment, verified=verified,
                       request=request)
            except DecisionError as exc:
                code = processes[task.process_id].debt.code
                raise DecisionError(_("%(code)s：%(problem)s（名单未签批）") % {"code": code, "problem": exc}) from exc
        ChainProcess.objects.filter(pk__in=chosen).update(litigation_list=signed)
    return signed


def verify_list(signed: LitigationList) -> bool:
    return signed.sha256 == _digest({"start": signed.period_start.isoformat(), "end": signed.period_end.isoformat(),
                                     "signer": signed.signed_by_id, "signed_at": signed.signed_at.isoformat(),
                                     "entries": signed.entries})
