"""REST API of the reports: the aging report over the figures the caller may see."""
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from workflows.reports.aging import DIMENSIONS, aging_report
from workflows.reports.scope import report_debts
from workflows.rest import MayViewDebts


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
    """Reports over the figures the caller may see (workflows.reports.scope)."""

    permission_classes = [MayViewDebts]
    serializer_class = AgingReportSerializer
    filter_backends = []

    @extend_schema(parameters=[
        OpenApiParameter("dimension", str, enum=["unit", "handler", "category", "debtor"]),
        OpenApiParameter("as_of", OpenApiTypes.DATE)], responses=AgingReportSerializer)
    @action(detail=False, methods=["get"])
    def aging(self, request):
        """The aging report (账龄分析) grouped by unit, handler, category or debtor; at most 200 rows."""
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


routes = [("reports", ReportViewSet, "api-report")]
