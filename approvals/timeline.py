"""Approvals' part of the archive's case-file timeline (documents.timeline): every decision of
every chain on the debt. Registered in ApprovalsConfig.ready(); the archive, a lower layer,
never imports approvals."""
from django.utils.translation import gettext as _

from documents.timeline import Event
from workflows.models import Debt

from .models import Decision, Transfer


def decision_events(debt: Debt) -> list[Event]:
    events = []
    for row in Decision.objects.filter(debt=debt).select_related("by"):
        text = f"{row.get_chain_display()} {row.step_title or row.step}：{row.get_decision_display()}"
        if row.comment:
            text += f"（{row.comment}）"
        events.append(Event(row.at, "approval", _("审批"), text, row.by))
    return events


def transfer_events(debt: Debt) -> list[Event]:
    """Every 转交 of a task of a chain on the debt (rule R4.130): who handed which step to whom, why."""
    return [Event(t.at, "approval", _("审批"),
                  _("%(chain)s %(step)s：%(from)s 转交给 %(to)s（%(reason)s）") % {
                      "chain": t.process.get_chain_display(), "step": t.step_title, "from": t.from_user,
                      "to": t.to_user, "reason": t.reason}, t.from_user)
            for t in Transfer.objects.filter(process__debt=debt).select_related("process", "from_user", "to_user")]
