"""The ledger-import template (.xlsx) finance downloads and fills in (rule R2.17).

A title and a line of instructions above the header (the import finds the header below them),
the header frozen, drop-downs of the units in the user's scope, the categories and the active
users of those units (lists on a hidden sheet: Excel caps an inline list at 255 characters),
money and date formats, and one example row that the import recognises and skips.
"""
import io
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from workflows.credit_code import make_code
from workflows.ledger_import.parsing import (
    AMOUNT,
    CATEGORY,
    CONTRACT_AMOUNT,
    CONTRACT_DUE,
    EXAMPLE,
    HANDLER,
    HEADERS,
    RESPONSIBLE,
    UNIT,
)
from workflows.models import Category, OrgUnit, User
from workflows.scoping import unit_ids_in_scope

HEADER_ROW = 3
LAST_ROW = 5000  # rows the drop-downs and formats cover
WIDTHS = {UNIT: 18, "债务人": 28, "统一社会信用代码": 22, "合同编号": 16, CONTRACT_AMOUNT: 16, CONTRACT_DUE: 14,
          CATEGORY: 24, AMOUNT: 16, HANDLER: 14, RESPONSIBLE: 14}


def _choices(user):
    scope = unit_ids_in_scope(user)
    units = OrgUnit.objects.filter(ceased=False).order_by("code")
    users = User.objects.filter(is_active=True).order_by("username")
    if scope is not None:
        units = units.filter(pk__in=scope)
        users = users.filter(unit_id__in=scope)
    return list(units), list(users)


def build(user: User) -> bytes:
    units, users = _choices(user)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("债权台账")
    sheet.cell(1, 1, _("债权台账导入模板")).font = Font(bold=True, size=14)
    sheet.cell(2, 1, _("第%(header)s行为表头（请勿改动）；第%(example)s行为示例（以“示例”开头，导入时跳过），"
                       "可直接覆盖。单位、类别、经办人、责任人请从下拉列表选择；日期写 2026-03-01 或 2026/3/1；"
                       "金额以元为单位，最多两位小数。")
               % {"header": HEADER_ROW, "example": HEADER_ROW + 1})
    sheet.cell(2, 1).font = Font(color="555555")
    for index, name in enumerate(HEADERS, start=1):
        cell = sheet.cell(HEADER_ROW, index, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 16)
    sheet.cell(HEADER_ROW, HEADERS.index(UNIT) + 1).comment = Comment(_("单位编码或名称"), "Qingqian")
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 1)

    today = timezone.localdate()
    example = {
        UNIT: units[0].name if units else "", "债务人": EXAMPLE + _("：某某建设有限公司"),
        "统一社会信用代码": make_code("91110000100000000"), "合同编号": EXAMPLE + "-HT-001",
        CONTRACT_AMOUNT: 100000, CONTRACT_DUE: date(today.year, 12, 31), CATEGORY: str(Category.PROGRESS.label),
        AMOUNT: 1234.5, HANDLER: users[0].username if users else "", RESPONSIBLE: users[0].username if users else "",
    }
    for index, name in enumerate(HEADERS, start=1):
        cell = sheet.cell(HEADER_ROW + 1, index, example[name])
        cell.font = Font(italic=True, color="808080")

    # Formats for every data row, so typed amounts and dates show as finance expects.
    for name, number_format in ((CONTRACT_AMOUNT, "#,##0.00"), (AMOUNT, "#,##0.00"), (CONTRACT_DUE, "yyyy-mm-dd")):
        column = HEADERS.index(name) + 1
        for row in range(HEADER_ROW + 1, HEADER_ROW + 201):
            sheet.cell(row, column).number_format = number_format

    lists = workbook.create_sheet(_("选项"))
    lists.sheet_state = "hidden"
    columns = {UNIT: [u.name for u in units], CATEGORY: [str(label) for _value, label in Category.choices],
               HANDLER: [u.username for u in users]}
    for number, (name, values) in enumerate(columns.items(), start=1):
        lists.cell(1, number, name)
        for row, value in enumerate(values, start=2):
            lists.cell(row, number, value)
        letter = get_column_letter(number)
        source = f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${max(2, len(values) + 1)}"
        targets = [HANDLER, RESPONSIBLE] if name == HANDLER else [name]
        for target in targets:
            validation = DataValidation(type="list", formula1=f"={source}", allow_blank=True, showErrorMessage=True,
                                        errorTitle=_("不在列表中"), error=_("请从下拉列表中选择"))
            target_letter = get_column_letter(HEADERS.index(target) + 1)
            validation.add(f"{target_letter}{HEADER_ROW + 1}:{target_letter}{LAST_ROW}")
            sheet.add_data_validation(validation)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
