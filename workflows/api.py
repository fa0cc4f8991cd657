"""REST API for debts and their ledger entries. The same rules as the pages: scoping by
workflows.scoping, posting through workflows.ledger via the page's own form, the same
permission test (workflows.forms.may_record_entry)."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from .forms import LedgerEntryForm, may_record_entry
from .models import Debt, LedgerEntry
from .scoping import debts_for, get_debt_for


class MayViewDebts(permissions.BasePermission):
    message = _("没有查看债权的权限")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_perm("workflows.view_debt"))


class DebtSerializer(serializers.ModelSerializer):
    debtor = serializers.CharField(source="debtor.name", read_only=True)
    contract = serializers.CharField(source="contract.number", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    handler = serializers.CharField(source="handler.username", read_only=True)
    responsible = serializers.CharField(source="responsible.username", read_only=True)

    class Meta:
        model = Debt
        fields = ["id", "code", "state", "category", "debtor", "contract", "unit", "handler", "responsible",
                  "due_date", "balance", "written_off_amount", "key_monitoring"]
        read_only_fields = fields


class LedgerEntrySerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = LedgerEntry
        fields = ["id", "debt", "kind", "amount", "date", "reference", "created_by"]
        read_only_fields = fields


class LedgerEntryInput(serializers.Serializer):
    kind = serializers.CharField(max_length=20)
    amount = serializers.CharField(max_length=24)
    date = serializers.CharField(max_length=10)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


def form_errors(form):
    """A form's errors as {field: ["中文: problem"]} — each message names its field."""
    out = {}
    for field, errors in form.errors.items():
        label = str(form.fields[field].label) if field in form.fields else ""
        out[field] = [e if not label or str(e).startswith(label) else f"{label}：{e}" for e in errors]
    return out


class DebtViewSet(viewsets.ReadOnlyModelViewSet):
    """Debts in the caller's units (group-level roles: all). Outside the scope: 404."""

    serializer_class = DebtSerializer
    lookup_value_regex = r"[0-9]+"  # anything else is 404 at the URL, not a 500 in the query
    permission_classes = [MayViewDebts]
    filterset_fields = {"state": ["exact"], "category": ["exact"], "code": ["exact", "icontains"],
                        "unit__code": ["exact"], "key_monitoring": ["exact"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Debt.objects.none()
        return debts_for(self.request.user).select_related(
            "debtor", "contract", "unit", "handler", "responsible").order_by("code")

    def get_object(self):
        return get_debt_for(self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=LedgerEntryInput, responses={200: LedgerEntrySerializer(many=True),
                                                        201: LedgerEntrySerializer})
    @action(detail=True, methods=["get", "post"], url_path="entries")
    def entries(self, request, pk=None):
        """GET: the debt's ledger entries. POST: record one (same rules as the debt page)."""
        debt = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(debt.entries.select_related("created_by").order_by("date", "pk"))
            return self.get_paginated_response(LedgerEntrySerializer(page, many=True).data)
        if not may_record_entry(request.user, debt):
            raise PermissionDenied(_("您不能为该债权录入台账分录"))
        incoming = LedgerEntryInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        form = LedgerEntryForm(incoming.validated_data, debt=debt)
        entry = form.save(by=request.user) if form.is_valid() else None
        if entry is None:
            raise ValidationError(form_errors(form))
        return Response(LedgerEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class LedgerEntryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Ledger entries of every debt in scope (read only; record them under /debts/{id}/entries/)."""

    serializer_class = LedgerEntrySerializer
    permission_classes = [MayViewDebts]
    filterset_fields = {"kind": ["exact"], "debt": ["exact"], "date": ["gte", "lte"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LedgerEntry.objects.none()
        return LedgerEntry.objects.filter(debt__in=debts_for(self.request.user)).select_related(
            "created_by").order_by("-date", "-pk")




# --- warnings and reports ----------------------------------------------------------------

class DebtWarningSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    state = serializers.CharField()
    balance = serializers.DecimalField(max_digits=18, decimal_places=2)
    key_monitoring = serializers.BooleanField()
    limitation_deadline = serializers.DateField(source="clock.limitation_deadline", default=None)
    warning_days = serializers.IntegerField(source="clock.warning_days", default=None)
    lapsed = serializers.BooleanField(source="clock.lapsed", default=False)
    needs_review = serializers.BooleanField(source="clock.needs_review", default=False)
    over_credit_limit = serializers.BooleanField(source="clock.over_credit_limit", default=False)
    over_safe_aging = serializers.BooleanField(source="clock.over_safe_aging", default=False)


class AccountabilitySerializer(serializers.Serializer):
    debt = serializers.IntegerField(source="debt_id")
    code = serializers.CharField(source="debt.code")
    handler = serializers.CharField(source="handler.username")
    responsible = serializers.CharField(source="responsible.username")
    entered_overdue_on = serializers.DateField()
    rule = serializers.CharField()
    balance = serializers.DecimalField(max_digits=18, decimal_places=2)
    recovered_on = serializers.DateField(allow_null=True)


class WarningViewSet(viewsets.GenericViewSet):
    """The warnings pages' lists (预警): ?kind=limitation|lapsed|key|limits|accountability and
    ?scope=mine|all, answered by the pages' own view (workflows.warnings_views)."""

    permission_classes = [MayViewDebts]
    serializer_class = DebtWarningSerializer
    filter_backends = []

    def _page_view(self):
        from .warnings_views import KINDS, WarningsView

        kind = self.request.query_params.get("kind", "limitation")
        if kind not in KINDS:
            raise ValidationError({"kind": [_("预警类型：应为 %(kinds)s 之一") % {"kinds": "、".join(KINDS)}]})
        view = WarningsView(kind=kind)
        view.setup(self.request._request)
        return view

    @extend_schema(parameters=[
        OpenApiParameter("kind", str, enum=["limitation", "lapsed", "key", "limits", "accountability"]),
        OpenApiParameter("scope", str, enum=["mine", "all"])])
    def list(self, request):
        view = self._page_view()
        page = self.paginate_queryset(view.get_queryset())
        serializer = AccountabilitySerializer if view.kind == "accountability" else DebtWarningSerializer
        return self.get_paginated_response(serializer(page, many=True).data)


class AgingRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    buckets = serializers.ListField(child=serializers.DecimalField(max_digits=18, decimal_places=2))
    total = serializers.DecimalField(max_digits=18, decimal_places=2)
    count = serializers.IntegerField()


class AgingReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    dimension = serializers.CharField()
    labels = serializers.ListField(child=serializers.CharField())
    rows = AgingRowSerializer(many=True)
    totals = serializers.ListField(child=serializers.DecimalField(max_digits=18, decimal_places=2))
    total = serializers.DecimalField(max_digits=18, decimal_places=2)
    count = serializers.IntegerField()
    groups = serializers.IntegerField()


class ReportViewSet(viewsets.GenericViewSet):
    """Reports over the figures the caller may see (workflows.report_scope)."""

    permission_classes = [MayViewDebts]
    serializer_class = AgingReportSerializer
    filter_backends = []

    @extend_schema(parameters=[
        OpenApiParameter("dimension", str, enum=["unit", "handler", "category", "debtor"]),
        OpenApiParameter("as_of", OpenApiTypes.DATE)], responses=AgingReportSerializer)
    @action(detail=False, methods=["get"])
    def aging(self, request):
        """The aging report (账龄分析) grouped by unit, handler, category or debtor; at most 200 rows."""
        from django.utils import timezone
        from django.utils.dateparse import parse_date

        from .aging_report import DIMENSIONS, aging_report
        from .report_scope import report_debts

        dimension = request.query_params.get("dimension", "unit")
        if dimension not in DIMENSIONS:
            raise ValidationError({"dimension": [_("分组维度：应为 unit、handler、category、debtor 之一")]})
        raw = request.query_params.get("as_of")
        try:
            as_of = parse_date(raw) if raw else timezone.localdate()
        except ValueError:
            as_of = None
        if as_of is None:
            raise ValidationError({"as_of": [_("截止日期：格式应为 YYYY-MM-DD")]})
        report = aging_report(report_debts(request.user), as_of, dimension=dimension, limit=200)
        return Response(AgingReportSerializer(report).data)


routes = [("debts", DebtViewSet, "api-debt"), ("ledger-entries", LedgerEntryViewSet, "api-ledger-entry"),
          ("warnings", WarningViewSet, "api-warning"), ("reports", ReportViewSet, "api-report")]
