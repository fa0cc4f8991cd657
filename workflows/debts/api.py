"""REST API for debts and their ledger entries. The same rules as the pages: scoping by
workflows.scoping, posting through workflows.ledger via the page's own form, the same
permission test (workflows.debts.forms.may_record_entry)."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from workflows.debts.forms import LedgerEntryForm, may_record_entry
from workflows.models import Debt, LedgerEntry
from workflows.rest import MayViewDebts, form_errors
from workflows.scoping import debts_for, get_debt_for


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


routes = [("debts", DebtViewSet, "api-debt"), ("ledger-entries", LedgerEntryViewSet, "api-ledger-entry")]
