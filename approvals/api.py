"""REST API for the approval chains: start a chain, the inbox, claim and complete a task.
Every rule is the approvals app's own: inbox.open_steps, the node's can_assign/can_execute
(four-eyes, roles, units), chain_requests.start_chain and decisions.decide, validated by the
pages' forms; claims and decisions run under the flow's lock like the pages."""
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from workflows.models import User
from workflows.rest import form_errors, idempotent
from workflows.scoping import get_debt_for

from . import added_signers, inbox, registry
from .access import get_process_for, get_task_for
from .chain_requests import start_chain
from .conflicts import closed_message
from .decisions import decide
from .dossier import dossier
from .exceptions import DecisionError, SignatureError
from .forms import DecisionForm, RequestForm
from .models import AddedSign, AddedSignMode, Chain, ChainProcess, StepInfo
from .signatures import Verified, verify_password


class StepSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="task_id", read_only=True)
    process = serializers.IntegerField(source="process_id", read_only=True)
    debt = serializers.IntegerField(source="debt_id", read_only=True)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)

    class Meta:
        model = StepInfo
        fields = ["id", "process", "debt", "chain", "step", "step_title", "role", "owner", "due_at"]
        read_only_fields = fields


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
    decision = serializers.CharField(default="")
    by = serializers.CharField(default=None)
    at = serializers.DateTimeField(default=None)
    comment = serializers.CharField(default="")


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


class TaskDetailSerializer(StepSerializer):
    dossier = serializers.SerializerMethodField()

    class Meta(StepSerializer.Meta):
        fields = [*StepSerializer.Meta.fields, "dossier"]
        read_only_fields = fields

    def get_dossier(self, info) -> DossierOut:
        process = info.process
        return DossierOut(dossier(process, info.task.flow_task)).data


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
    decision = serializers.ChoiceField(choices=["approve", "reject", "return"])
    comment = serializers.CharField(required=False, allow_blank=True)
    password = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    appraised_value = serializers.CharField(required=False)
    covers = serializers.CharField(required=False, allow_blank=True,
                                   help_text="the dossier's `covers`: refused if the case file changed since")
    doc_type_1 = serializers.CharField(required=False)
    file_1 = serializers.FileField(required=False)


class TaskClosedConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "task_closed"


def _refuse_if_closed(task):
    """A finished, rejected or cancelled task: 409 with the reason (approvals.conflicts)."""
    message = closed_message(task.pk)
    if message:
        raise TaskClosedConflict(message)


def _refusal(exc):
    if exc.field:
        return ValidationError({exc.field: [str(exc)]})
    return PermissionDenied(str(exc))


def _verified_before_lock(request, task) -> Verified | None:
    """Rule R8.17: a signing approval's password is checked before the chain's lock is taken,
    so a wrong or slow password check never holds the other approvers of the chain waiting.
    Only for the task's holder; decide() takes the returned proof and does not check again. The
    failure it records commits on its own (no transaction is open here), as rule R4.9's lockout
    needs."""
    step = task.flow_task
    if not (step.signs(request.data.get("decision")) and step.can_execute(request.user, task)):
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
        task = get_task_for(request.user, pk)
        with task.flow_task.flow_class.lock(task.process_id), transaction.atomic():
            task.refresh_from_db()
            _refuse_if_closed(task)
            step = task.flow_task
            if not step.can_assign(request.user, task):
                raise PermissionDenied(step.why_not(request.user, task) or _("该任务已由他人认领或已办结"))
            step.activation_class(task).assign(request.user)
        return Response(StepSerializer(StepInfo.objects.get(task=task)).data)

    @extend_schema(request={"multipart/form-data": DecisionInput, "application/json": DecisionInput},
                   responses={200: ProcessSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request, pk=None):
        """Decide a claimed task: approve (signing with the password where the step asks),
        reject or return, with a reason for the last two."""
        task = get_task_for(request.user, pk)
        verified = _verified_before_lock(request, task)
        with task.flow_task.flow_class.lock(task.process_id), transaction.atomic():
            task.refresh_from_db()
            _refuse_if_closed(task)
            step = task.flow_task
            if not step.can_execute(request.user, task):
                raise PermissionDenied(step.why_not(request.user, task) or _("请先认领该任务"))
            form = DecisionForm(request.data, request.FILES, step=step)
            if not form.is_valid():
                raise ValidationError(form_errors(form))
            data = form.cleaned_data
            activation = step.activation_class(task)
            activation.start(request._request)  # ASSIGNED -> STARTED, as viewflow's execute view does
            try:
                decide(activation, request.user, decision=data["decision"],
                       comment=data.get("comment", ""), attachments=data["attachments"],
                       password=data.get("password", ""), extra=form.extra(), request=request._request,
                       covers=request.data.get("covers"), verified=verified)
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
        if task.owner_id != request.user.pk:
            raise PermissionDenied(_("只有已认领该任务的审批人可以加签"))
        people = list(User.objects.filter(pk__in=data["people"]))
        if len(people) != len(set(data["people"])):
            raise ValidationError({"people": [_("加签人：有的用户不存在")]})
        try:
            rows = added_signers.add_signers(task=task, user=request.user, people=people, mode=data["mode"],
                                             reason=data["reason"])
        except DecisionError as exc:
            raise _refusal(exc) from exc
        return Response(AddedSignSerializer(rows, many=True).data, status=status.HTTP_201_CREATED)


class ChainViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Approval chain processes: start one on a debt; read one (debt in scope)."""

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


routes = [("tasks", TaskViewSet, "api-task"), ("chains", ChainViewSet, "api-chain")]
