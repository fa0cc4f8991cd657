"""The quarterly clearing report (季度清欠报告, rule R6.19): each responsible person (第一责任人)
reports their receivables of the quarter — the 应收款项管理报表, figures taken from the ledger
when they submit — with a written analysis (总结分析报告), by the configured day of the month
after the quarter [default 15: "每季末15日前"]; one report per person and quarter, never
changed. A report after that day is marked late; a missing one shows as overdue once the day
has passed."""
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import roles
from workflows.exceptions import QuarterlyReportError
from workflows.models import ClockSettings, Debt, QuarterlyReport, User
from workflows.reports import kpi
from workflows.reports.scope import sees_all_figures

FIGURES = ("opening_receivables", "credit_sales", "recovered", "closing_receivables", "closing_overdue",
           "recovery_rate", "overdue_ratio")


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def due_date(year: int, quarter: int, day: int | None = None) -> date:
    """The configured day of the month after the quarter (Q1 → 15 April by default)."""
    day = day or ClockSettings.load().quarterly_report_due_day
    return date(year + 1, 1, day) if quarter == 4 else date(year, 3 * quarter + 1, day)


def may_report(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.groups.filter(name=roles.RESPONSIBLE).exists()


def submit_report(*, person: User, year: int, quarter: int, analysis: str,
                  now: datetime | None = None) -> QuarterlyReport:
    """Record `person`'s report for the quarter, with their figures as they stand now."""
    now = now or timezone.now()
    if not may_report(person):
        raise QuarterlyReportError(_("只有第一责任人上报季度清欠报告"))
    if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
        raise QuarterlyReportError(_("季度：须为 1 到 4，年度须在 2000 到 2100 之间"))
    start, end = quarter_bounds(year, quarter)
    if timezone.localtime(now).date() <= end:
        raise QuarterlyReportError(_("季度：%(year)s 年第 %(q)s 季度尚未结束，结束后才能上报") % {
            "year": year, "q": quarter})
    analysis = (analysis or "").strip()
    if not analysis:
        raise QuarterlyReportError(_("总结分析报告：必须填写"))
    figures = kpi.kpis(Debt.objects.filter(responsible=person), start, end)
    due = due_date(year, quarter)
    try:
        with transaction.atomic():
            return QuarterlyReport.objects.create(
                person=person, year=year, quarter=quarter, analysis=analysis, submitted_at=now, due_on=due,
                late=timezone.localtime(now).date() > due,
                figures={name: str(getattr(figures, name)) for name in FIGURES})
    except IntegrityError:
        raise QuarterlyReportError(_("%(year)s 年第 %(q)s 季度的报告已上报，不能重复上报") % {
            "year": year, "q": quarter}) from None


@dataclass
class Row:
    person: User
    report: QuarterlyReport | None
    due_on: date
    overdue: bool  # missing after the due day

    @property
    def late(self) -> bool:
        return self.overdue or bool(self.report and self.report.late)


def status(user: User, year: int, quarter: int, today: date | None = None) -> list[Row]:
    """Each responsible person's report of the quarter, as `user` may see them (all for the
    steering roles, else their own)."""
    today = today or timezone.localdate()
    due = due_date(year, quarter)
    people = User.objects.filter(is_active=True, groups__name=roles.RESPONSIBLE).order_by("username")
    if not sees_all_figures(user):
        people = people.filter(pk=user.pk)
    reports = {r.person_id: r for r in QuarterlyReport.objects.filter(year=year, quarter=quarter, person__in=people)}
    return [Row(p, reports.get(p.pk), reports[p.pk].due_on if p.pk in reports else due,
                p.pk not in reports and today > due) for p in people]
