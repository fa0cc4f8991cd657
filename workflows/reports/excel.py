"""Excel workbooks (openpyxl) of the aging report, of a quarter's reward/penalty list and of the debt list:
bold headers, money as #,##0.00, the header row frozen, readable column widths; every data row
through workflows.exports.append_row (dates as date cells in Asia/Shanghai, formula-like text
neutralised, rules R8.3, R8.15)."""
from io import BytesIO

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from workflows.exports import append_row

MONEY_FORMAT = "#,##0.00"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)


def _sheet(wb, title, headers, widths):
    ws = wb.active
    ws.title = title
    append_row(ws, headers)
    for col, width in enumerate(widths, start=1):
        cell = ws.cell(row=1, column=col)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "B2"
    return ws


def _money(ws, row, first_col, last_col):
    for col in range(first_col, last_col + 1):
        ws.cell(row=row, column=col).number_format = MONEY_FORMAT


def _bytes(wb):
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def aging_workbook(report):
    """Rows: one per group, then a bold total row. Columns: group, count, each bucket, total."""
    wb = Workbook()
    headers = [str(report.dimension_label), _("笔数"), *report.labels, _("合计")]
    ws = _sheet(wb, _("账龄分析表"), headers, [28, 8] + [14] * len(report.labels) + [16])
    last = len(headers)
    for row in report.rows:
        append_row(ws, [row.label, row.count, *row.buckets, row.total])
        _money(ws, ws.max_row, 3, last)
    append_row(ws, [_("合计"), report.count, *report.totals, report.total])
    _money(ws, ws.max_row, 3, last)
    for col in range(1, last + 1):
        ws.cell(row=ws.max_row, column=col).font = BOLD
    ws.append([])
    append_row(ws, [_("截至日期"), report.as_of])
    return _bytes(wb)


def assessment_workbook(assessment, lines, items):
    """The quarter's list for finance: one sheet of people, one of the items behind them."""
    wb = Workbook()
    headers = [_("人员"), _("奖励(元)"), _("扣回(元)"), _("罚款(元)"), _("暂扣(元)"), _("应发/应扣净额(元)"),
               _("计划完成率得分"), _("回收率得分"), _("逾期控制得分"), _("时效管理得分"), _("综合得分")]
    ws = _sheet(wb, _("季度奖罚名单"), headers, [18, 14, 14, 14, 14, 18, 14, 12, 14, 14, 12])
    for line in lines:
        append_row(ws, [str(line.person) if line.person else _("未分配(相关责任人)"), line.reward, line.clawback,
                        line.penalty, line.withheld, line.net, line.plan_score, line.recovery_score,
                        line.overdue_score, line.limitation_score, line.score])
        _money(ws, ws.max_row, 2, 6)
    ws.append([])
    state = assessment.get_state_display()
    approver = str(assessment.approved_by) if assessment.approved_by else ""
    append_row(ws, [str(assessment), state, approver, assessment.approved_at])

    detail = wb.create_sheet(_("明细"))
    detail_headers = [_("债权编号"), _("人员"), _("身份"), _("类型"), _("基数(元)"), _("比例(%)"), _("金额(元)"),
                      _("说明")]
    append_row(detail, detail_headers)
    for col, width in enumerate([18, 16, 12, 10, 16, 10, 14, 28], start=1):
        detail.cell(row=1, column=col).font = BOLD
        detail.cell(row=1, column=col).fill = HEADER_FILL
        detail.column_dimensions[get_column_letter(col)].width = width
    detail.freeze_panes = "A2"
    for item in items:
        append_row(detail, [item.debt.code, str(item.person) if item.person else _("未分配"), item.get_share_display(),
                       item.get_kind_display(), item.base, item.rate, item.amount, item.note])
        detail.cell(row=detail.max_row, column=5).number_format = MONEY_FORMAT
        detail.cell(row=detail.max_row, column=7).number_format = MONEY_FORMAT
    return _bytes(wb)


def debts_workbook(debts, *, today, exported_at, filters):
    """The debt list as the page filters and sorts it (issue 19 item 7): one row per debt, money
    as numbers formatted #,##0.00, dates as date cells, the time of export (Asia/Shanghai) and
    the filters used below the table."""
    wb = Workbook()
    headers = [_("债权编号"), _("债务人"), _("债权余额(元)"), _("状态"), _("逾期天数"), _("到期日"), _("单位"),
               _("经办人"), _("类别"), _("合同编号"), _("已核销金额(元)")]
    ws = _sheet(wb, _("债权列表"), headers, [18, 28, 16, 12, 10, 12, 28, 12, 22, 18, 16])
    count = 0
    for debt in debts:
        overdue = (today - debt.due_date).days if debt.balance > 0 and debt.due_date < today else 0
        append_row(ws, [debt.code, debt.debtor.name, debt.balance, debt.get_state_display(), overdue, debt.due_date,
                        debt.unit.name, str(debt.handler) if debt.handler_id else "", debt.get_category_display(),
                        debt.contract.number, debt.written_off_amount])
        _money(ws, ws.max_row, 3, 3)
        _money(ws, ws.max_row, 11, 11)
        count += 1
    ws.append([])
    append_row(ws, [_("共计笔数"), count])
    append_row(ws, [_("导出时间"), exported_at])
    for label, value in filters:
        append_row(ws, [label, value])
    return _bytes(wb)
