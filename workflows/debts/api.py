"""REST API for debts and their ledger entries. The same rules as the pages: scoping by
workflows.scoping, posting through workflows.ledger via the page's own form, the same
permission test (workflows.debts.forms.may_record_entry)."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from workflows.debts.forms import LedgerEntryForm, LiftSupplyStopForm, may_record_entry
from workflows.models import Debt, Debtor, LedgerEntry
from workflows.rest import MayViewDebts, form_errors, idempotent
from workflows.scoping import debtors_for, debts_for, get_debt_for, get_debtor_for
from workflows.supply import may_lift
from workflows.supply import statuses as supply_statuses


def _supply(serializer, debtor_id):
    """The stop-supply status of a debtor; the view computes a page's at once (rule R3.12)."""
    cache = serializer.context.setdefault("supply", {})
    if debtor_id not in cache:
        cache.update(supply_statuses([debtor_id]))
    return cache[debtor_id]


class DebtSerializer(serializers.ModelSerializer):
    debtor = serializers.CharField(source="debtor.name", read_only=True)
    debtor_supply_stopped = serializers.SerializerMethodField(
        help_text="停止供货：债务人有未解除的逾期欠款（规则 R3.12）")
    contract = serializers.CharField(source="contract.number", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    handler = serializers.CharField(source="handler.username", read_only=True)
    responsible = serializers.CharField(source="responsible.username", read_only=True)

    class Meta:
        model = Debt
        fields = ["id", "code", "state", "category", "debtor", "debtor_id", "debtor_supply_stopped", "contract", "unit",
                  "handler", "responsible", "due_date", "balance", "written_off_amount", "key_monitoring"]
        read_only_fields = fields

    def get_debtor_supply_stopped(self, debt) -> bool:
        return _supply(self, debt.debtor_id).stopped


class DebtorSerializer(serializers.ModelSerializer):
    supply_stopped = serializers.SerializerMethodField(help_text="停止供货（规则 R3.12）")
    overdue_arrears = serializers.SerializerMethodField(help_text="逾期欠款（元）")
    overdue_debts = serializers.SerializerMethodField(help_text="逾期债权编号")
    supply_stop_lifted = serializers.SerializerMethodField(help_text="最近一次解除：解除人、时间、原因")

    class Meta:
        model = Debtor
        fields = ["id", "name", "credit_code", "supply_stopped", "overdue_arrears", "overdue_debts",
                  "supply_stop_lifted"]
        read_only_fields = fields

    def get_supply_stopped(self, debtor) -> bool:
        return _supply(self, debtor.pk).stopped

    def get_overdue_arrears(self, debtor) -> str:
        return str(_supply(self, debtor.pk).arrears)

    def get_overdue_debts(self, debtor) -> list[str]:
        return _supply(self, debtor.pk).codes

    def get_supply_stop_lifted(self, debtor) -> dict | None:
        lift = _supply(self, debtor.pk).lift
        if lift is None:
            return None
        return {"by": lift.lifted_by.username, "at": lift.lifted_at.isoformat(), "reason": lift.reason,
                "arrears": str(lift.arrears)}


class LiftSupplyStopInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


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

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":  # the page's stop-supply flags in two queries
            self._supply = supply_statuses({debt.debtor_id for debt in page})
        return page

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "supply": getattr(self, "_supply", {})}

    @extend_schema(request=LedgerEntryInput, responses={200: LedgerEntrySerializer(many=True),
                                                        201: LedgerEntrySerializer})
    @action(detail=True, methods=["get", "post"], url_path="entries")
    @idempotent
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


class DebtorViewSet(viewsets.ReadOnlyModelViewSet):
    """Debtors with a debt in the caller's scope (group-level roles: all), with the stop-supply
    flag (rule R3.12). Outside the scope: 404."""

    serializer_class = DebtorSerializer
    lookup_value_regex = r"[0-9]+"
    permission_classes = [MayViewDebts]
    filterset_fields = {"credit_code": ["exact"], "name": ["exact", "icontains"]}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Debtor.objects.none()
        return debtors_for(self.request.user).order_by("name", "pk")

    def get_object(self):
        return get_debtor_for(self.request.user, pk=self.kwargs["pk"])

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None and self.action == "list":
            self._supply = supply_statuses({debtor.pk for debtor in page})
        return page

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "supply": getattr(self, "_supply", {})}

    @extend_schema(request=LiftSupplyStopInput, responses={200: DebtorSerializer})
    @action(detail=True, methods=["post"], url_path="lift-supply-stop")
    def lift_supply_stop(self, request, pk=None):
        """清欠办 lifts the debtor's stop-supply flag with a recorded reason (same rules as the page)."""
        debtor = self.get_object()
        if not may_lift(request.user):
            raise PermissionDenied(_("只有清欠办可以解除停止供货"))
        form = LiftSupplyStopForm(request.data)
        if not form.is_valid() or form.save(debtor=debtor, by=request.user) is None:
            raise ValidationError(form_errors(form))
        return Response(DebtorSerializer(debtor, context={"supply": {}}).data)


routes = [("debts", DebtViewSet, "api-debt"), ("ledger-entries", LedgerEntryViewSet, "api-ledger-entry"),
          ("debtors", DebtorViewSet, "api-debtor")]
