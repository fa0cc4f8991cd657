"""An authority body's step decided by its meeting (rules R4.140-R4.147).

The member who claimed the step is the meeting's secretary: they open the meeting with the
members present; quorum is counted at once (an inquorate meeting cannot sit: it is recorded and
the step stays open to convene again). Each present member then votes 同意 / 反对 / 弃权 with an
optional opinion and their own login password: the vote is that member's signed Decision on the
step, over the document versions they were shown (R4.102). The secretary closes the voting with
their password: the minutes, with every vote, go into the case file as a PDF; in favour by the
body's majority, the system writes the resolution (会议批准文件) into the case file and the step
is approved; otherwise the step is rejected. Four eyes holds for every voter (R4.5, R4.6).
"""
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from documents import services as archive
from documents.catalogue import DocType
from documents.validation import UploadRefused
from workflows.models import User

from .case_file import current_documents
from .decisions import changed_message, decide
from .dossier import covers_token
from .exceptions import DecisionError, SignatureError
from .four_eyes import decided_elsewhere
from .models import (
    Decision,
    DecisionKind,
    MajorityBase,
    Meeting,
    MeetingRule,
    MeetingStatus,
    MeetingVote,
    NotificationKind,
)
from .notifications import notify
from .signatures import Verified, sign, verify_password

VOTES = (DecisionKind.VOTE_FOR, DecisionKind.VOTE_AGAINST, DecisionKind.VOTE_ABSTAIN)
# The minutes and the resolution are company records: always in Chinese, whatever the reader's
# language (as the letters of collection.letters).
RECORD_LANGUAGE = "zh-hans"
DEFAULT_RULE = {"quorum_share": "0.50", "quorum_strict": True, "pass_share": "0.50", "pass_strict": True,
                "pass_base": MajorityBase.PRESENT, "note": ""}


def rule_of(body: str) -> dict:
    """The body's quorum and majority (rule R4.142): its MeetingRule, else the defaults."""
    row = MeetingRule.objects.filter(body=body).first()
    if row is None:
        return dict(DEFAULT_RULE)
    return {"quorum_share": str(row.quorum_share), "quorum_strict": row.quorum_strict,
            "pass_share": str(row.pass_share), "pass_strict": row.pass_strict, "pass_base": row.pass_base,
            "note": row.note}


def _reaches(count: int, base: int, share: str, strict: bool) -> bool:
    threshold = Decimal(share) * base
    return Decimal(count) > threshold if strict else Decimal(count) >= threshold


def describe_rule(rule: dict) -> str:
    """The rule in words, as the page and the minutes show it."""
    quorum = (_("出席须超过应到成员的 %(share)s") if rule["quorum_strict"] else _("出席须达到应到成员的 %(share)s"))
    passing = (_("同意须超过%(base)s的 %(share)s") if rule["pass_strict"] else _("同意须达到%(base)s的 %(share)s"))
    base = MajorityBase(rule["pass_base"]).label
    return "；".join([quorum % {"share": _percent(rule["quorum_share"])},
                      passing % {"base": base, "share": _percent(rule["pass_share"])}])


def _percent(share: str) -> str:
    return f"{(Decimal(share) * 100).normalize():f}%"


def is_meeting_step(task: Task) -> bool:
    return bool(getattr(task.flow_task, "meeting", False))


@dataclass
class Members:
    """The body's members for one task: who may vote and who is recused (rule R4.144)."""

    eligible: list[User]
    recused: list[User]


def members_for(task: Task) -> Members:
    step, process = task.flow_task, task.process.coerced
    role = step.role_for(process)
    people = list(User.objects.filter(is_active=True, groups__name=role).order_by("username", "pk"))
    barred = set(Decision.objects.filter(process_id=process.pk).exclude(step=step.name)
                 .exclude(decision=DecisionKind.SUBMIT).values_list("by_id", flat=True))
    barred |= set(Decision.objects.filter(process_id=process.pk, on_behalf_of__isnull=False)
                  .exclude(step=step.name).exclude(decision=DecisionKind.SUBMIT)
                  .values_list("on_behalf_of_id", flat=True))
    barred.add(process.requested_by_id)
    return Members(eligible=[u for u in people if u.pk not in barred],
                   recused=[u for u in people if u.pk in barred])


def open_meeting(task: Task) -> Meeting | None:
    return Meeting.objects.filter(task=task, status=MeetingStatus.VOTING).select_related("secretary").first()


def meeting_url(meeting: Meeting) -> str:
    return reverse("approvals:meeting", args=[meeting.task_id])


def _locked(task: Task):
    return task.flow_task.flow_class.lock(task.process_id)


def _check_secretary(task: Task, user: User) -> None:
    step = task.flow_task
    if not is_meeting_step(task):
        raise DecisionError(_("此步骤不是审批机构的会议表决步骤"))
    reason = step.why_not(user, task)
    if reason:
        raise DecisionError(reason)
    if task.owner_id != user.pk:
        raise DecisionError(_("只有认领该任务的会议记录人可以召集和结束会议，请先认领"))


def convene(*, task: Task, secretary: User, present: list[int], request: HttpRequest | None = None) -> Meeting:
    """Open the meeting with the members `present` (user ids). Below quorum it is recorded as
    not quorate and closed at once; the step stays open (rule R4.143)."""
    with _locked(task), transaction.atomic():
        task.refresh_from_db()
        _check_secretary(task, secretary)
        if open_meeting(task) is not None:
            raise DecisionError(_("本步骤已有一次会议正在表决，请先结束该会议"))
        members = members_for(task)
        eligible = {u.pk for u in members.eligible}
        chosen = sorted(set(present))
        if not chosen:
            raise DecisionError(_("出席成员：请至少选择一位出席的成员"), "present")
        stray = [pk for pk in chosen if pk not in eligible]
        if stray:
            names = "、".join(str(u) for u in members.recused if u.pk in stray) or _("非本机构成员")
            raise DecisionError(_("出席成员：%(names)s 不能参加本链的表决（申请人或已办理本链其他步骤）")
                                % {"names": names}, "present")
        process = task.process.coerced
        rule = rule_of(process.authority_body or task.flow_task.role_for(process))
        quorate = _reaches(len(chosen), len(eligible), rule["quorum_share"], rule["quorum_strict"])
        now = timezone.now()
        meeting = Meeting.objects.create(
            process=process, task=task, step=task.flow_task.name, body=task.flow_task.role_for(process),
            secretary=secretary, convened_at=now, members=sorted(eligible),
            recused=[u.pk for u in members.recused], present=chosen, rule=rule,
            status=MeetingStatus.VOTING if quorate else MeetingStatus.NO_QUORUM,
            closed_at=None if quorate else now,
            tally={"members": len(eligible), "present": len(chosen)})
        if quorate:
            label = f"{process.get_chain_display()} {process.debt.code}"
            for member in User.objects.filter(pk__in=chosen).exclude(pk=secretary.pk):
                notify(member, NotificationKind.ASSIGNED,
                       _("%(body)s会议表决：%(label)s，请输入密码表决") % {"body": meeting.body_label, "label": label},
                       meeting_url(meeting))
        return meeting


def why_cannot_vote(meeting: Meeting, member: User) -> str | None:
    if meeting.status != MeetingStatus.VOTING:
        return _("会议表决已结束")
    if member.pk not in meeting.present:
        return _("只有登记出席的成员可以表决")
    if member.pk == meeting.process.requested_by_id or \
            decided_elsewhere(meeting.process_id, member, meeting.step).exists():
        return _("同一人在一个审批链中只能签署一个步骤：您已办理本链的其他步骤，须回避表决")
    if MeetingVote.objects.filter(meeting=meeting, member=member).exists():
        return _("您已在本次会议中表决")
    return None


def verify_for(user: User, password: str, *, task_id: int, request: HttpRequest | None) -> Verified:
    """The password check of a vote or of closing, before the chain's lock (rule R8.17); a
    wrong password is recorded and counts towards the signing lock (R4.11)."""
    try:
        return verify_password(user, password, task_id=task_id, request=request)
    except SignatureError as exc:
        raise DecisionError(str(exc), "password") from exc


def cast_vote(*, meeting: Meeting, member: User, vote: str, opinion: str = "", verified: Verified,
              covers: str | None = None) -> MeetingVote:
    """Record `member`'s vote as their signed decision on the step (rule R4.141)."""
    if vote not in VOTES:
        raise DecisionError(_("表决：请选择同意、反对或弃权"), "vote")
    if not (isinstance(verified, Verified) and verified.user_pk == member.pk):
        raise DecisionError(_("签署须重新输入登录密码：密码不正确"), "password")
    task = meeting.task
    with _locked(task), transaction.atomic():
        meeting = Meeting.objects.select_related("process__debt").get(pk=meeting.pk)
        reason = why_cannot_vote(meeting, member)
        if reason:
            raise DecisionError(reason)
        process = meeting.process
        shown = current_documents(process.debt)
        if covers is not None and covers != covers_token(shown):
            raise DecisionError(changed_message(shown), "covers")
        now = timezone.now()
        record = Decision.objects.create(
            debt=process.debt, chain=process.chain, step=meeting.step,
            step_title=_record_step_title(task), decision=vote, by=member, at=now,
            comment=opinion.strip(), process=process, task=task)
        sign(record, shown)
        return MeetingVote.objects.create(meeting=meeting, member=member, vote=vote, decision=record, at=now)


def count(meeting: Meeting) -> dict:
    votes = list(meeting.votes.values_list("vote", flat=True))
    tally = {"members": len(meeting.members), "present": len(meeting.present),
             "for": votes.count(DecisionKind.VOTE_FOR), "against": votes.count(DecisionKind.VOTE_AGAINST),
             "abstain": votes.count(DecisionKind.VOTE_ABSTAIN)}
    tally["not_voted"] = tally["present"] - len(votes)
    rule = meeting.rule
    base = tally["present"] if rule["pass_base"] == MajorityBase.PRESENT else tally["members"]
    tally["passed"] = _reaches(tally["for"], base, rule["pass_share"], rule["pass_strict"])
    return tally


def tally_text(tally: dict) -> str:
    return _("应到 %(members)s 人，出席 %(present)s 人；同意 %(for)s，反对 %(against)s，弃权 %(abstain)s，"
             "未表决 %(not_voted)s") % tally


def close(*, meeting: Meeting, secretary: User, verified: Verified, request: HttpRequest | None = None) -> Meeting:
    """End the voting: minutes into the case file; passed → resolution generated and the step
    approved; not passed → the step rejected (rules R4.145, R4.146)."""
    task = meeting.task
    if not (isinstance(verified, Verified) and verified.user_pk == secretary.pk):
        raise DecisionError(_("签署须重新输入登录密码：密码不正确"), "password")
    with _locked(task), transaction.atomic():
        task.refresh_from_db()
        meeting = Meeting.objects.select_related("process__debt__debtor", "secretary").get(pk=meeting.pk)
        if meeting.status != MeetingStatus.VOTING:
            raise DecisionError(_("会议表决已结束"))
        # Whoever holds the task now closes: the convener, or the person it went to after a
        # reassignment (R4.106) or an escalation, so a voting meeting is never left orphaned.
        _check_secretary(task, secretary)
        tally = count(meeting)
        process = meeting.process
        now = timezone.now()
        meeting.tally, meeting.closed_at = tally, now
        meeting.status = MeetingStatus.PASSED if tally["passed"] else MeetingStatus.FAILED
        votes = list(meeting.votes.select_related("member", "decision__signature"))
        context = _record_context(meeting, votes, tally)
        meeting.minutes = _file(process.debt, DocType.APPROVAL_RECORD, "minutes", context, secretary, request,
                                title=_record_title(meeting, "会议记录"))
        if tally["passed"]:
            context["minutes_sha256"] = meeting.minutes.sha256
            meeting.resolution = _file(process.debt, DocType.MEETING_RESOLUTION, "resolution", context, secretary,
                                       request, title=_record_title(meeting, "决议"))
        meeting.save()
        step = task.flow_task
        activation = step.activation_class(task)
        activation.start(request)
        with translation.override(RECORD_LANGUAGE):  # on record in the minutes' language
            comment = _("%(body)s会议%(result)s：%(tally)s") % {
                "body": meeting.body_label, "result": meeting.get_status_display(), "tally": tally_text(tally)}
        decide(activation, secretary, decision=DecisionKind.APPROVE if tally["passed"] else DecisionKind.REJECT,
               comment=comment, request=request, verified=verified)
        return meeting


def _record_step_title(task: Task) -> str:
    with translation.override(RECORD_LANGUAGE):
        return str(task.flow_task.task_title)


def _record_title(meeting: Meeting, what: str) -> str:
    with translation.override(RECORD_LANGUAGE):
        return f"{meeting.body_label}{what}（{meeting.process.debt.code} 第{meeting.pk}次）"


def _record_context(meeting: Meeting, votes: list[MeetingVote], tally: dict) -> dict:
    present = set(meeting.present)
    people = {u.pk: u for u in User.objects.filter(pk__in=[*meeting.members, *meeting.recused])}
    return {"meeting": meeting, "process": meeting.process, "debt": meeting.process.debt, "votes": votes,
            "tally": tally, "rule_text": describe_rule(meeting.rule), "note": meeting.rule.get("note", ""),
            "present": [people[pk] for pk in meeting.members if pk in present and pk in people],
            "absent": [people[pk] for pk in meeting.members if pk not in present and pk in people],
            "recused": [people[pk] for pk in meeting.recused if pk in people],
            "voted": {v.member_id for v in votes}, "amount": f"{meeting.process.amount:,.2f}",
            "local_convened": timezone.localtime(meeting.convened_at),
            "local_closed": timezone.localtime(meeting.closed_at)}


def render_record(kind: str, context: dict) -> str:
    with translation.override(RECORD_LANGUAGE):
        return render_to_string(f"approvals/meeting_{kind}.html", context)


def _file(debt, doc_type, kind, context, by, request, *, title):
    # Not a project module and no cycle: about 1.9 s to import, and only meetings and letters need it.
    import weasyprint

    pdf = weasyprint.HTML(string=render_record(kind, context)).write_pdf()
    upload = SimpleUploadedFile(f"{kind}-{context['meeting'].pk}.pdf", pdf, content_type="application/pdf")
    try:
        return archive.attach(debt, doc_type, upload, by, title=title, request=request, system_generated=True)
    except UploadRefused as exc:
        raise DecisionError(str(exc)) from exc


def meetings_of(process) -> list[Meeting]:
    return list(process.meetings.select_related("secretary", "minutes", "resolution")
                .prefetch_related("votes__member", "votes__decision"))
