"""撤回 (rule R4.110): the requester withdraws a request while no step after the submission has
been decided. The chain ends as withdrawn and frees its debt; viewflow's open tasks and the
process are cancelled; the withdrawal is a Decision (the debt's hash-chained record, its
case-file timeline and the chain's history read it) and the open step's candidates are told."""
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.exceptions import FlowRuntimeError

from workflows.models import User

from .copies import copy_at_end
from .exceptions import DecisionError
from .four_eyes import eligible_users
from .models import (
    WITHDRAW_STEP,
    ChainProcess,
    Decision,
    DecisionKind,
    NotificationKind,
    Outcome,
    StepInfo,
)
from .notifications import notify_many

REASON_MAX = 500


def decided_after_submit(process_id: int) -> QuerySet[Decision]:
    """Decisions on the chain's steps after its submission (approve, reject, return: a step's
    guard sending the chain back is recorded as a return). The requester's own submissions,
    the first and any resubmission after a return, do not count."""
    return Decision.objects.filter(process_id=process_id).exclude(
        decision__in=[DecisionKind.SUBMIT, DecisionKind.WITHDRAW])


def why_not_withdraw(process: ChainProcess, user: User) -> str | None:
    """None when `user` may withdraw `process` now, else why not, in the user's language."""
    if user.pk != process.requested_by_id:
        return _("只有申请人本人可以撤回申请")
    if not process.active or process.outcome != Outcome.RUNNING:
        return _("审批链已结束（%(outcome)s），不能撤回") % {"outcome": process.get_outcome_display()}
    decided = decided_after_submit(process.pk).order_by("at", "pk").first()
    if decided is not None:
        return _("“%(step)s”已作出决定（%(decision)s），申请不能再撤回") % {
            "step": decided.step_title or decided.step, "decision": decided.get_decision_display()}
    return None


def candidates(process: ChainProcess, infos: list[StepInfo]) -> QuerySet[User]:
    """Who was to act on the open steps: a claimed step's holder, else everybody who could
    claim it (four_eyes.eligible_users, one set-based query per open step, not one per user)."""
    who = Q(pk__in=[i.task.owner_id for i in infos if i.task.owner_id])
    for info in infos:
        if not info.task.owner_id:
            who |= Q(pk__in=eligible_users(info.task.flow_task, process, task=info.task).values("pk"))
    return User.objects.filter(who).order_by("pk")


def chain_withdraw(*, process: ChainProcess, user: User, reason: str) -> Decision:
    """Withdraw `process` for its requester `user` with `reason`. Under the chain's lock (the
    lock decide() runs under), so of a withdrawal and an approval racing exactly one wins: the
    later one finds the state the first left. Raises DecisionError; nothing is saved then."""
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError(_("撤回理由：必须填写"), "reason")
    if len(reason) > REASON_MAX:
        raise DecisionError(_("撤回理由：最多 %(n)s 个字") % {"n": REASON_MAX}, "reason")
    flow_class = process.flow_class
    with flow_class.lock(process.pk), transaction.atomic():
        process = ChainProcess.objects.select_related("debt").get(pk=process.pk)
        refusal = why_not_withdraw(process, user)
        if refusal:
            raise DecisionError(refusal)
        infos = list(StepInfo.objects.filter(process=process, open=True).select_related("task").order_by("pk"))
        record = Decision.objects.create(
            debt=process.debt, chain=process.chain, step=WITHDRAW_STEP, step_title=_("撤回申请"),
            decision=DecisionKind.WITHDRAW, by=user, at=timezone.now(), comment=reason, process=process)
        process.outcome = Outcome.WITHDRAWN
        process.outcome_reason = (_("申请人撤回：%(reason)s") % {"reason": reason})[:500]
        process.active = False  # frees the debt for another chain (one running chain per debt)
        try:
            # viewflow's own cancel: every open task CANCELED, the process CANCELED and saved.
            flow_class.instance.cancel(process)
        except FlowRuntimeError as exc:
            raise DecisionError(_("审批链有正在办理的步骤，暂不能撤回，请稍后重试")) from exc
        label = f"{process.get_chain_display()} {process.debt.code}"
        steps = "、".join(dict.fromkeys(str(getattr(i.task.flow_task, "task_title", "") or i.step_title)
                                       for i in infos)) or _("无")
        notify_many(candidates(process, infos), NotificationKind.WITHDRAWN,
                    _("%(label)s 已由申请人撤回（待办步骤：%(steps)s），理由：%(reason)s") % {
                        "label": label, "steps": steps, "reason": reason},
                    reverse("approvals:process", args=[process.pk]))
        copy_at_end(process)  # rule R4.121: the chain's end copies, withdrawn too
    return record
