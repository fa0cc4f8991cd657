"""REST API for the approval chains: start a chain, the inbox, claim and complete a task.
Every rule is the approvals app's own: inbox.open_steps, the node's can_assign/can_execute
(four-eyes, roles, units), chain_requests.start_chain and decisions.decide, validated by the
pages' forms; claims and decisions run under the flow's lock like the pages."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from workflows.models import User
from workflows.rest import form_errors, idempotent
from workflows.scoping import get_debt_for

from . import added_signers, inbox, meetings, registry, step_titles
from .access import (
    closed_message_for,
    get_process_for,
    get_process_to_comment,
    get_task_for,
    holders_open_task,
    locked_task_for,
)
from .chain_requests import start_chain
from .comments import chain_comment
from .conflicts import closed_message
from .copies import SORTS as COPY_SORTS
from .copies import copied_to, copy_ad_hoc, may_copy
from .decisions import decide
from .dossier import dossier
from .exceptions import DecisionError, SignatureError, TooSoon
from .forms import CommentForm, CopyForm, DecisionForm, RequestForm, TransferForm
from .models import AddedSign, AddedSignMode, Chain, ChainComment, ChainCopy, ChainProcess, ChainUrge, StepInfo
from .return_to import return_steps
from .signatures import Verified, verify_password
from .transfer import task_transfer, transfer_targets
from .urge import chain_urge, interval, may_urge
from .withdraw import chain_withdraw


class StepSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="task_id", read_only=True)
    process = serializers.IntegerField(source="process_id", read_only=True)
    debt = serializers.IntegerField(source="debt_id", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)
    step_title = serializers.SerializerMethodField()

    class Meta:
        model = StepInfo
        fields = ["id", "process", "debt", "chain", "step", "step_title", "role", "owner", "due_at"]
        read_only_fields = fields

    def get_step_title(self, info) -> str:
        return step_titles.shown(info.step_title)   # stored in the product's language


class ProcessSerializer(serializers.ModelSerializer):
    open_tasks = serializers.SerializerMethodField()

    class Meta:
        model = ChainProcess
        fields = ["id", "chain", "debt", "outcome", "active", "open_tasks"]
        read_only_fields = fields

    def get_open_tasks(self, process) -> list[int]:
        return list(process.step_infos.filter(open=True).values_list("task_id", flat=True))


class DocumentOut(serializers.Serializer):
    id = serializers.IntegerField(source="document.pk")
    doc_type = serializers.CharField(source="document.doc_type")
    doc_type_label = serializers.CharField(source="document.get_doc_type_display")
    title = serializers.CharField(source="document.title")
    version = serializers.IntegerField(source="document.version")
    uploaded_by = serializers.CharField(source="document.uploaded_by", default=None)
    uploaded_at = serializers.DateTimeField(source="document.uploaded_at")
    sha256 = serializers.CharField(source="document.sha256")
    preview_url = serializers.CharField()
    download_url = serializers.CharField()


class RequiredOut(serializers.Serializer):
    label = serializers.CharField()
    present = serializers.BooleanField()
    documents = DocumentOut(many=True)


class PathOut(serializers.Serializer):
    title = serializers.CharField()
    state = serializers.CharField()
    kind = serializers.CharField(default="", help_text="the decision's kind, or `comment` for a comment (R4.120)")
    decision = serializers.CharField(default="")
    by = serializers.CharField(default=None)
    at = serializers.DateTimeField(default=None)
    comment = serializers.CharField(default="")
    to = serializers.CharField(default=None, help_text="a transfer's (转交) new holder")
    superseded = serializers.BooleanField(default=False,
                                          help_text="decided again after a return to an earlier step (R4.132)")


class DossierOut(serializers.Serializer):
    """The decision dossier (rule R4.101), as the task page shows it."""

    debt = serializers.SerializerMethodField()
    path = PathOut(many=True)
    required = RequiredOut(many=True, source="documents.required")
    others = DocumentOut(many=True, source="documents.others")
    covers = serializers.CharField(source="documents.covers",
                                   help_text="ids of the document versions a signature would cover; "
                                             "send it back as `covers` when approving a signed step")
    signs = serializers.BooleanField()

    def get_debt(self, d) -> dict:
        f, debt = d["facts"], d["facts"]["debt"]
        return {"id": debt.pk, "code": debt.code, "debtor": debt.debtor.name, "unit": debt.unit.name,
                "state": debt.state, "balance": str(debt.balance), "written_off_amount": str(debt.written_off_amount),
                "due_date": debt.due_date, "days_overdue": f["days_overdue"],
                "limitation_deadline": f["limitation_deadline"], "days_left": f["days_left"], "lapsed": f["lapsed"],
                "url": f["debt_url"], "case_file_url": f["case_file_url"]}


class ReturnStepOut(serializers.Serializer):
    step = serializers.CharField()
    title = serializers.CharField()


class TaskDetailSerializer(StepSerializer):
    dossier = serializers.SerializerMethodField()
    return_steps = serializers.SerializerMethodField(
        help_text="the earlier steps a `return_to` decision may go back to (rule R4.131)")

    class Meta(StepSerializer.Meta):
        fields = [*StepSerializer.Meta.fields, "dossier", "return_steps"]
        read_only_fields = fields

    @extend_schema_field(ReturnStepOut(many=True))
    def get_return_steps(self, info):
        rows = return_steps(info.process, info.task.flow_task)
        return ReturnStepOut([{"step": name, "title": title} for name, title in rows], many=True).data

    def get_dossier(self, info) -> DossierOut:
        process = info.process
        return DossierOut(dossier(process, info.task.flow_task, task_id=info.task_id)).data


class CommentOut(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = ChainComment
        fields = ["id", "process", "by", "at", "text"]
        read_only_fields = fields


class CommentInput(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)


class CopyOut(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    by = serializers.CharField(source="by.username", read_only=True, default=None)
    chain = serializers.CharField(source="process.chain", read_only=True)
    debt = serializers.CharField(source="process.debt.code", read_only=True)
    outcome = serializers.CharField(source="process.outcome", read_only=True)

    class Meta:
        model = ChainCopy
        fields = ["id", "process", "chain", "debt", "outcome", "user", "by", "moment", "at", "note"]
        read_only_fields = fields


class CopyInput(serializers.Serializer):
    users = serializers.ListField(child=serializers.IntegerField(), help_text="ids of the people to copy")
    note = serializers.CharField(required=False, allow_blank=True)


class StartInput(serializers.Serializer):
    chain = serializers.ChoiceField(choices=Chain.choices)
    debt = serializers.IntegerField()
    reason = serializers.CharField()
    condition = serializers.CharField(required=False)
    doc_type_1 = serializers.CharField(required=False)
    file_1 = serializers.FileField(required=False)


class AddSignersInput(serializers.Serializer):
    mode = serializers.ChoiceField(choices=AddedSignMode.choices)
    people = serializers.ListField(child=serializers.IntegerField(), help_text="user ids")
    reason = serializers.CharField()


class AddedSignSerializer(serializers.ModelSerializer):
    class Meta:
        model = AddedSign
        fields = ["id", "process", "host_task", "host_step", "host_title", "mode", "by", "to_user", "reason",
                  "at", "task"]


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject", "return", "return_to"])
    return_to = serializers.CharField(required=False, allow_blank=True,
                                      help_text="with `return_to`: one of the task's `return_steps` (rule R4.131)")
    comment = serializers.CharField(required=False, allow_blank=True)
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    appraised_value = serializers.CharField(required=False)
    covers = serializers.CharField(required=False, allow_blank=True,
                                   help_text="the dossier's `covers`: refused if the case file changed since")
    doc_type_1 = serializers.CharField(required=False)
    file_1 = serializers.FileField(required=False)


class TransferInput(serializers.Serializer):
    to_user = serializers.IntegerField(help_text="id of one of the task's `transfer-targets`")
    reason = serializers.CharField()


class PersonOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")
    unit = serializers.CharField(source="unit.name", default=None)


class MeetingVoteOut(serializers.Serializer):
    member = serializers.CharField(source="member.username")
    vote = serializers.CharField()
    opinion = serializers.CharField(source="decision.comment")
    at = serializers.DateTimeField()
    signature_sha256 = serializers.CharField(source="decision.signature.sha256")


class MeetingOut(serializers.Serializer):
    """An authority body's meeting on the task (rules R4.140-R4.147)."""

    id = serializers.IntegerField(source="pk")
    body = serializers.CharField()
    status = serializers.CharField()
    secretary = serializers.CharField(source="secretary.username")
    convened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField()
    members = serializers.ListField(child=serializers.IntegerField())
    recused = serializers.ListField(child=serializers.IntegerField())
    present = serializers.ListField(child=serializers.IntegerField())
    rule = serializers.DictField()
    tally = serializers.DictField()
    minutes = serializers.IntegerField(source="minutes_id", allow_null=True)
    resolution = serializers.IntegerField(source="resolution_id", allow_null=True)
    votes = MeetingVoteOut(many=True, source="votes.all")


class ConveneInput(serializers.Serializer):
    present = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class VoteInput(serializers.Serializer):
    vote = serializers.ChoiceField(choices=list(meetings.VOTES))
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    covers = serializers.CharField(required=False, allow_blank=True,
                                   help_text="the dossier's `covers`: refused if the case file changed since")


class CloseInput(serializers.Serializer):
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(help_text="why the requester withdraws the request (required)")


class UrgeInput(serializers.Serializer):
    task = serializers.IntegerField(required=False, help_text="the open step's task id; may be left out "
                                                               "when the chain has one open step")
    message = serializers.CharField(required=False, allow_blank=True, max_length=200)


class UrgeSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True)
    task = serializers.IntegerField(source="task_id", read_only=True)
    process = serializers.IntegerField(source="process_id", read_only=True)
    next_allowed_at = serializers.SerializerMethodField()
    step_title = serializers.SerializerMethodField()

    class Meta:
        model = ChainUrge
        fields = ["id", "process", "task", "step", "step_title", "by", "at", "message", "notified",
                  "next_allowed_at"]
        read_only_fields = fields

    def get_step_title(self, urge) -> str:
        return step_titles.shown(urge.step_title)

    def get_next_allowed_at(self, urge) -> str:
        return (urge.at + interval()).isoformat()


class UrgedTooSoon(APIException):
    """Rule R4.111: the step was urged within QQ_URGE_INTERVAL_HOURS."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "urged_too_soon"


class ChainStateConflict(APIException):
    """The chain's state refuses the action (rule R4.110: a later step was decided, or the chain
    is over)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "chain_state"


class TaskClosedConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "task_closed"


def _refuse_if_closed(message: str | None) -> None:
    """A finished, rejected or cancelled task (`message`, from access.closed_message, or from
    closed_message_for on a task loaded under the lock): 409 with the reason."""
    if message:
        raise TaskClosedConflict(message)


def _refusal(exc):
    if exc.field:
        return ValidationError({exc.field: [str(exc)]})
    return PermissionDenied(str(exc))


def _verified_before_lock(request, pk) -> Verified | None:
    """Rule R8.17: a signing approval's password is checked before the chain's lock is taken,
    so a wrong or slow password check never holds the other approvers of the chain waiting.
    Only for the holder of the open task, read in one small statement (anyone else is refused
    inside the lock, where an out-of-scope task is 404); decide() takes the returned proof and
    does not check again. The failure it records commits on its own (no transaction is open
    here), as rule R4.9's lockout needs."""
    task = holders_open_task(request.user, pk)
    if task is None or not task.flow_task.signs(request.data.get("decision")):
        return None
    try:
        return verify_password(request.user, request.data.get("password", ""), task_id=task.pk,
                               request=request._request)
    except SignatureError as exc:
        raise ValidationError({"password": [str(exc)]}) from exc


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's inbox: tasks assigned to them and tasks they may claim (?show=mine|claimable);
    one task with its decision dossier."""

    serializer_class = StepSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StepInfo.objects.none()
        show = self.request.query_params.get("show", "all")
        steps = inbox.open_steps(self.request.user, mine=show in ("all", "mine"),
                                 claimable=show in ("all", "claimable"))
        return steps.select_related("owner").order_by("due_at", "pk")

    def get_serializer_class(self):
        return TaskDetailSerializer if self.action == "retrieve" else StepSerializer

    def get_object(self):
        task = get_task_for(self.request.user, self.kwargs["pk"])
        return StepInfo.objects.select_related("owner", "task", "process__debt").get(task=task)

    @extend_schema(request=None, responses={200: StepSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def claim(self, request, pk=None):
        """Take the task; of two people claiming at once exactly one wins."""
        # The chain's lock first, then the task loaded once under it (issue 20 item 3), as the
        # page's claim does; out of scope is 404 before anything else is said (rule R8.5).
        with locked_task_for(request.user, pk) as task:
            _refuse_if_closed(closed_message_for(task))
            step = task.flow_task
            if not step.can_assign(request.user, task):
                raise PermissionDenied(step.why_not(request.user, task) or _("该任务已由他人认领或已办结"))
            step.activation_class(task).assign(request.user)
        # Read back: the owner was written to StepInfo by the database (approvals migration 0027).
        return Response(StepSerializer(StepInfo.objects.select_related("owner").get(task_id=task.pk)).data)

    @extend_schema(request={"multipart/form-data": DecisionInput, "application/json": DecisionInput},
                   responses={200: ProcessSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        """Decide a claimed task: approve (signing with the password where the step asks),
        reject or return, with a reason for the last two."""
        verified = _verified_before_lock(request, pk)
        with locked_task_for(request.user, pk, deciding=True) as task:
            _refuse_if_closed(closed_message_for(task))
            step = task.flow_task
            if not step.can_execute(request.user, task):
                raise PermissionDenied(step.why_not(request.user, task) or _("请先认领该任务"))
            form = DecisionForm(request.data, request.FILES, step=step, process=task.process.coerced)
            if not form.is_valid():
                raise ValidationError(form_errors(form))
            data = form.cleaned_data
            activation = step.activation_class(task)
            activation.start(request._request)  # ASSIGNED -> STARTED, as viewflow's execute view does
            try:
                decide(activation, request.user, decision=data["decision"],
                       comment=data.get("comment", ""), attachments=data["attachments"],
                       password=data.get("password", ""), extra=form.extra(), request=request._request,
                       covers=request.data.get("covers"), verified=verified,
                       return_to=data.get("return_to") or "")
            except DecisionError as exc:
                # Refused with nothing of the decision saved (decide's own transaction); what
                # it recorded about the attempt (a wrong signing password, a lock) is kept:
                # this transaction commits before the 400 goes out.
                refusal = exc
            else:
                refusal = None
        if refusal is not None:
            raise _refusal(refusal)
        return Response(ProcessSerializer(ChainProcess.objects.get(pk=task.process_id)).data)

    @extend_schema(request=AddSignersInput, responses={201: AddedSignSerializer(many=True)})
    @action(detail=True, methods=["post"], url_path="add-signers")
    @idempotent
    def add_signers(self, request, pk=None):
        """加签 on a task the caller holds (rules R4.156-R4.158): `before` — the added people
        decide first, then the task comes back; `after` — they decide after the caller approves."""
        task = get_task_for(request.user, pk)
        incoming = AddSignersInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        people = list(User.objects.filter(pk__in=data["people"]))
        if len(people) != len(set(data["people"])):
            raise ValidationError({"people": [_("加签人：有的用户不存在")]})
        try:
            rows = added_signers.add_signers(task=task, user=request.user, people=people, mode=data["mode"],
                                             reason=data["reason"])
        except DecisionError as exc:
            raise _refusal(exc) from exc
        return Response(AddedSignSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: PersonOut(many=True)})
    @action(detail=True, methods=["get"], url_path="transfer-targets")
    def transfer_targets(self, request, pk=None):
        """The people the holder may hand this task to (转交, rule R4.130): they may take the step
        now (role, unit, four eyes)."""
        task = get_task_for(request.user, pk)
        return Response(PersonOut(transfer_targets(task), many=True).data)

    @extend_schema(request={"application/json": TransferInput, "multipart/form-data": TransferInput},
                   responses={200: StepSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def transfer(self, request, pk=None):
        """转交 (rule R4.130): the holder hands the claimed task to an eligible person, with a reason;
        recorded and notified. Another person's task: 403; a target who may not take the step: 400
        naming why."""
        task = get_task_for(request.user, pk)
        _refuse_if_closed(closed_message(task.pk))
        form = TransferForm(request.data)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        try:
            task_transfer(task=task, user=request.user, to_user=form.cleaned_data["to_user"],
                          reason=form.cleaned_data["reason"])
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DecisionError as exc:
            raise _refusal(exc) from None
        return Response(StepSerializer(StepInfo.objects.select_related("owner").get(task=task)).data)


    def _meeting_task(self, pk):
        task = get_task_for(self.request.user, pk)
        if not meetings.is_meeting_step(task):
            raise PermissionDenied(_("此步骤不是审批机构的会议表决步骤"))
        return task

    def _open_meeting(self, task):
        _refuse_if_closed(closed_message(task.pk))
        meeting = meetings.open_meeting(task)
        if meeting is None:
            raise ValidationError({"meeting": [_("本步骤没有正在表决的会议")]})
        return meeting

    @extend_schema(request=None, responses={200: MeetingOut(many=True)})
    @action(detail=True, methods=["get"], url_path="meetings")
    def meeting_list(self, request, pk=None):
        """Every meeting held on this task's chain, newest last, with its votes."""
        task = self._meeting_task(pk)
        return Response(MeetingOut(meetings.meetings_of(task.process.coerced), many=True).data)

    @extend_schema(request=ConveneInput, responses={201: MeetingOut})
    @action(detail=True, methods=["post"])
    @idempotent
    def convene(self, request, pk=None):
        """The secretary (the task's holder) opens the meeting with the members present; below
        quorum it is recorded as not quorate and the task stays open (rule R4.143)."""
        task = self._meeting_task(pk)
        _refuse_if_closed(closed_message(task.pk))
        incoming = ConveneInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            meeting = meetings.convene(task=task, secretary=request.user,
                                       present=incoming.validated_data["present"], request=request._request)
        except DecisionError as exc:
            raise _refusal(exc) from None
        return Response(MeetingOut(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VoteInput, responses={201: MeetingOut})
    @action(detail=True, methods=["post"])
    @idempotent
    def vote(self, request, pk=None):
        """A present member's vote, signed with their own password (rule R4.141)."""
        task = self._meeting_task(pk)
        meeting = self._open_meeting(task)
        incoming = VoteInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            reason = meetings.why_cannot_vote(meeting, request.user)
            if reason:
                raise DecisionError(reason)
            verified = meetings.verify_for(request.user, data["password"], task_id=task.pk,
                                           request=request._request)
            meetings.cast_vote(meeting=meeting, member=request.user, vote=data["vote"], opinion=data["opinion"],
                               verified=verified, covers=data.get("covers"))
        except DecisionError as exc:
            raise _refusal(exc) from None
        meeting.refresh_from_db()
        return Response(MeetingOut(meeting).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CloseInput, responses={200: MeetingOut})
    @action(detail=True, methods=["post"], url_path="close-meeting")
    @idempotent
    def close_meeting(self, request, pk=None):
        """The secretary ends the voting: minutes (and, passed, the resolution) into the case
        file, and the step approved or rejected (rules R4.145, R4.146)."""
        task = self._meeting_task(pk)
        meeting = self._open_meeting(task)
        incoming = CloseInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            verified = meetings.verify_for(request.user, incoming.validated_data["password"], task_id=task.pk,
                                           request=request._request)
            meeting = meetings.close(meeting=meeting, secretary=request.user, verified=verified,
                                     request=request._request)
        except DecisionError as exc:
            raise _refusal(exc) from None
        return Response(MeetingOut(meeting).data)


def _comment_action(view, request, pk):
    if request.method == "GET":
        process = get_process_for(request.user, pk)
        return Response(CommentOut(process.comments.select_related("by"), many=True).data)
    process = get_process_to_comment(request.user, pk)
    form = CommentForm(request.data)
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    try:
        comment = chain_comment(process=process, user=request.user, text=form.cleaned_data["text"])
    except DecisionError as exc:
        raise _refusal(exc) from None
    return Response(CommentOut(comment).data, status=status.HTTP_201_CREATED)


def _copy_action(view, request, pk):
    process = get_process_for(request.user, pk)
    if request.method == "GET":
        return Response(CopyOut(process.copies.select_related("user", "by", "process__debt"), many=True).data)
    if not may_copy(request.user, process):
        raise PermissionDenied(_("只有申请人或审批人可以抄送"))
    data = request.data
    users = data.getlist("users") if hasattr(data, "getlist") else data.get("users", [])
    form = CopyForm({"users": users, "note": data.get("note", "")})
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    try:
        done = copy_ad_hoc(process=process, by=request.user, users=form.cleaned_data["users"],
                           note=form.cleaned_data["note"])
    except DecisionError as exc:
        raise _refusal(exc) from None
    return Response(CopyOut(done, many=True).data, status=status.HTTP_201_CREATED)


class ChainParticipationMixin:
    """评论 and 抄送 on a chain (rules R4.120-R4.122), and the caller's 抄送我的 list."""

    @extend_schema(methods=["GET"], request=None, responses={200: CommentOut(many=True)})
    @extend_schema(methods=["POST"], request=CommentInput, responses={201: CommentOut})
    @action(detail=True, methods=["get", "post"])
    @idempotent
    def comments(self, request, pk=None):
        """GET: the chain's comments (whoever may read the chain). POST: comment, as one of the
        chain's participants (others: 404); notifies the other participants; decides nothing."""
        return _comment_action(self, request, pk)

    @extend_schema(methods=["GET"], request=None, responses={200: CopyOut(many=True)})
    @extend_schema(methods=["POST"], request=CopyInput, responses={201: CopyOut(many=True)})
    @action(detail=True, methods=["get", "post"])
    @idempotent
    def copies(self, request, pk=None):
        """GET: who was copied, by whom, when. POST: copy the chain to people, as its requester
        or one of its approvers; recorded and notified."""
        return _copy_action(self, request, pk)

    @extend_schema(request=None, responses={200: CopyOut(many=True)})
    @action(detail=False, methods=["get"], url_path="copied-to-me")
    def copied_to_me(self, request):
        """抄送我的: the copies the caller received (?sort=-at|at|chain|-chain|debt|-debt), paginated."""
        sort = request.query_params.get("sort", "-at")
        queryset = copied_to(request.user, sort if sort in COPY_SORTS else "-at")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(CopyOut(page, many=True).data)


class ChainViewSet(ChainParticipationMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Approval chain processes: start one on a debt; read one (debt in scope)."""

    # Only for the schema generator (drf-spectacular W001, which `check --deploy` fails on): every
    # action reads through get_object / the access helpers, never through this.
    queryset = ChainProcess.objects.none()
    serializer_class = ProcessSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    lookup_value_regex = r"[0-9]+"

    def get_object(self):
        return get_process_for(self.request.user, self.kwargs["pk"])

    @extend_schema(request={"multipart/form-data": StartInput}, responses={201: ProcessSerializer})
    @idempotent
    def create(self, request):
        incoming = StartInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        chain = incoming.validated_data["chain"]
        debt = get_debt_for(request.user, pk=incoming.validated_data["debt"])
        start = registry.flow_for(chain).instance.start
        form = RequestForm(request.data, request.FILES, chain=chain)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        with transaction.atomic():
            activation = start.activation_class.create(start, None, None)
            if not start.can_execute(request.user, activation.task):
                raise PermissionDenied(_("您不能发起该审批"))
            activation.start(request._request)
            try:
                process = start_chain(activation, request.user, debt, fields=form.process_fields(),
                                      attachments=form.cleaned_data["attachments"], request=request._request)
            except DecisionError as exc:
                raise _refusal(exc) from None
        return Response(ProcessSerializer(process).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"application/json": WithdrawInput, "multipart/form-data": WithdrawInput},
                   responses={200: ProcessSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        """撤回 (rule R4.110): the requester withdraws the request, with a reason, while no step
        after it has been decided: 403 for anybody else, 409 once a later step is decided or the
        chain is over, 400 without a reason."""
        process = get_process_for(request.user, pk)
        if process.requested_by_id != request.user.pk:
            raise PermissionDenied(_("只有申请人本人可以撤回申请"))
        incoming = WithdrawInput(data=request.data)
        if not incoming.is_valid():
            raise ValidationError({"reason": [_("撤回理由：必须填写")]})
        try:
            chain_withdraw(process=process, user=request.user, reason=incoming.validated_data["reason"])
        except DecisionError as exc:
            if exc.field:
                raise ValidationError({exc.field: [str(exc)]}) from None
            raise ChainStateConflict(str(exc)) from None
        return Response(ProcessSerializer(ChainProcess.objects.get(pk=process.pk)).data)

    @extend_schema(request={"application/json": UrgeInput, "multipart/form-data": UrgeInput},
                   responses={201: UrgeSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def urge(self, request, pk=None):
        """催办 (rule R4.111): remind the people an open step waits for (its holder when claimed).
        The requester or 清欠办 only (403); once per step within QQ_URGE_INTERVAL_HOURS (429, the
        message says when it is next allowed); 409 when the chain is over or the step done."""
        process = get_process_for(request.user, pk)
        if not may_urge(process, request.user):
            raise PermissionDenied(_("只有申请人或清欠办可以催办"))
        incoming = UrgeInput(data=request.data)
        if not incoming.is_valid():
            raise ValidationError(incoming.errors)
        task_id = incoming.validated_data.get("task")
        steps = StepInfo.objects.filter(process=process)
        if task_id is None:
            open_ids = list(steps.filter(open=True).values_list("task_id", flat=True)[:2])
            if len(open_ids) != 1:
                raise ValidationError({"task": [_("催办：请指明要催办的步骤（task）")]})
            task_id = open_ids[0]
        info = steps.select_related("task").filter(task_id=task_id).first()
        if info is None:
            raise ValidationError({"task": [_("催办：该任务不属于本审批链")]})
        try:
            urge = chain_urge(process=process, task=info.task, user=request.user,
                              message=incoming.validated_data.get("message", ""))
        except TooSoon as exc:
            raise UrgedTooSoon(str(exc)) from None
        except DecisionError as exc:
            if exc.field:
                raise ValidationError({exc.field: [str(exc)]}) from None
            raise ChainStateConflict(str(exc)) from None
        return Response(UrgeSerializer(urge).data, status=status.HTTP_201_CREATED)


routes = [("tasks", TaskViewSet, "api-task"), ("chains", ChainViewSet, "api-chain")]
