"""Reading the ledger workbooks people really have (rules R2.16, R2.17).

Opens .xlsx (openpyxl, streamed), old .xls (xlrd) and .csv (UTF-8 or GB18030, as Excel and WPS
save it in China) as a list of sheets; finds each sheet's header row below title rows; knows the
headers under the names finance uses (with or without a unit in brackets, full- or half-width);
reads every common Chinese spelling of a date and an amount; recognises 合计/小计 rows and the
template's example row. Every text goes through NFKC first, so full-width digits, commas,
brackets and ￥ read as their ASCII forms.
"""
import csv
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO

import xlrd
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from workflows.exceptions import InvalidWorkbook, LedgerError
from workflows.ledger import parse_amount
from workflows.models import ZERO, Category, CategoryAlias, OrgUnit, User
from workflows.scoping import unit_ids_in_scope

log = logging.getLogger(__name__)

# Column headers as finance writes them; the service keys every value by these names.
UNIT = "单位"
DEBTOR = "债务人"
CREDIT_CODE = "统一社会信用代码"
CONTRACT_NUMBER = "合同编号"
CONTRACT_AMOUNT = "合同金额"
CONTRACT_DUE = "合同到期日"
CATEGORY = "类别"
AMOUNT = "应收金额"
HANDLER = "经办人"
RESPONSIBLE = "责任人"
HEADERS = [UNIT, DEBTOR, CREDIT_CODE, CONTRACT_NUMBER, CONTRACT_AMOUNT, CONTRACT_DUE, CATEGORY, AMOUNT,
           HANDLER, RESPONSIBLE]
MONEY_COLUMNS = {CONTRACT_AMOUNT, AMOUNT}

# Other names the ledgers in use give the columns (compared after _key(): NFKC, lower case,
# no spaces, the bracketed unit taken off). The English ones are the en page's column names.
ALIASES = {
    UNIT: ["单位名称", "单位编码", "所属单位", "债权单位", "unit"],
    DEBTOR: ["债务人名称", "客户名称", "欠款单位", "欠款单位名称", "debtor"],
    CREDIT_CODE: ["社会信用代码", "信用代码", "统一信用代码", "纳税人识别号", "creditcode", "unifiedsocialcreditcode"],
    CONTRACT_NUMBER: ["合同号", "合同编码", "contractnumber", "contractno."],
    CONTRACT_AMOUNT: ["合同总额", "合同总金额", "合同价款", "合同额", "contractamount"],
    CONTRACT_DUE: ["合同到期日期", "到期日", "到期日期", "合同截止日期", "contractdue", "duedate"],
    CATEGORY: ["款项类别", "债权类别", "款项性质", "类型", "category"],
    AMOUNT: ["应收账款余额", "应收余额", "欠款金额", "应收账款", "债权金额", "amount", "amountreceivable"],
    HANDLER: ["清欠经办人", "经办", "handler"],
    RESPONSIBLE: ["清欠责任人", "责任", "responsible"],
}
# The units a money column's header may name; 万元 and 千元 would change every amount.
YUAN_UNITS = {"元", "人民币", "人民币元", "rmb", "cny", "¥", "单位:元", "单位元"}
HEADER_SCAN = 20     # title rows above the header: the header is looked for in this many rows
HEADER_MINIMUM = 3   # a row naming this many known columns is the header row

BRACKETED = re.compile(r"^(.*?)[(\[【〔]([^)\]】〕]*)[)\]】〕]$")
DASHES = str.maketrans({"—": "-", "–": "-", "―": "-", "_": "-", "/": "/"})
DATE_TEXT = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T ]?\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
CURRENCY_PREFIX = re.compile(r"^(¥|rmb|cny|人民币)", re.IGNORECASE)
CURRENCY_SUFFIX = re.compile(r"(人民币元|元|rmb|cny)$", re.IGNORECASE)
TOTALS = re.compile(r"^(本页|本表|本月|本期|全部|总)?(合计|小计|总计|累计)([(:\-].*)?$")
EXAMPLE = "示例"


class Bad(Exception):
    """One cell's problem; its message is shown on the row and column."""


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _key(text):
    return re.sub(r"\s+", "", nfkc(text)).lower().translate(DASHES)


def text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A contract number typed as a number comes back as 12345.0.
        return str(int(value))
    return nfkc(str(value))


# --- the header ---------------------------------------------------------------------------

def _known_names():
    names = {}
    for column in HEADERS:
        for name in [column, *ALIASES.get(column, [])]:
            names[_key(name)] = column
    return names


KNOWN = _known_names()


def header_column(cell: object) -> tuple[str | None, str | None]:
    """(column, problem) for one header cell: the column it names, and a problem with its unit."""
    key = _key(text(cell))
    if not key:
        return None, None
    if key in KNOWN:
        return KNOWN[key], None
    match = BRACKETED.match(key)
    if match and match.group(1) in KNOWN:
        column, unit = KNOWN[match.group(1)], match.group(2)
        if column in MONEY_COLUMNS and unit not in YUAN_UNITS:
            return column, _("金额须以人民币元填写，表头“%(header)s”的单位为“%(unit)s”，"
                             "请换算为元后把表头改为“%(column)s”") % {
                "header": text(cell), "unit": unit, "column": column}
        return column, None
    return None, None


@dataclass
class Header:
    row: int                      # 1-based row number of the header in its sheet
    positions: dict               # column -> index
    problems: list                # (column, reason)


def find_header(rows: list[tuple]) -> Header | None:
    """The first of these rows that names at least HEADER_MINIMUM known columns."""
    for number, cells in enumerate(rows, start=1):
        named = [(index, *header_column(cell)) for index, cell in enumerate(cells)]
        named = [item for item in named if item[1] is not None]
        if len({column for _index, column, _problem in named}) < HEADER_MINIMUM:
            continue
        positions, problems = {}, []
        for index, column, problem in named:
            if column in positions:
                problems.append((column, _("表头列重复")))
                continue
            positions[column] = index
            if problem:
                problems.append((column, problem))
        for column in HEADERS:
            if column not in positions:
                problems.append((column, _("缺少此列")))
        return Header(number, positions, problems)
    return None


def totals_label(cells: tuple) -> str | None:
    """The label of a 合计/小计 row (the totals a ledger keeps between and below its rows)."""
    for cell in cells:
        if isinstance(cell, str) and cell.strip():
            key = re.sub(r"\s+", "", nfkc(cell))
            if TOTALS.match(key):
                return key
    return None


def example_row(cells: tuple) -> bool:
    """The template's example row (its texts start with 示例)."""
    return any(isinstance(cell, str) and nfkc(cell).startswith(EXAMPLE) for cell in cells)


def blank(cells: tuple) -> bool:
    return not any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells)


# --- one cell ---------------------------------------------------------------------------------

def parse_date(value: object, column: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = DATE_DIGITS.match(text(value))
        if digits:  # 20260301 typed as a number
            return _ymd(*digits.groups(), value)
        # An Excel date serial in a cell without a date format.
        try:
            result = from_excel(value)
        except (ValueError, OverflowError, TypeError):
            result = None
        if isinstance(result, datetime) and 1900 < result.year < 2200:
            return result.date()
        raise Bad(_("“%(value)s”不是有效日期") % {"value": value})
    written = re.sub(r"\s+", "", text(value))
    if not written:
        raise Bad(_("%(column)s不能为空") % {"column": column})
    match = DATE_TEXT.match(written) or DATE_DIGITS.match(written)
    if match:
        return _ymd(*match.groups(), written)
    raise Bad(_("“%(value)s”不是有效日期（可写 2026-03-01、2026/3/1、2026.03.01、2026年3月1日 或 Excel 日期）")
              % {"value": written})


def _ymd(year, month, day, written):
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise Bad(_("“%(value)s”不是有效日期") % {"value": written}) from None


def parse_money(value: object, column: str, positive: bool) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise Bad(_("%(column)s不能为空") % {"column": column})
    if isinstance(value, bool):
        raise Bad(_("%(column)s“%(value)s”不是数字") % {"column": column, "value": value})
    if isinstance(value, float):
        value = repr(value)  # the shortest text that reads back as the same float, e.g. 0.1
    if isinstance(value, str):
        written = text(value)
        amount_text = re.sub(r"\s+", "", written)
        if amount_text.startswith("(") and amount_text.endswith(")"):
            # rule R2.17: (1,000.00) is a negative amount in accounting notation.
            raise Bad(_("“%(value)s”是会计格式的负数（括号表示负数）；%(column)s不能为负数，"
                        "冲减请由财务在台账中登记调整分录") % {"value": written, "column": column})
        amount_text = CURRENCY_SUFFIX.sub("", CURRENCY_PREFIX.sub("", amount_text.replace("-¥", "¥-")))
        if "," in amount_text and not THOUSANDS.match(amount_text):
            raise Bad(_("%(column)s“%(value)s”不是数字（千分位逗号位置不对）") % {"column": column, "value": written})
        value = amount_text.replace(",", "")
    try:
        amount = parse_amount(value, field=column)
    except LedgerError as exc:
        raise Bad(str(exc)) from None
    if amount < ZERO:
        raise Bad(_("%(column)s不能为负数：%(value)s") % {"column": column, "value": amount})
    if positive and amount == ZERO:
        raise Bad(_("%(column)s必须大于零") % {"column": column})
    if amount >= Decimal("1e14"):
        raise Bad(_("%(column)s过大：%(value)s") % {"column": column, "value": amount})
    return amount


# --- reference data ---------------------------------------------------------------------

def category_key(name: str) -> str:
    return _key(name)


class Lookups:
    """Units, users and categories by every name a spreadsheet may use for them."""

    def __init__(self, importer):
        self.units = {}
        for pk, code, name in OrgUnit.objects.values_list("pk", "code", "name"):
            self.units[_key(code)] = pk
            self.units[_key(name)] = pk
        self.unit_codes = dict(OrgUnit.objects.values_list("pk", "code"))
        self.scope = None if importer is None else unit_ids_in_scope(importer)
        if self.scope is not None:
            self.scope = set(self.scope)

        self.usernames, self.full_names, self.inactive = {}, {}, set()
        for pk, username, last, first, active in User.objects.values_list(
                "pk", "username", "last_name", "first_name", "is_active"):
            self.usernames[nfkc(username)] = pk
            full = _key(f"{last}{first}")
            if full:
                self.full_names.setdefault(full, []).append(pk)
            if not active:
                self.inactive.add(pk)

        self.categories = {}
        for choice in Category:
            self.categories[_key(choice.value)] = choice.value
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    self.categories[_key(str(choice.label))] = choice.value
        # rule R2.17: the aliases 财务部 keeps in the admin (e.g. 工程进度款 → 应收账款-进度款).
        for alias, category in CategoryAlias.objects.values_list("alias", "category"):
            self.categories.setdefault(_key(alias), category)

    def unit(self, written):
        if not written:
            raise Bad(_("单位不能为空"))
        pk = self.units.get(_key(written))
        if pk is None:
            raise Bad(_("未知单位“%(value)s”（应为单位编码或名称）") % {"value": written})
        if self.scope is not None and pk not in self.scope:
            raise Bad(_("单位“%(value)s”不在您的管辖范围内") % {"value": written})
        return pk

    def user(self, written, column):
        if not written:
            raise Bad(_("%(column)s不能为空") % {"column": column})
        pk = self.usernames.get(written)
        if pk is None:
            matches = self.full_names.get(_key(written), [])
            if len(matches) > 1:
                raise Bad(_("姓名“%(value)s”对应多个用户，请填写用户名") % {"value": written})
            if not matches:
                raise Bad(_("未知用户“%(value)s”") % {"value": written})
            pk = matches[0]
        if pk in self.inactive:
            raise Bad(_("用户“%(value)s”已停用") % {"value": written})
        return pk

    def category(self, written):
        if not written:
            raise Bad(_("类别不能为空"))
        value = self.categories.get(_key(written))
        if value is None:
            raise Bad(_("未知类别“%(value)s”（可在管理后台的“类别别名”中添加）") % {"value": written})
        return value


# --- the file -----------------------------------------------------------------------------------

@dataclass
class Sheet:
    name: str
    hidden: bool
    rows: Callable[[], Iterator[tuple]]   # a fresh iterator of the rows' values
    max_row: int | None


class Book:
    """The sheets of one uploaded file, whatever its format; close() when done."""

    def __init__(self, sheets, close=lambda: None):
        self.sheets = sheets
        self.close = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _not_a_workbook():
    return _("文件不是有效的 Excel 工作簿（.xlsx、.xls）或 CSV 文件")


def open_book(source: str | Path | IO[bytes], name: str = "") -> Book:
    """Open a workbook from a path or a binary file object; InvalidWorkbook if it is none.

    The format is told by the file's first bytes (a ZIP is .xlsx, an OLE2 compound file is
    .xls), not by its name; anything else is read as CSV only when its name says .csv.
    """
    name = name or (str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "") or "")
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            magic = handle.read(8)
    else:
        position = source.tell()
        magic = source.read(8)
        source.seek(position)
    if magic.startswith(b"PK"):
        return _open_xlsx(source)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        return _open_xls(source)
    if name.lower().endswith((".csv", ".txt")):
        return _open_csv(source, name)
    raise InvalidWorkbook(_not_a_workbook())


def _open_xlsx(source):
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        log.info("rejected ledger workbook: %s", exc)
        raise InvalidWorkbook(_not_a_workbook()) from None
    sheets = []
    for sheet in workbook.worksheets:
        sheets.append(Sheet(sheet.title, sheet.sheet_state != "visible",
                            lambda s=sheet: s.iter_rows(values_only=True), sheet.max_row or None))
    return Book(sheets, workbook.close)


def _open_xls(source):
    content = Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
    try:
        workbook = xlrd.open_workbook(file_contents=content, on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, struct errors, AssertionError on damaged files
        log.info("rejected .xls workbook: %s", exc)
        raise InvalidWorkbook(_("无法读取该 .xls 文件，请在 Excel 或 WPS 中打开并另存为 .xlsx 后再上传")) from None

    def rows(index):
        sheet = workbook.sheet_by_index(index)
        for number in range(sheet.nrows):
            yield tuple(_xls_value(cell, workbook.datemode) for cell in sheet.row(number))

    sheets = []
    for index in range(workbook.nsheets):
        sheet = workbook.sheet_by_index(index)
        sheets.append(Sheet(sheet.name, sheet.visibility != 0, lambda i=index: rows(i), sheet.nrows))
    return Book(sheets, workbook.release_resources)


def _xls_value(cell, datemode):
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return None
    return cell.value


def _open_csv(source, name):
    content = Path(source).read_bytes() if isinstance(source, (str, Path)) else source.read()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel "CSV UTF-8"; Excel and WPS "CSV" on Chinese Windows
        try:
            decoded = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidWorkbook(_("无法识别 CSV 文件的编码，请另存为“CSV UTF-8”或 .xlsx 后再上传"))
    if "\x00" in decoded:
        raise InvalidWorkbook(_not_a_workbook())
    try:
        dialect = csv.Sniffer().sniff(decoded[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel

    def rows():
        for cells in csv.reader(io.StringIO(decoded), dialect):
            yield tuple(cell if cell.strip() else None for cell in cells)

    return Book([Sheet(Path(name).stem or "CSV", False, rows, decoded.count("\n") + 1)])
