"""Starting a chain: checks, the request's documents, the authority rule, the first task."""
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation

from workflows.models import Debt, User

from . import joint, required_documents
from .actions import why_cannot_start
from .authority import rule_for
from .case_file import attach
from .copies import copy_at_end, copy_at_start
from .disposal import offset_of, sale_error
from .exceptions import AttachmentRefused, AuthorityError, DecisionError
from .models import Chain, ChainProcess, Decision, DecisionKind, Outcome
from .reach import next_step_problem
from .write_off import condition_error


def start_chain(activation: Activation, user: User, debt: Debt, *, fields: Mapping[str, Any],
                attachments: Iterable[tuple[str, UploadedFile]] = (),
                request: HttpRequest | None = None) -> ChainProcess:
    """Fill the new process from the request and run viewflow's start. Raises DecisionError."""
    flow_class = activation.flow_class
    chain = flow_class.chain
    reason = why_cannot_start(chain, debt, user)
    if reason:
        raise DecisionError(reason)
    process = activation.process
    process.debt = debt
    process.chain = chain
    process.requested_by = user
    process.amount = debt.balance
    for name, value in fields.items():
        setattr(process, name, value)
    if chain == Chain.WRITE_OFF:
        problem = condition_error(debt, process.condition)
        if problem:
            raise DecisionError(problem, "condition")
        try:
            rule = rule_for(process.amount, timezone.localdate())
        except AuthorityError as exc:
            raise DecisionError(str(exc)) from exc
        process.authority_rule = rule
        process.authority_body = rule.body
    if chain == Chain.DISPOSAL:
        problem = sale_error(debt, price=process.proposed_price, selling_unit_id=process.selling_unit_id)
        if problem:
            raise DecisionError(problem[1], problem[0] or None)
        process.offset_amount = offset_of(debt)
    # 会签/或签 (rule R4.149): the chain keeps the rules in force at its submission.
    rules = joint.snapshot(chain)
    if rules:
        process.data = {**(process.data or {}), "joint": rules}
    # No dead ends (rule R4.105): a request whose first step nobody may take would sit unclaimed
    # forever and block every other chain on the debt. One query for the role's holders.
    problem = next_step_problem(activation)
    if problem:
        raise DecisionError(problem)
    try:
        with transaction.atomic():
            for doc_type, uploaded in attachments:
                _attach(debt, doc_type, uploaded, user, request=request)
            missing = required_documents.missing(debt, flow_class.request_required(process))
            if missing:
                raise DecisionError(required_documents.missing_message(missing), "attachments")
            activation.execute()
            Decision.objects.create(debt=debt, chain=chain, step="start", step_title=_("提交申请"),
                                    decision=DecisionKind.SUBMIT, by=user, at=timezone.now(),
                                    comment=process.reason, process=process, task=activation.task)
            copy_at_start(process)  # rule R4.121
            if not process.task_set.filter(finished__isnull=True).exists():
                # Nothing to approve (a sale at no less than the offset, rule R4.31): done.
                ChainProcess.objects.filter(pk=process.pk).update(outcome=Outcome.APPROVED, active=False)
                process.outcome, process.active = Outcome.APPROVED, False
                copy_at_end(process)  # rule R4.121
    except IntegrityError as exc:
        raise DecisionError(_("该债权已有进行中的审批，不能重复发起")) from exc
    return process


def _attach(debt, doc_type, uploaded, user, request=None):
    try:
        return attach(debt, doc_type, uploaded, user, request=request)
    except AttachmentRefused as exc:
        raise DecisionError(_("附件“%(name)s”：%(problem)s") % {"name": getattr(uploaded, "name", ""), "problem": exc},
                            "attachments") from exc
