"""Journey: finance uploads the workbook they really have (two sheets, a title row, 合计 rows,
a notes sheet), leaves the notes sheet out, reads the preview and commits with one click
(rule R2.17)."""
import io
from datetime import datetime

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from workflows.credit_code import make_code
from workflows.ledger_import.parsing import HEADERS
from workflows.models import Debt

pytestmark = pytest.mark.browser


def workbook(path):
    wb = Workbook()
    first = wb.active
    first.title = "第一分公司"
    first.append(["2026 年应收账款台账"])
    first.merge_cells("A1:J1")
    first.append(["单位名称", "客户名称", "统一社会信用代码", "合同号", "合同金额（元）", "到期日", "款项类别",
                  "应收金额(元)", "经办人", "责任人"])
    first.append(["A", "甲建设有限公司", make_code("91110000100000001"), "HT-1", "100,000.00", "2026年3月1日",
                  "应收账款-进度款", "¥1,234.50", "handler_a", "resp_a"])
    first.append(["小计", None, None, None, None, None, None, "1,234.50"])
    second = wb.create_sheet("一项目部")
    second.append(HEADERS)
    second.append(["A1", "乙贸易有限公司", make_code("91110000100000002"), "XM-7", 5000, datetime(2026, 6, 30),
                   "应收账款-质保金/保修金", "800.10元", "handler_a", "resp_a"])
    notes = wb.create_sheet("说明")
    notes.append(["本工作簿由财务部整理，数据截至 2026-03-31"])
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_finance_previews_chooses_sheets_and_commits(page, login, people, tmp_path, shot):
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "finance_a")
    page.goto("/workflows/import/")
    expect(page.locator("#template-link")).to_be_visible()
    page.set_input_files("input[type=file]", str(workbook(tmp_path / "台账.xlsx")))
    page.get_by_role("button", name="上传并预览").click()

    result = page.locator("#import-result")
    expect(result).to_contain_text("未导入任何数据", timeout=20_000)
    expect(page.locator("#import-errors")).to_contain_text("找不到表头行")
    expect(page.locator("#import-sheets")).to_contain_text("说明")
    shot("refused-notes-sheet")

    page.get_by_label("说明").uncheck()
    page.get_by_role("button", name="只读取所选工作表，重新预览").click()
    expect(result).to_contain_text("尚未写入任何数据", timeout=20_000)
    expect(page.locator("#import-counts")).to_contain_text("2")
    expect(page.locator("#import-created")).to_contain_text("乙贸易有限公司")
    expect(page.locator("#import-created")).to_contain_text("1,234.50")
    expect(page.locator("#import-skipped")).to_contain_text("小计")
    expect(page.locator("#import-sheets")).to_contain_text("未选择，未读取")
    shot("preview")
    assert Debt.objects.count() == 0

    page.get_by_role("button", name="确认导入（新建 2 笔债权）").click()
    expect(result).to_contain_text("导入完成", timeout=20_000)
    shot("done")
    assert Debt.objects.count() == 2


def test_the_preview_in_english(browser, site_url, people, tmp_path):
    context = browser.new_context(base_url=site_url, locale="en-US", timezone_id="Asia/Shanghai",
                                  viewport={"width": 1366, "height": 900},
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "finance_a")
        page.fill("input[name=password]", "pw-Qingqian-2026")
        page.locator("form.vf-form button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto("/workflows/import/")
        expect(page.locator("#template-link")).to_contain_text("Download the import template")
        page.set_input_files("input[type=file]", str(workbook(tmp_path / "ledger.xlsx")))
        page.get_by_role("button", name="Upload and preview").click()
        expect(page.locator("#import-errors")).to_contain_text("No header row found", timeout=20_000)
        page.get_by_label("说明").uncheck()
        page.get_by_role("button", name="Read only the selected sheets and preview again").click()
        expect(page.locator("#import-result")).to_contain_text("nothing has been written", timeout=20_000)
        from tests.browser.conftest import SHOTS
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "test_the_preview_in_english--preview.png"), full_page=True)
        expect(page.get_by_role("button", name="Confirm the import (creates 2 debts)")).to_be_visible()
    finally:
        context.close()
