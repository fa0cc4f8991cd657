"""Approvals' part of the archive's case-file timeline (documents.timeline): every decision of
every chain on the debt. Registered in ApprovalsConfig.ready(); the archive, a lower layer,
never imports approvals."""
from django.utils.translation import gettext as _

from documents.timeline import Event
from workflows.models import Debt

from .models import WITHDRAW_STEP, ChainUrge, Decision


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


def urge_events(debt: Debt) -> list[Event]:
    """催办 (rule R4.111): each reminder on a chain of the debt."""
    events = []
    for row in ChainUrge.objects.filter(process__debt=debt).select_related("by", "process"):
        text = _("%(chain)s 催办“%(step)s”（通知 %(n)s 人）") % {
            "chain": row.process.get_chain_display(), "step": row.step_title, "n": row.notified}
        if row.message:
            text += f"：{row.message}"
        events.append(Event(row.at, "approval", _("审批"), text, row.by))
    return events
