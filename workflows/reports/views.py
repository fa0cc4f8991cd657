"""Report pages: the dashboard (KPIs, charts) and the aging report with its drill-down and Excel
export. Thin: every figure comes from workflows.reports.aging / kpi, every query is scoped by
workflows.reports.scope (a handler only ever gets their own numbers, whatever the URL says)."""
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views import generic

from workflows.aging import bucket_labels
from workflows.models import ClockSettings
from workflows.reports import charts, kpi
from workflows.reports import excel as excel_export
from workflows.reports.aging import DIMENSIONS, aging_report, drill_down
from workflows.reports.scope import may_open_reports, report_debts, sees_all_figures

ROWS_PER_PAGE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportAccess(LoginRequiredMixin, UserPassesTestMixin):
    def test_func(self):
        return may_open_reports(self.request.user)


class TurboFormMixin:
    """Turbo re-renders a form answered with 422 (viewflow's protocol for invalid forms)."""

    def invalid(self, context):
        response = self.render_to_response(context)
        response.status_code = 422 if self.request.META.get("HTTP_X_REQUEST_FRAMEWORK") == "Turbo" else 200
        return response


def _as_of(request):
    raw = request.GET.get("as_of")
    if not raw:
        return timezone.localdate(), None
    try:
        parsed = parse_date(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        return timezone.localdate(), _("截至日期“%(v)s”不是有效日期（格式：2025-06-30）") % {"v": raw}
    return parsed, None


def _dimension(request):
    dim = request.GET.get("dim", "unit")
    return dim if dim in DIMENSIONS else "unit"


def quarter_from(params):
    today = timezone.localdate()
    try:
        year = int(params.get("year") or today.year)
        quarter = int(params.get("quarter") or (today.month - 1) // 3 + 1)
    except ValueError:
        return today.year, (today.month - 1) // 3 + 1, _("年度或季度不是数字")
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        return today.year, (today.month - 1) // 3 + 1, _("季度须为 1 到 4，年度须在 2000 到 2100 之间")
    return year, quarter, None


class DashboardView(ReportAccess, generic.TemplateView):
    """总经理 / 清欠小组 dashboard: key figures of a quarter, aging buckets, 12-month trend."""

    template_name = "workflows/reports_dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        year, quarter, error = quarter_from(self.request.GET)
        start, end = kpi.quarter_bounds(year, quarter)
        today = timezone.localdate()
        as_of = min(end, today)
        debts = report_debts(user)
        figures = kpi.kpis(debts, start, min(end, today) if start <= today else end)
        report = aging_report(debts, as_of, "unit", limit=0)
        trend = kpi.monthly_trend(debts, as_of)
        return super().get_context_data(
            year=year, quarter=quarter, error=error, figures=figures, report=report, as_of=as_of,
            all_figures=sees_all_figures(user),
            bucket_chart=charts.bar_chart(list(zip(report.labels, report.totals, strict=True))),
            trend_chart=charts.line_chart([(_("%(m)s月") % {"m": m.month}, [t, o]) for m, t, o, _r in trend],
                                          [_("应收余额"), _("逾期余额")]),
            recovered_chart=charts.bar_chart([(_("%(m)s月") % {"m": m.month}, r) for m, _t, _o, r in trend]),
            quarters=[1, 2, 3, 4], **kwargs)


class AgingReportView(ReportAccess, generic.TemplateView):
    template_name = "workflows/reports_aging.html"

    def get_context_data(self, **kwargs):
        as_of, error = _as_of(self.request)
        dim = _dimension(self.request)
        debts = report_debts(self.request.user)
        try:
            wanted = max(int(self.request.GET.get("page", 1)), 1)
        except ValueError:
            wanted = 1
        report = aging_report(debts, as_of, dim, offset=(wanted - 1) * ROWS_PER_PAGE, limit=ROWS_PER_PAGE)
        paginator = Paginator(range(report.groups), ROWS_PER_PAGE)
        page = paginator.get_page(wanted)
        if page.number != wanted:  # past the end: show the last page
            report = aging_report(debts, as_of, dim, offset=(page.number - 1) * ROWS_PER_PAGE, limit=ROWS_PER_PAGE)
        return super().get_context_data(
            report=report, as_of=as_of, dim=dim, dimensions=DIMENSIONS, error=error, page_obj=page,
            paginator=paginator, bucket_range=range(len(report.labels)),
            chart=charts.bar_chart(list(zip(report.labels, report.totals, strict=False))), **kwargs)


def aging_export(request):
    if not request.user.is_authenticated:
        return HttpResponseRedirect(f"{reverse('login')}?next={request.get_full_path()}")
    if not may_open_reports(request.user):
        raise PermissionDenied
    as_of, error = _as_of(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    dim = _dimension(request)
    report = aging_report(report_debts(request.user), as_of, dim)
    response = HttpResponse(excel_export.aging_workbook(report), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="aging-{dim}-{as_of.isoformat()}.xlsx"'
    return response


class AgingDrillView(ReportAccess, generic.ListView):
    template_name = "workflows/reports_aging_debts.html"
    paginate_by = ROWS_PER_PAGE

    def get_queryset(self):
        self.as_of, self.error = _as_of(self.request)
        self.dim = _dimension(self.request)
        key = self.request.GET.get("key", "")
        bucket = self.request.GET.get("bucket")
        try:
            self.bucket = int(bucket) if bucket not in (None, "") else None
        except ValueError:
            raise Http404("bad bucket") from None
        if self.dim != "category":
            try:
                key = int(key)
            except ValueError:
                raise Http404("bad key") from None
        self.key = key
        return drill_down(report_debts(self.request.user), self.as_of, self.dim, key, self.bucket)

    def get_context_data(self, **kwargs):
        labels = bucket_labels(ClockSettings.load().buckets)
        return super().get_context_data(
            as_of=self.as_of, dim=self.dim, key=self.key, bucket=self.bucket, error=self.error,
            bucket_label=labels[self.bucket] if self.bucket is not None and self.bucket < len(labels) else "",
            **kwargs)
