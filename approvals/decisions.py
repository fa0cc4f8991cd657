"""Deciding a step: the one place that turns a submitted decision form into a Decision,
its attachments, its signature, the chain's effect, and the next task."""
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.activation import Activation
from viewflow.workflow.status import PROCESS, STATUS

from workflows.exceptions import QingqianError
from workflows.models import User

from . import added_signers, four_eyes, joint, required_documents, step_titles
from .access import OTHER_CLAIMED
from .case_file import attach, current_documents
from .copies import copy_at_end
from .dossier import covers_token
from .exceptions import AttachmentRefused, DecisionError, SignatureError
from .models import (
    REDO,
    ChainProcess,
    Decision,
    DecisionKind,
    Meeting,
    MeetingStatus,
    NotificationKind,
    Outcome,
    StepInfo,
)
from .notifications import notify
from .return_to import offers_return_to, return_steps
from .signatures import Verified, check_password, sign


def decide(activation: Activation, user: User, *, decision: str, comment: str = "",
           attachments: Iterable[tuple[str, UploadedFile]] = (), password: str = "",
           extra: Mapping[str, Any] | None = None, request: HttpRequest | None = None,
           covers: str | None = None, verified: Verified | None = None, return_to: str = "") -> Decision:
    """Complete the activation's task with `decision`. Raises DecisionError (nothing saved).

    covers: the versions the signer was shown (dossier.covers_token); a signing approval is
    refused when the case file changed since (rule R4.102). The pages always send it; an API
    client that omits it signs what is current.
    verified: the password already checked in this request (batch signing, rule R4.104).
    return_to: with RETURN_TO, the earlier step of this run the chain goes back to (rule R4.131)."""
    step = activation.flow_task
    task = activation.task
    process = activation.process
    if decision not in step.decisions and not (decision == DecisionKind.RETURN_TO and offers_return_to(step)):
        raise DecisionError(_("此步骤不能选择该决定"), "decision")
    # Asked once per step (issue 20 item 3): the execute route asked it under this same lock
    # just before (nodes._execute_view marks the activation); every other caller asks here.
    if getattr(activation, "eligible_user_pk", None) != user.pk:
        reason = step.why_not(user, task)
        if reason:
            raise DecisionError(reason)
    waiting = added_signers.open_before(task)
    if waiting:
        # Rule R4.157: 前加签 — the added people decide first, then the step comes back.
        raise DecisionError(_("正在等待加签人办理：%(names)s；全部同意后才能办理本步骤") % {
            "names": "、".join(str(w.to_user) for w in waiting)})
    if decision in (DecisionKind.REJECT, DecisionKind.RETURN, DecisionKind.RETURN_TO) and not comment.strip():
        raise DecisionError(_("驳回或退回时必须填写理由"), "comment")
    returned_to = ""
    if decision == DecisionKind.RETURN_TO:
        # Rule R4.131: only a step passed in this run, still standing, before this one.
        if return_to not in dict(return_steps(process, step)):
            raise DecisionError(_("退回到：请选择本审批链中已经通过的前序步骤"), "return_to")
        returned_to = return_to
    signs = step.signs(decision)
    # Only an approval is signed (rules R4.9, R4.11); rejecting or returning needs a reason,
    # not the password. Checked before the decision's transaction: a wrong password is recorded
    # (and may lock signing) in the caller's transaction, which keeps it.
    if signs and not (isinstance(verified, Verified) and verified.user_pk == user.pk):
        try:
            check_password(user, password, task_id=task.pk, request=request)
        except SignatureError as exc:
            raise DecisionError(str(exc), "password") from exc
    attachments = list(attachments)
    # The decision's savepoint undoes what was written before a refusal: the attachments, the
    # form's fields on the process, the Decision before its signature. A step with none of them
    # refuses before it writes anything, so it needs none (issue 20: 2 of a step's statements);
    # what fails after that is no refusal, and fails the caller's transaction whole.
    undo_on_refusal = bool(attachments) or bool(extra) or signs
    try:
        with transaction.atomic() if undo_on_refusal else nullcontext():
            shown = current_documents(process.debt) if signs else []
            changed = signs and covers is not None and covers != covers_token(shown)
            for doc_type, uploaded in attachments:
                shown.append(_attach(process.debt, doc_type, uploaded, user, request=request))
            if extra:
                for name, value in extra.items():
                    setattr(process, name, value)
                process.save()
            if getattr(step, "meeting", False):
                # Rule R4.140: while the body's meeting is voting, nobody decides the step by hand
                # (asked in the same statement as the step's info: no statement added), asked
                # before the guard, which may write (write_off.authority_moved).
                info = (StepInfo.objects.filter(task=task).annotate(meeting_voting=Exists(
                    Meeting.objects.filter(task_id=OuterRef("task_id"), status=MeetingStatus.VOTING))).first())
                if info is not None and info.meeting_voting:
                    raise DecisionError(_("本步骤的会议正在表决，须由会议记录人结束表决"))
            else:
                # Loaded with the task under the lock on the execute route (access.load_task).
                info = getattr(task, "step_info", None)
            kind = decision
            if step.is_rework and decision == DecisionKind.APPROVE:
                kind = DecisionKind.SUBMIT
            # A guard refuses the approval and sends the chain back (rule R4.47): the attempt is
            # recorded as a return whose comment says why, and nothing of the effect happens.
            redo = step.guard(process) if kind == DecisionKind.APPROVE and step.guard is not None else None
            if redo:
                kind, decision = DecisionKind.RETURN, REDO
                returned_to = step._on_redo.name   # its decisions since are superseded (rule R4.132)
                signs = changed = False  # a return is not signed (rule R4.11)
                comment = f"{redo}\n{comment}".strip()
            if kind == DecisionKind.APPROVE or kind == DecisionKind.SUBMIT:
                # A signing approval has just read the case file (shown): not read again.
                missing = required_documents.missing(process.debt, step.requirements(process),
                                                     current=shown if signs else None)
                if missing:
                    raise DecisionError(required_documents.missing_message(missing), "attachments")
            if changed:
                raise DecisionError(changed_message(shown), "covers")
            on_behalf_of = info.on_behalf_of if info and info.on_behalf_of_id != user.pk else None
            record = Decision.objects.create(
                debt=process.debt, chain=process.chain, step=step.name,
                # an added signer's decision is titled with the step it was added to (R4.159), a
                # 会签/或签 member's with the member it was for (R4.153)
                step_title=info.step_title if info and (getattr(step, "is_added", False) or joint.member_of(task))
                else stored_title(step),
                decision=kind, by=user, on_behalf_of=on_behalf_of, at=timezone.now(), comment=comment,
                process=process, task=task, returned_to=returned_to)
            if signs:
                sign(record, shown)
            _finish(activation, step, process, user, decision, comment, returned_to)
            # A chain its End has finished has no open task left to hand back (nodes.ChainEnd).
            if not step.is_rework and process.status != PROCESS.DONE:
                _release_barred(process, user, task)
            record.redo = redo
            return record
    except SignatureError as exc:
        raise DecisionError(str(exc), "password") from exc


def stored_title(step) -> str:
    with step_titles.stored_language():
        return str(step.task_title)


def _finish(activation, step, process, user, decision, comment="", returned_to=""):
    label = f"{process.get_chain_display()} {process.debt.code}"
    if decision == DecisionKind.APPROVE and step.effect is not None:
        # An effect with a check asks every refusal there, before it writes (effects.write_off):
        # no savepoint is needed to leave nothing half-done, and what fails after the check is no
        # refusal but an error that fails the step's transaction whole. Any other effect runs in
        # a savepoint that a refusal rolls back.
        check = getattr(step.effect, "check", None)
        try:
            if check is None:
                with transaction.atomic():
                    step.effect(process, user)
            else:
                checked = check(process)
        except QingqianError as exc:
            # Rule R4.108: the debt moved on meanwhile (cleared by a payment, say), so the approved
            # effect cannot apply. The chain ends, with the reason on record, and frees the debt,
            # instead of refusing every try and blocking the debt for good.
            reason = _("审批已通过，但债权状态已变化，未能执行：%(why)s") % {"why": exc}
            process.outcome_reason = reason[:500]
            ChainProcess.objects.filter(pk=process.pk).update(outcome_reason=process.outcome_reason)
            _close(process, Outcome.LAPSED)
            notify(process.requested_by, NotificationKind.REJECTED, _("%(label)s：%(reason)s") % {
                "label": label, "reason": reason}, reverse("approvals:process", args=[process.pk]))
        else:
            if check is not None:
                step.effect(process, user, checked)
            _close(process, Outcome.APPROVED)
            notify(process.requested_by, NotificationKind.APPROVED, _("%(label)s 已批准") % {"label": label})
    elif decision == REDO:
        notify(process.requested_by, NotificationKind.RETURNED,
               _("%(label)s 在“%(step)s”退回重新审批") % {"label": label, "step": step.task_title})
    elif decision == DecisionKind.RETURN_TO:
        target = process.flow_class.instance.node(returned_to)
        notify(process.requested_by, NotificationKind.RETURNED,
               _("%(label)s 在“%(step)s”退回到“%(target)s”重新审批：%(reason)s") % {
                   "label": label, "step": step.task_title, "target": target.task_title, "reason": comment},
               reverse("approvals:process", args=[process.pk]))
    elif decision == DecisionKind.REJECT:
        _close(process, Outcome.WITHDRAWN if step.is_rework else Outcome.REJECTED)
        if not step.is_rework:
            notify(process.requested_by, NotificationKind.REJECTED,
                   _("%(label)s 在“%(step)s”被驳回：%(reason)s") % {"label": label, "step": step.task_title,
                                                               "reason": comment},
                   reverse("approvals:process", args=[process.pk]))
    activation.task.data = {**(activation.task.data or {}), "decision": str(decision)}
    if decision == DecisionKind.RETURN_TO:
        activation.task.data["return_to"] = returned_to   # StepActivation.create_next goes there
    activation.execute()
    if decision == DecisionKind.APPROVE and step.effect is None and not _goes_on(activation) and _ended(process):
        _close(process, Outcome.APPROVED)
        notify(process.requested_by, NotificationKind.APPROVED, _("%(label)s 已批准") % {"label": label})


def _release_barred(process, user, decided_task):
    """Other steps of this chain the user had claimed (parallel signatures) are now barred to
    them by four-eyes: hand them back to the role's queue instead of leaving them stuck."""
    loaded_for_user = getattr(decided_task, four_eyes.PRELOADED_FOR, None) == user.pk
    if loaded_for_user and getattr(decided_task, OTHER_CLAIMED, None) is False:
        # None, as the task's own load for this user under this lock said (access.load_task); a
        # task the decision has just created is not the user's to hand back (a named 会签
        # member's is the only one born claimed, and it stays, below).
        return
    for task in process.task_set.filter(owner=user, status=STATUS.ASSIGNED).exclude(pk=decided_task.pk):
        step = task.flow_task
        # A named 会签 member's task stays with them (rule R4.150): released, it would be in
        # nobody's queue; barred, the unreachable list shows it to 清欠办主任 (R4.106).
        if not getattr(step, "is_rework", True) and not (joint.member_of(task) or {}).get("user"):
            step.activation_class(task).unassign()


def _goes_on(activation) -> bool:
    """The step created a next task that is still open (nodes.StepActivation.create_next keeps
    it): the chain has not ended, without asking the database."""
    created = getattr(activation, "created_next", None)
    return created is not None and created.task.status in (STATUS.NEW, STATUS.ASSIGNED)


def _ended(process):
    return not process.task_set.filter(finished__isnull=True).exists()


def _close(process, outcome):
    ChainProcess.objects.filter(pk=process.pk).update(outcome=outcome, active=False)
    process.outcome, process.active = outcome, False
    copy_at_end(process)  # rule R4.121


def _attach(debt, doc_type, uploaded, user, request=None):
    try:
        return attach(debt, doc_type, uploaded, user, request=request)
    except AttachmentRefused as exc:
        raise DecisionError(_("附件“%(name)s”：%(problem)s") % {"name": getattr(uploaded, "name", ""), "problem": exc},
                            "attachments") from exc


def changed_message(current) -> str:
    """The refusal when the case file changed after the page was opened: the new list."""
    names = "；".join(f"{d.get_doc_type_display()}《{d.title}》v{d.version}" for d in current) or _("无")
    return _("打开页面后案卷文件有变化，未签署。请核对现在将覆盖的文件后重新输入密码签署：%(names)s") % {"names": names}
