"""Approvals' part of the embedded demo: chains waiting at every kind of step, so each demo login
that approves something finds it in its inbox — the GM three write-offs to sign in one batch.

Connected to workflows.signals.demo_debts_seeded in ApprovalsConfig.ready(); the demo, a lower
layer, never imports this. Only through the services a person uses: start_chain with the
request's documents, decide with the demo password. Idempotent: each demo chain is known by its
reason (demo #n) and built in one transaction, so a second run finds them all and adds nothing.
"""
import os
from collections.abc import Callable
from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from workflows.models import Debt, User

from . import required_documents
from .actions import why_cannot_start
from .chain_requests import start_chain
from .decisions import decide
from .models import Chain, ChainProcess, DecisionKind, WriteOffCondition
from .registry import flow_for

# (chain, approvals already given): 0 waits at the first step, 1 at the second, ...
# Write-off: 清欠办审核, 总经理批示 ×3 (batch signing), 审批机构批准, 财务部备案.
DEMO_CHAINS = [
    (Chain.WRITE_OFF, 0), (Chain.WRITE_OFF, 1), (Chain.WRITE_OFF, 1), (Chain.WRITE_OFF, 1),
    (Chain.WRITE_OFF, 2), (Chain.WRITE_OFF, 3),
    (Chain.VISIT, 0),                                                  # 清欠小组组长批准
    (Chain.LITIGATION, 0), (Chain.LITIGATION, 1), (Chain.LITIGATION, 2),  # 清欠小组, 总经理, 法务部
    (Chain.IN_KIND, 0),                                                # 技术工程部鉴定
]
FIELDS = {
    Chain.WRITE_OFF: {"condition": WriteOffCondition.NO_PERFORMANCE},
}


def _documents(debt: Debt, requirements, pdf: Callable[[str], bytes]) -> list[tuple[str, SimpleUploadedFile]]:
    """One demo PDF for each requirement the case file does not meet yet."""
    return [(doc_type, SimpleUploadedFile(f"{doc_type}.pdf", pdf(f"{debt.code} {doc_type}"),
                                          content_type="application/pdf"))
            for doc_type in (sorted(r.types)[0] for r in required_documents.missing(debt, requirements))]


def _reason(n: int) -> str:
    return _("演示申请 #%(n)d：催收无果，按制度报批") % {"n": n}


def _debt_for(chain: str, handler: User) -> Debt | None:
    for debt in Debt.objects.filter(code__startswith="QQ-DEMO-", unit__code__in=["S1", "S1-GZ"]).order_by("code"):
        if why_cannot_start(chain, debt, handler) is None:
            return debt
    return None


def _approve(process: ChainProcess, people: list[User], password: str, pdf: Callable[[str], bytes]) -> None:
    task = process.task_set.filter(status=STATUS.NEW, finished__isnull=True).exclude(
        flow_task_type="HUMAN_START").first()
    step = task.flow_task
    user = next(u for u in people if step.can_assign(u, task))
    step.activation_class(task).assign(user)
    task.refresh_from_db()
    activation = step.activation_class(task)
    activation.start(None)
    decide(activation, user, decision=DecisionKind.APPROVE, comment=_("同意（演示）"),
           attachments=_documents(process.debt, step.requirements(process), pdf), password=password)


def seed_chains(sender, users: dict[str, User], password: str, pdf: Callable[[str], bytes], **kwargs) -> None:
    # deploy/smoke drives a write-off of its own through the API from a fresh demo: the demo's
    # waiting chains would hold every debt that qualifies, so the smoke seeds without them.
    if os.environ.get("QQ_DEMO_CHAINS", "1") == "0":
        return
    people = list(users.values())
    handler = users["handler"]
    for n, (chain, approvals) in enumerate(DEMO_CHAINS, start=1):
        if ChainProcess.objects.filter(chain=chain, reason=_reason(n)).exists():
            continue
        debt = _debt_for(chain, handler)
        if debt is None:
            continue
        flow_class = flow_for(chain)
        with transaction.atomic():
            node = flow_class.instance.start
            activation = node.activation_class.create(node, None, None)
            # viewflow's start view calls start(request) for the person submitting; no request here.
            activation.start(SimpleNamespace(user=handler))
            fields = {"reason": _reason(n), **FIELDS.get(chain, {})}
            for name, value in fields.items():
                setattr(activation.process, name, value)
            process = start_chain(activation, handler, debt, fields=fields,
                                  attachments=_documents(debt, flow_class.request_required(activation.process), pdf))
            for _step in range(approvals):
                _approve(process, people, password, pdf)
