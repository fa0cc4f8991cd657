"""Journey: the 总经理 logs in, opens the 清欠 dashboard, sees the aging chart and the key
figures, and exports the aging report; the downloaded workbook's total is checked."""
import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests import factories as f

pytestmark = pytest.mark.browser


@pytest.fixture
def debts(org, people):
    today = timezone.localdate()
    f.debt(org["a"], people["handler"], amount="1000.00", due=today - timedelta(days=45))
    f.debt(org["a"], people["handler"], amount="2500.50", due=today - timedelta(days=400))
    f.debt(org["b"], people["handler_b"], amount="700.00", due=today + timedelta(days=10))


def test_gm_opens_dashboard_and_exports_aging_report(page, login, people, debts):
    login(page, "gm")
    page.goto("/reports/")
    expect(page.locator("h1")).to_contain_text("清欠看板")
    chart = page.locator("#bucket-chart svg.qq-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.qq-bar")).to_have_count(8)
    expect(chart.locator('rect.qq-bar[data-value="2500.50"]')).to_have_count(1)
    expect(page.locator("#trend-chart svg.qq-chart polyline.qq-line")).to_have_count(2)
    # receivables come from the ledger: the unit B invoice is dated on its due date, still ahead
    expect(page.locator("#kpi-receivables")).to_contain_text("3,500.50")

    with page.expect_download() as info:
        page.locator("#export-aging").click()
    download = info.value
    assert download.suggested_filename.startswith("aging-unit-") and download.suggested_filename.endswith(".xlsx")
    ws = load_workbook(BytesIO(Path(download.path()).read_bytes())).active
    assert ws["A1"].value == "单位"
    total_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
    assert Decimal(str(ws.cell(total_row, 11).value)) == Decimal("4200.50")
    assert ws.cell(total_row, 2).value == 3

    page.locator("#open-aging").click()
    expect(page.locator("#aging-total")).to_contain_text("4,200.50")


def test_handler_submits_plan_and_committee_approves_in_the_browser(page, context, login, people, debts):
    login(page, "handler_a")
    page.goto("/reports/plans/")
    page.fill("#id_annual_target", "12000.00")
    for month in range(1, 13):
        page.fill(f"#id_m{month}", "1000.00")
    page.locator("#submit-plan").click()
    expect(page.locator("#plans-table")).to_contain_text("已提交")
    page.goto("/reports/costs/")
    expect(page.locator("#cost-form")).to_be_visible()

    committee = context.new_page()
    login(committee, "committee")
    committee.goto("/reports/plans/?year=" + str(timezone.localdate().year))
    committee.locator("#plans-table button.review-claim").click()
    expect(committee).not_to_have_url(re.compile(r"/reports/plans/"))
    committee.goto("/reports/plans/?year=" + str(timezone.localdate().year))
    committee.locator("#plans-table").get_by_role("link", name="审批", exact=True).click()
    expect(committee.get_by_role("button", name="批准")).to_be_visible()
    committee.get_by_role("button", name="批准").click()
    expect(committee.locator("#plans-table")).to_contain_text("已批准")
    committee.goto("/reports/assessments/")
    expect(committee.locator("#assessments-table")).to_be_visible()
