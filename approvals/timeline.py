"""Approvals' part of the archive's case-file timeline (documents.timeline): every decision and
every comment (rule R4.120) of every chain on the debt. Registered in ApprovalsConfig.ready();
the archive, a lower layer, never imports approvals."""
from django.utils.translation import gettext as _

from documents.timeline import Event
from workflows.models import Debt

from . import registry, step_titles
from .models import WITHDRAW_STEP, ChainComment, ChainUrge, Decision, DecisionKind, Meeting, Transfer


def decision_events(debt: Debt) -> list[Event]:
    events = []
    for row in Decision.objects.filter(debt=debt).select_related("by"):
        if row.step == WITHDRAW_STEP:  # rule R4.110: taken on the chain, not on a step
            text = f"{row.get_chain_display()}：{row.get_decision_display()}"
        else:
            title = step_titles.shown(row.step_title) or row.step
            text = f"{row.get_chain_display()} {title}：{row.get_decision_display()}"
        if row.decision == DecisionKind.RETURN_TO and row.returned_to:   # rule R4.131
            node = registry.flow_for(row.chain).instance.node(row.returned_to)
            text += _("：退回到“%(step)s”") % {"step": getattr(node, "task_title", row.returned_to)}
        if row.comment:
            text += f"（{row.comment}）"
        events.append(Event(row.at, "approval", _("审批"), text, row.by))
    return events


def comment_events(debt: Debt) -> list[Event]:
    return [Event(row.at, "approval_comment", _("审批评论"),
                  f"{row.process.get_chain_display()} #{row.process_id}：{row.text}", row.by)
            for row in ChainComment.objects.filter(debt=debt).select_related("by", "process")]


def meeting_events(debt: Debt) -> list[Event]:
    """An authority body's meetings (rule R4.147): convened, and how each ended; the votes are
    decisions, listed by decision_events."""
    events = []
    for meeting in Meeting.objects.filter(process__debt=debt).select_related("secretary"):
        tally = meeting.tally
        text = _("%(body)s第 %(n)s 次会议：应到 %(members)s 人，出席 %(present)s 人") % {
            "body": meeting.body_label, "n": meeting.pk, "members": tally.get("members", len(meeting.members)),
            "present": tally.get("present", len(meeting.present))}
        events.append(Event(meeting.convened_at, "approval", _("会议"), text, meeting.secretary))
        if meeting.closed_at:
            events.append(Event(meeting.closed_at, "approval", _("会议"),
                                _("%(body)s第 %(n)s 次会议：%(status)s") % {
                                    "body": meeting.body_label, "n": meeting.pk,
                                    "status": meeting.get_status_display()}, meeting.secretary))
    return events


def urge_events(debt: Debt) -> list[Event]:
    """催办 (rule R4.111): each reminder on a chain of the debt."""
    events = []
    for row in ChainUrge.objects.filter(process__debt=debt).select_related("by", "process"):
        text = _("%(chain)s 催办“%(step)s”（通知 %(n)s 人）") % {
            "chain": row.process.get_chain_display(), "step": step_titles.shown(row.step_title), "n": row.notified}
        if row.message:
            text += f"：{row.message}"
        events.append(Event(row.at, "approval", _("审批"), text, row.by))
    return events


def transfer_events(debt: Debt) -> list[Event]:
    """Every 转交 of a task of a chain on the debt (rule R4.130): who handed which step to whom, why."""
    return [Event(t.at, "approval", _("审批"),
                  _("%(chain)s %(step)s：%(from)s 转交给 %(to)s（%(reason)s）") % {
                      "chain": t.process.get_chain_display(), "step": step_titles.shown(t.step_title),
                      "from": t.from_user,
                      "to": t.to_user, "reason": t.reason}, t.from_user)
            for t in Transfer.objects.filter(process__debt=debt).select_related("process", "from_user", "to_user")]
