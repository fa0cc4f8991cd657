"""The report workbooks (issue 16 part 3; rules R8.3, R8.15): 截至日期 and the approval time are
real date cells in Asia/Shanghai; text from user data that starts like a formula is a text cell
with Excel's quote prefix, never a formula."""
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import time_machine
from openpyxl import load_workbook

from tests import factories as f
from workflows.plans import rewards
from workflows.reports import excel
from workflows.reports.aging import aging_report
from workflows.reports.scope import report_debts

SH = ZoneInfo("Asia/Shanghai")


def test_aging_workbook_date_cell_and_neutralised_names(org, people):
    for name in ("=cmd|' /C calc'!A0", "+86 138 0000 0000 公司", "@SUM(1+1)*cmd", "-2+3 有限公司"):
        f.debt(org["a"], people["handler"], amount="100.00", due=date(2025, 1, 31), debtor_obj=f.debtor(name))
    report = aging_report(report_debts(people["gm"]), date(2025, 6, 30), "debtor")
    ws = load_workbook(BytesIO(excel.aging_workbook(report))).active
    names = {ws.cell(row, 1).value: ws.cell(row, 1) for row in range(2, 6)}
    assert set(names) == {"=cmd|' /C calc'!A0", "+86 138 0000 0000 公司", "@SUM(1+1)*cmd", "-2+3 有限公司"}
    for cell in names.values():
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
    as_of = next(r for r in ws.iter_rows() if r[0].value == "截至日期")[1]
    assert as_of.is_date and as_of.value.date() == date(2025, 6, 30) and as_of.number_format == "yyyy-mm-dd"
    # numbers stay numbers: only text is neutralised
    assert ws.cell(2, 2).value == 1 and ws.cell(2, 2).data_type == "n"


def test_assessment_workbook_approval_time_is_a_shanghai_date_cell(org, people):
    f.debt(org["a"], people["handler"], amount="1000.00", due=date(2025, 1, 31))
    q2 = rewards.compute_assessment(2025, 2, by=people["committee"])
    # 00:30 in Shanghai is 16:30 UTC the day before: the UTC export showed the wrong day
    with time_machine.travel(datetime(2025, 7, 2, 0, 30, tzinfo=SH), tick=False):
        rewards.approve_assessment(q2, by=people["committee_head"])
    q2.refresh_from_db()
    wb = load_workbook(BytesIO(excel.assessment_workbook(q2, rewards.lines_for(q2, people["finance"]),
                                                         q2.items.select_related("debt", "person"))))
    ws = wb["季度奖罚名单"]
    stamp = next(c for row in ws.iter_rows() for c in row if c.is_date)
    assert stamp.value == datetime(2025, 7, 2, 0, 30) and stamp.number_format == "yyyy-mm-dd hh:mm"
