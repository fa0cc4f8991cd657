"""Importing the debt ledger (台账) from an Excel workbook.

All or nothing: every row is validated first (against the file itself and the database); if
any row is bad nothing is written and the report lists every bad row with its row number,
column and reason. Otherwise everything is written in one transaction. Importing the same
file again changes nothing: rows whose debt already exists with the same data are skipped.

The workbook is streamed (openpyxl read_only), so memory grows with the number of distinct
keys kept for duplicate checks, never with the workbook's XML.
"""
import hashlib
import logging
import re
import zipfile
from collections import namedtuple
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from workflows.credit_code import problem as credit_code_problem
from workflows.exceptions import InvalidWorkbook, LedgerError
from workflows.ledger import parse_amount
from workflows.models import ZERO, Category, Contract, Debt, Debtor, EntryKind, LedgerEntry, OrgUnit, User
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

CHUNK = 500  # rows per bulk insert / ids per IN (...) query; well under SQLite's variable limit
PROGRESS_EVERY = 1000
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# One validated row, kept compact because a ledger may have 100,000 of them.
Row = namedtuple("Row", "number unit_id debtor_name credit_code contract_number contract_amount due_on "
                        "category amount handler_id responsible_id")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self):
        return _("第%(row)s行 %(column)s：%(reason)s") % {"row": self.row, "column": self.column,
                                                          "reason": self.reason}


@dataclass
class ImportReport:
    rows: int = 0
    debts_created: int = 0
    debtors_created: int = 0
    contracts_created: int = 0
    skipped_identical: int = 0
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    def as_dict(self):
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        return data


def open_workbook(source):
    """Open an .xlsx (path or file object) for streaming; InvalidWorkbook if it is not one."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        log.info("rejected ledger workbook: %s", exc)
        raise InvalidWorkbook(_("文件不是有效的 Excel 工作簿（.xlsx）")) from None


def header_problems(source: str | Path | IO[bytes]) -> list[RowError]:
    """Open the workbook and check its header row only (a quick check at upload time)."""
    workbook = open_workbook(source)
    try:
        if not workbook.worksheets:
            raise InvalidWorkbook(_("工作簿是空的"))
        header = next(workbook.worksheets[0].iter_rows(max_row=1, values_only=True), None)
    finally:
        workbook.close()
    if header is None:
        raise InvalidWorkbook(_("工作簿是空的"))
    return _header_map(header)[1]


def debt_code(unit_code: str, contract_number: str, category: str) -> str:
    """Deterministic, so importing the same row twice names the same debt."""
    digest = hashlib.sha256(f"{unit_code}\x1f{contract_number}\x1f{category}".encode()).hexdigest()
    return f"IM-{digest[:20].upper()}"


# --- parsing one cell -------------------------------------------------------------------

class _Bad(Exception):
    pass


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        # A contract number typed as a number comes back as 12345.0.
        return str(int(value))
    return str(value).strip()


def _date(value, column):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # An Excel date serial in a cell without a date format.
        from openpyxl.utils.datetime import from_excel
        try:
            result = from_excel(value)
        except (ValueError, OverflowError, TypeError):
            result = None
        if isinstance(result, datetime) and 1900 < result.year < 2200:
            return result.date()
        raise _Bad(_("“%(value)s”不是有效日期") % {"value": value})
    text = _text(value)
    if not text:
        raise _Bad(_("%(column)s不能为空") % {"column": column})
    if ISO_DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _Bad(_("“%(value)s”不是有效日期（应为 Excel 日期或 YYYY-MM-DD）") % {"value": text})


def _money(value, column, positive):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Bad(_("%(column)s不能为空") % {"column": column})
    if isinstance(value, bool):
        raise _Bad(_("%(column)s“%(value)s”不是数字") % {"column": column, "value": value})
    if isinstance(value, float):
        value = repr(value)  # the shortest text that reads back as the same float, e.g. 0.1
    try:
        amount = parse_amount(value, field=column)
    except LedgerError as exc:
        raise _Bad(str(exc)) from None
    if amount < ZERO:
        raise _Bad(_("%(column)s不能为负数：%(value)s") % {"column": column, "value": amount})
    if positive and amount == ZERO:
        raise _Bad(_("%(column)s必须大于零") % {"column": column})
    if amount >= Decimal("1e14"):
        raise _Bad(_("%(column)s过大：%(value)s") % {"column": column, "value": amount})
    return amount


# --- reference data ---------------------------------------------------------------------

class _Lookups:
    """Units, users and categories by every name a spreadsheet may use for them."""

    def __init__(self, importer):
        self.units = {}
        for pk, code, name in OrgUnit.objects.values_list("pk", "code", "name"):
            self.units[code] = pk
            self.units[name] = pk
        self.unit_codes = dict(OrgUnit.objects.values_list("pk", "code"))
        self.scope = None if importer is None else unit_ids_in_scope(importer)
        if self.scope is not None:
            self.scope = set(self.scope)

        self.usernames, self.full_names, self.inactive = {}, {}, set()
        for pk, username, last, first, active in User.objects.values_list(
                "pk", "username", "last_name", "first_name", "is_active"):
            self.usernames[username] = pk
            full = f"{last}{first}".strip()
            if full:
                self.full_names.setdefault(full, []).append(pk)
            if not active:
                self.inactive.add(pk)

        self.categories = {}
        for choice in Category:
            self.categories[choice.value] = choice.value
            for language in ("zh-hans", "en"):
                with translation.override(language):
                    self.categories[str(choice.label)] = choice.value

    def unit(self, text):
        if not text:
            raise _Bad(_("单位不能为空"))
        pk = self.units.get(text)
        if pk is None:
            raise _Bad(_("未知单位“%(value)s”（应为单位编码或名称）") % {"value": text})
        if self.scope is not None and pk not in self.scope:
            raise _Bad(_("单位“%(value)s”不在您的管辖范围内") % {"value": text})
        return pk

    def user(self, text, column):
        if not text:
            raise _Bad(_("%(column)s不能为空") % {"column": column})
        pk = self.usernames.get(text)
        if pk is None:
            matches = self.full_names.get(text, [])
            if len(matches) > 1:
                raise _Bad(_("姓名“%(value)s”对应多个用户，请填写用户名") % {"value": text})
            if not matches:
                raise _Bad(_("未知用户“%(value)s”") % {"value": text})
            pk = matches[0]
        if pk in self.inactive:
            raise _Bad(_("用户“%(value)s”已停用") % {"value": text})
        return pk

    def category(self, text):
        if not text:
            raise _Bad(_("类别不能为空"))
        value = self.categories.get(text)
        if value is None:
            raise _Bad(_("未知类别“%(value)s”") % {"value": text})
        return value


# --- reading ------------------------------------------------------------------------------

def _header_map(header_cells):
    """Column index of each required header; errors for those missing or repeated."""
    positions, errors = {}, []
    for index, cell in enumerate(header_cells):
        name = _text(cell)
        if name in HEADERS:
            if name in positions:
                errors.append(RowError(1, name, _("表头列重复")))
            positions[name] = index
    for name in HEADERS:
        if name not in positions:
            errors.append(RowError(1, name, _("缺少此列")))
    return positions, errors


def _parse_row(number, cells, positions, lookups, errors):
    """A Row, or None after appending every problem of this row to errors."""
    def cell(name):
        index = positions[name]
        return cells[index] if index < len(cells) else None

    values, bad = {}, False

    def take(name, parse):
        nonlocal bad
        try:
            values[name] = parse(cell(name))
        except _Bad as exc:
            errors.append(RowError(number, name, str(exc)))
            bad = True

    def required_text(limit):
        def parse(value):
            text = _text(value)
            if not text:
                raise _Bad(_("不能为空"))
            if len(text) > limit:
                raise _Bad(_("长度超过%(limit)s个字符") % {"limit": limit})
            return text
        return parse

    def credit_code(value):
        code = _text(value).upper()
        reason = credit_code_problem(code)
        if reason:
            raise _Bad(reason)
        return code

    take(UNIT, lambda v: lookups.unit(_text(v)))
    take(DEBTOR, required_text(200))
    take(CREDIT_CODE, credit_code)
    take(CONTRACT_NUMBER, required_text(64))
    take(CONTRACT_AMOUNT, lambda v: _money(v, CONTRACT_AMOUNT, positive=False))
    take(CONTRACT_DUE, lambda v: _date(v, CONTRACT_DUE))
    take(CATEGORY, lambda v: lookups.category(_text(v)))
    take(AMOUNT, lambda v: _money(v, AMOUNT, positive=True))
    take(HANDLER, lambda v: lookups.user(_text(v), HANDLER))
    take(RESPONSIBLE, lambda v: lookups.user(_text(v), RESPONSIBLE))
    if bad:
        return None
    return Row(number, values[UNIT], values[DEBTOR], values[CREDIT_CODE], values[CONTRACT_NUMBER],
               values[CONTRACT_AMOUNT], values[CONTRACT_DUE], values[CATEGORY], values[AMOUNT],
               values[HANDLER], values[RESPONSIBLE])


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _Plan:
    """What the file asks for, checked row by row against itself and then the database."""

    def __init__(self):
        self.rows = []               # rows that create a debt, in file order
        self.debt_keys = {}          # (unit_id, contract_number, category) -> first Row
        self.contracts = {}          # (unit_id, contract_number) -> first Row
        self.debtor_by_code = {}     # credit_code -> first Row
        self.debtor_by_name = {}     # name -> first Row
        self.skipped = 0

    def add(self, row, errors):
        """File-internal consistency. Returns False if the row conflicts with an earlier one."""
        ok = True
        first = self.debtor_by_code.setdefault(row.credit_code, row)
        if first.debtor_name != row.debtor_name:
            errors.append(RowError(row.number, DEBTOR, _(
                "统一社会信用代码 %(code)s 在第%(first)s行的债务人名称为“%(name)s”，与本行不一致")
                % {"code": row.credit_code, "first": first.number, "name": first.debtor_name}))
            ok = False
        first = self.debtor_by_name.setdefault(row.debtor_name, row)
        if first.credit_code != row.credit_code:
            errors.append(RowError(row.number, CREDIT_CODE, _(
                "债务人“%(name)s”在第%(first)s行的统一社会信用代码为 %(code)s，与本行不一致")
                % {"name": row.debtor_name, "first": first.number, "code": first.credit_code}))
            ok = False
        first = self.contracts.setdefault((row.unit_id, row.contract_number), row)
        for column, attr in ((CREDIT_CODE, "credit_code"), (CONTRACT_AMOUNT, "contract_amount"),
                             (CONTRACT_DUE, "due_on")):
            if getattr(first, attr) != getattr(row, attr):
                errors.append(RowError(row.number, column, _(
                    "同一单位的合同 %(number)s 在第%(first)s行为“%(value)s”，与本行不一致")
                    % {"number": row.contract_number, "first": first.number, "value": getattr(first, attr)}))
                ok = False
        key = (row.unit_id, row.contract_number, row.category)
        first = self.debt_keys.get(key)
        if first is None:
            if ok:
                self.debt_keys[key] = row
                self.rows.append(row)
            return ok
        if _same_debt(first, row):
            self.skipped += 1
            return ok
        errors.append(RowError(row.number, _differing_column(first, row), _(
            "与第%(first)s行重复（单位、合同编号、类别相同）但数据不同") % {"first": first.number}))
        return False


def _same_debt(a, b):
    return a[1:] == b[1:]


def _differing_column(a, b):
    names = [None, UNIT, DEBTOR, CREDIT_CODE, CONTRACT_NUMBER, CONTRACT_AMOUNT, CONTRACT_DUE, CATEGORY, AMOUNT,
             HANDLER, RESPONSIBLE]
    for index in range(1, len(a)):
        if a[index] != b[index]:
            return names[index]
    return AMOUNT


def _check_against_database(plan, errors):
    """Existing debtors, contracts and debts must agree with the file; identical debts are
    dropped from the plan (counted as skipped). Returns the maps the write step needs."""
    debtors = {}  # credit_code -> (pk, name)
    for codes in _chunks(plan.debtor_by_code):
        for pk, code, name in Debtor.objects.filter(credit_code__in=codes).values_list("pk", "credit_code", "name"):
            debtors[code] = (pk, name)
    names_elsewhere = {}  # name -> credit code of an existing debtor with that name
    for names in _chunks(plan.debtor_by_name):
        for name, code in Debtor.objects.filter(name__in=names).values_list("name", "credit_code"):
            names_elsewhere.setdefault(name, set()).add(code)

    contracts = {}  # (unit_id, number) -> (pk, credit_code, amount, due_on)
    by_unit = {}
    for unit_id, number in plan.contracts:
        by_unit.setdefault(unit_id, []).append(number)
    for unit_id, numbers in by_unit.items():
        for part in _chunks(numbers):
            for pk, number, code, amount, due in Contract.objects.filter(unit_id=unit_id, number__in=part) \
                    .values_list("pk", "number", "debtor__credit_code", "amount", "due_on"):
                contracts[(unit_id, number)] = (pk, code, amount, due)

    existing_debts = {}  # key -> (pk, credit_code, contract amount, due, handler, responsible)
    contract_pks = [c[0] for c in contracts.values()]
    for part in _chunks(contract_pks):
        for row in Debt.objects.filter(contract_id__in=part).order_by("pk").values_list(
                "pk", "unit_id", "contract__number", "category", "debtor__credit_code", "due_date",
                "handler_id", "responsible_id"):
            existing_debts.setdefault((row[1], row[2], row[3]), row)
    invoiced = {}
    for part in _chunks([d[0] for d in existing_debts.values()]):
        for debt_id, total in LedgerEntry.objects.filter(debt_id__in=part, kind=EntryKind.INVOICE) \
                .values("debt_id").annotate(total=Sum("amount")).values_list("debt_id", "total"):
            invoiced[debt_id] = total

    keep = []
    for row in plan.rows:
        bad_before = len(errors)
        known = debtors.get(row.credit_code)
        if known and known[1] != row.debtor_name:
            errors.append(RowError(row.number, DEBTOR, _(
                "统一社会信用代码 %(code)s 已登记为“%(name)s”") % {"code": row.credit_code, "name": known[1]}))
        other_codes = names_elsewhere.get(row.debtor_name, set()) - {row.credit_code}
        if other_codes:
            errors.append(RowError(row.number, CREDIT_CODE, _(
                "债务人“%(name)s”已登记，统一社会信用代码为 %(code)s")
                % {"name": row.debtor_name, "code": "、".join(sorted(other_codes))}))
        contract = contracts.get((row.unit_id, row.contract_number))
        if contract:
            for column, mine, theirs in ((CREDIT_CODE, row.credit_code, contract[1]),
                                         (CONTRACT_AMOUNT, row.contract_amount, contract[2]),
                                         (CONTRACT_DUE, row.due_on, contract[3])):
                if mine != theirs:
                    errors.append(RowError(row.number, column, _(
                        "合同 %(number)s 已登记为“%(value)s”，与本行不一致")
                        % {"number": row.contract_number, "value": theirs}))
        debt = existing_debts.get((row.unit_id, row.contract_number, row.category))
        if debt:
            for column, mine, theirs in ((CREDIT_CODE, row.credit_code, debt[4]),
                                         (CONTRACT_DUE, row.due_on, debt[5]),
                                         (HANDLER, row.handler_id, debt[6]),
                                         (RESPONSIBLE, row.responsible_id, debt[7]),
                                         (AMOUNT, row.amount, invoiced.get(debt[0], ZERO))):
                if mine != theirs:
                    errors.append(RowError(row.number, column, _(
                        "该债权（单位、合同编号、类别相同）已存在，且%(column)s不同") % {"column": column}))
                    break
            else:
                plan.skipped += 1
                continue
        if len(errors) == bad_before:
            keep.append(row)
    plan.rows = keep
    return debtors, contracts


# --- the import ---------------------------------------------------------------------------

def import_ledger(source: str | Path | IO[bytes], *, by: User | None = None,
                  progress: Callable[[str, int, int], None] | None = None, reference: str = "") -> ImportReport:
    """Validate and import one workbook (path or file object).

    by: the importing user: it is recorded on the ledger entries and limits the units the
    file may name to the user's scope; None (the command without --user) means no limit.
    progress(phase, done, total): called now and then; phase is "validate" or "write".
    Raises InvalidWorkbook for a file that is not an .xlsx; row problems come back in
    report.errors and then nothing has been written.
    """
    report = ImportReport()
    errors = report.errors
    lookups = _Lookups(by)
    plan = _Plan()

    workbook = open_workbook(source)
    try:
        sheet = workbook.worksheets[0]
        total = (sheet.max_row - 1) if sheet.max_row else None
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InvalidWorkbook(_("工作簿是空的"))
        positions, header_errors = _header_map(header)
        if header_errors:
            errors.extend(header_errors)
            return report
        for number, cells in enumerate(rows, start=2):
            if progress and number % PROGRESS_EVERY == 0:
                progress("validate", number - 1, total)
            if not any(c is not None and (not isinstance(c, str) or c.strip()) for c in cells):
                continue  # blank rows between or after the data
            report.rows += 1
            row = _parse_row(number, cells, positions, lookups, errors)
            if row is not None:
                plan.add(row, errors)
    finally:
        workbook.close()
    if progress:
        progress("validate", report.rows, report.rows)
    if report.rows == 0 and not errors:
        errors.append(RowError(2, HEADERS[0], _("文件中没有数据行")))

    debtors, contracts = _check_against_database(plan, errors)
    report.skipped_identical = plan.skipped
    if errors:
        errors.sort(key=lambda e: (e.row, HEADERS.index(e.column) if e.column in HEADERS else 99))
        return report

    try:
        _write(plan, debtors, contracts, lookups, by, reference, report, progress)
    except IntegrityError:
        # Only a concurrent import or edit of the same debtors/contracts/debts gets here.
        log.exception("ledger import hit an integrity error")
        errors.append(RowError(0, "-", _("导入期间数据被他人同时修改，已全部撤销，请重新导入")))
    return report


def _write(plan, debtors, contracts, lookups, by, reference, report, progress):
    today = timezone.localdate()
    reference = (reference or _("台账导入"))[:100]
    total = len(plan.rows)
    with transaction.atomic():
        new_debtors = {}
        for row in plan.rows:
            if row.credit_code not in debtors and row.credit_code not in new_debtors:
                new_debtors[row.credit_code] = Debtor(name=row.debtor_name, credit_code=row.credit_code)
        for part in _chunks(new_debtors.values()):
            for obj in Debtor.objects.bulk_create(part):
                debtors[obj.credit_code] = (obj.pk, obj.name)
        report.debtors_created = len(new_debtors)

        new_contracts = {}
        for row in plan.rows:
            key = (row.unit_id, row.contract_number)
            if key not in contracts and key not in new_contracts:
                new_contracts[key] = Contract(unit_id=row.unit_id, number=row.contract_number,
                                              debtor_id=debtors[row.credit_code][0], due_on=row.due_on,
                                              amount=row.contract_amount)
        for part in _chunks(new_contracts.values()):
            for obj in Contract.objects.bulk_create(part):
                contracts[(obj.unit_id, obj.number)] = (obj.pk,)
        report.contracts_created = len(new_contracts)

        done = 0
        for part in _chunks(plan.rows):
            debts = Debt.objects.bulk_create([
                Debt(code=debt_code(lookups.unit_codes[row.unit_id], row.contract_number, row.category),
                     debtor_id=debtors[row.credit_code][0],
                     contract_id=contracts[(row.unit_id, row.contract_number)][0],
                     category=row.category, unit_id=row.unit_id, handler_id=row.handler_id,
                     responsible_id=row.responsible_id, due_date=row.due_on,
                     # The same sum the ledger derives from the single invoice entry below.
                     balance=row.amount)
                for row in part
            ])
            LedgerEntry.objects.bulk_create([
                LedgerEntry(debt_id=debt.pk, kind=EntryKind.INVOICE, amount=row.amount, date=today,
                            reference=reference, created_by=by)
                for debt, row in zip(debts, part, strict=False)
            ])
            done += len(part)
            if progress:
                progress("write", done, total)
        report.debts_created = total
    log.info("ledger import by %s: %s", by, {k: v for k, v in report.as_dict().items() if k != "errors"})
