"""Approvals' part of the archive's case-file timeline (documents.timeline): every decision and
every comment (rule R4.120) of every chain on the debt. Registered in ApprovalsConfig.ready();
the archive, a lower layer, never imports approvals."""
from django.utils.translation import gettext as _

from documents.timeline import Event
from workflows.models import Debt

from .models import WITHDRAW_STEP, ChainComment, Decision


def decision_events(debt: Debt) -> list[Event]:
    events = []
    for row in Decision.objects.filter(debt=debt).select_related("by"):
        if row.step == WITHDRAW_STEP:  # rule R4.110: taken on the chain, not on a step
            text = f"{row.get_chain_display()}：{row.get_decision_display()}"
        else:
            text = f"{row.get_chain_display()} {row.step_title or row.step}：{row.get_decision_display()}"
        if row.comment:
            text += f"（{row.comment}）"
        events.append(Event(row.at, "approval", _("审批"), text, row.by))
    return events


def comment_events(debt: Debt) -> list[Event]:
    return [Event(row.at, "approval_comment", _("审批评论"),
                  f"{row.process.get_chain_display()} #{row.process_id}：{row.text}", row.by)
            for row in ChainComment.objects.filter(debt=debt).select_related("by", "process")]
