"""The quarterly clearing report (rule R6.19): due by the configured day of the month after the
quarter; late and missing reports show; one per person and quarter, with the ledger's figures."""
from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests import factories as f
from workflows import ledger, roles
from workflows.exceptions import QuarterlyReportError
from workflows.models import ClockSettings, EntryKind, QuarterlyReport
from workflows.plans import quarterly

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SH)


def test_due_day_is_configured():
    assert quarterly.due_date(2026, 1) == date(2026, 4, 15)
    assert quarterly.due_date(2025, 4) == date(2026, 1, 15)
    settings = ClockSettings.load()
    settings.quarterly_report_due_day = 10
    settings.save()
    assert quarterly.due_date(2026, 2) == date(2026, 7, 10)


def test_on_time_late_once_and_refusals(org, people):
    resp = people["responsible"]
    debt = f.debt(org["a"], people["handler"], resp, amount="5000.00", due=date(2025, 12, 31))
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, D("1200.00"), date(2026, 2, 10), by=people["finance"])
    with time_machine.travel(at(2026, 3, 31, 18, 0), tick=False), pytest.raises(QuarterlyReportError, match="尚未结束"):
        quarterly.submit_report(person=resp, year=2026, quarter=1, analysis="x")
    with time_machine.travel(at(2026, 4, 15, 23, 30), tick=False):  # 15:30 UTC: still the 15th in Shanghai
        with pytest.raises(QuarterlyReportError, match="总结分析报告：必须填写"):
            quarterly.submit_report(person=resp, year=2026, quarter=1, analysis="  ")
        with pytest.raises(QuarterlyReportError, match="第一责任人"):
            quarterly.submit_report(person=people["handler"], year=2026, quarter=1, analysis="分析")
        report = quarterly.submit_report(person=resp, year=2026, quarter=1, analysis="一季度收回 1,200 元")
        assert report.late is False and report.due_on == date(2026, 4, 15)
        assert D(report.figures["recovered"]) == D("1200.00")
        assert D(report.figures["opening_receivables"]) == D("5000.00")
        assert D(report.figures["closing_receivables"]) == D("3800.00")
        with pytest.raises(QuarterlyReportError, match="不能重复上报"):
            quarterly.submit_report(person=resp, year=2026, quarter=1, analysis="again")
    other = f.user("resp_b", roles.RESPONSIBLE, org["b"])
    with time_machine.travel(at(2026, 4, 16, 0, 30), tick=False):  # the 16th in Shanghai, the 15th in UTC
        assert quarterly.submit_report(person=other, year=2026, quarter=1, analysis="迟交").late is True
    assert QuarterlyReport.objects.count() == 2


def test_the_page_shows_late_and_missing_reports(client, org, people):
    resp = people["responsible"]
    late = f.user("resp_late", roles.RESPONSIBLE, org["a"])
    missing = f.user("resp_missing", roles.RESPONSIBLE, org["b"])
    url = reverse("reports:quarterly")
    with time_machine.travel(at(2026, 4, 10, 9, 0), tick=False):
        client.force_login(resp)
        page = client.get(f"{url}?year=2026&quarter=1").content.decode()
        assert "2026-04-15（含）前上报" in page and 'id="submit-report"' in page
        # only their own row
        assert f'data-person="{resp.username}"' in page and 'data-person="resp_missing"' not in page
        refused = client.post(url, {"year": "2026", "quarter": "1", "analysis": ""})
        assert "总结分析报告：必须填写" in refused.content.decode()
        done = client.post(url, {"year": "2026", "quarter": "1", "analysis": "按计划推进"}, follow=True)
        assert "已上报 2026 年第 1 季度清欠报告" in done.content.decode()
    with time_machine.travel(at(2026, 4, 20, 9, 0), tick=False):
        quarterly.submit_report(person=late, year=2026, quarter=1, analysis="迟交")
        client.force_login(people["committee"])
        committee_page = client.get(f"{url}?year=2026&quarter=1").content.decode()
    rows = {name: committee_page.split(f'data-person="{name}"')[1].split("</tr>")[0]
            for name in (resp.username, late.username, missing.username)}
    assert "按时上报" in rows[resp.username]
    assert "逾期上报" in rows[late.username]
    assert "逾期未报" in rows[missing.username]
    with time_machine.travel(at(2026, 4, 12, 9, 0), tick=False):
        before_due = client.get(f"{url}?year=2026&quarter=1").content.decode()
    assert "待上报" in before_due.split(f'data-person="{missing.username}"')[1].split("</tr>")[0]
