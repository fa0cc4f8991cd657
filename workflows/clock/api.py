"""REST API of the warnings pages (预警): the pages' own querysets (workflows.clock.views)."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from workflows.clock.views import KINDS, WarningsView
from workflows.rest import MayViewDebts


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
    ?scope=mine|all, answered by the pages' own view (workflows.clock.views)."""

    permission_classes = [MayViewDebts]
    serializer_class = DebtWarningSerializer
    filter_backends = []

    def _page_view(self):
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


routes = [("warnings", WarningViewSet, "api-warning")]
