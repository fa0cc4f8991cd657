"""Importing the debt ledger (台账) from a workbook (.xlsx, .xls or .csv; rules R2.16, R2.17).

All or nothing: every row is validated first (against the file itself and the database); if
any row is bad nothing is written and the report lists every bad row with its sheet, row
number, column and reason. Otherwise everything is written in one transaction. Importing the
same file again changes nothing: rows whose debt already exists with the same data are skipped.
A preview (commit=False) runs every check and says what would be created, skipped and refused
without writing anything; the page then commits the same file with one click.

Every sheet is read (or those the user chose); a sheet that is hidden, empty or has no header
row is listed in the report with the reason, never dropped unsaid. How a cell is read (dates,
amounts, headers, 合计 rows) is workflows.ledger_import.parsing's.

The workbook is streamed (openpyxl read_only), so memory grows with the number of distinct
keys kept for duplicate checks, never with the workbook's XML.
"""
import hashlib
import logging
from collections import namedtuple
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.credit_code import problem as credit_code_problem
from workflows.exceptions import InvalidWorkbook
from workflows.ledger_import.parsing import (
    AMOUNT,
    CATEGORY,
    CONTRACT_AMOUNT,
    CONTRACT_DUE,
    CONTRACT_NUMBER,
    CREDIT_CODE,
    DEBTOR,
    HANDLER,
    HEADER_SCAN,
    HEADERS,
    RESPONSIBLE,
    UNIT,
    Bad,
    Lookups,
    blank,
    example_row,
    find_header,
    open_book,
    parse_date,
    parse_money,
    text,
    totals_label,
)
from workflows.models import ZERO, Category, Contract, Debt, Debtor, EntryKind, LedgerEntry, User
from workflows.supply import refusal as supply_refusal
from workflows.supply import statuses as supply_statuses

log = logging.getLogger(__name__)

__all__ = ["HEADERS", "ImportReport", "RowError", "debt_code", "header_problems", "import_ledger"]

CHUNK = 500  # rows per bulk insert / ids per IN (...) query; well under SQLite's variable limit
PROGRESS_EVERY = 1000
PREVIEW_ROWS = 200     # debts to be created, listed in the preview (the counts cover them all)
SKIPPED_LISTED = 1000  # skipped rows listed one by one (the count covers them all)

# One validated row, kept compact because a ledger may have 100,000 of them.
Row = namedtuple("Row", "number sheet unit_id debtor_name credit_code contract_number contract_amount due_on "
                        "category amount handler_id responsible_id")
COLUMN_OF_FIELD = [None, None, UNIT, DEBTOR, CREDIT_CODE, CONTRACT_NUMBER, CONTRACT_AMOUNT, CONTRACT_DUE, CATEGORY,
                   AMOUNT, HANDLER, RESPONSIBLE]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str
    sheet: str = ""

    def __str__(self):
        values = {"row": self.row, "column": self.column, "reason": self.reason, "sheet": self.sheet}
        if self.sheet:
            return _("工作表“%(sheet)s”第%(row)s行 %(column)s：%(reason)s") % values
        return _("第%(row)s行 %(column)s：%(reason)s") % values


# What happened to each sheet of the workbook (ImportReport.sheets[i]["status"]).
SHEET_READ, SHEET_EMPTY, SHEET_HIDDEN, SHEET_NOT_CHOSEN, SHEET_NO_HEADER, SHEET_BAD_HEADER = (
    "read", "empty", "hidden", "not_chosen", "no_header", "bad_header")


@dataclass
class ImportReport:
    rows: int = 0
    debts_created: int = 0
    debtors_created: int = 0
    contracts_created: int = 0
    skipped_identical: int = 0
    errors: list = field(default_factory=list)
    committed: bool = False      # False: a preview, or refused; nothing was written
    sheets: list = field(default_factory=list)   # {name, status, header_row, rows}
    skipped: list = field(default_factory=list)  # {sheet, row, kind, reason}: totals, example, identical
    created: list = field(default_factory=list)  # the first PREVIEW_ROWS debts created (or to be)

    @property
    def ok(self):
        return not self.errors

    @property
    def totals_skipped(self):
        return [s for s in self.skipped if s["kind"] == "totals"]

    def as_dict(self):
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        return data


def header_problems(source: str | Path | IO[bytes], *, file_name: str = "") -> list[RowError]:
    """A quick check at upload time: the file opens and at least one visible sheet has a
    complete header row. Problems of that sheet (or the message that none has one)."""
    best = None
    with open_book(source, file_name) as book:
        visible = [sheet for sheet in book.sheets if not sheet.hidden]
        if not visible:
            raise InvalidWorkbook(_("工作簿是空的"))
        for sheet in visible:
            header = find_header(list(islice(sheet.rows(), HEADER_SCAN)))
            if header is None:
                continue
            if not header.problems:
                return []
            if best is None:
                best = [RowError(header.row, column, reason, sheet.name) for column, reason in header.problems]
    return best or [RowError(1, _("表头"), _no_header_reason(), visible[0].name)]


def _no_header_reason():
    return _("找不到表头行：前 %(n)s 行中没有一行含有所需列名，表头须包含 %(columns)s") % {
        "n": HEADER_SCAN, "columns": "、".join(HEADERS)}


def debt_code(unit_code: str, contract_number: str, category: str) -> str:
    """Deterministic, so importing the same row twice names the same debt."""
    digest = hashlib.sha256(f"{unit_code}\x1f{contract_number}\x1f{category}".encode()).hexdigest()
    return f"IM-{digest[:20].upper()}"


def _parse_row(number, sheet, cells, positions, lookups, errors):
    """A Row, or None after appending every problem of this row to errors."""
    def cell(name):
        index = positions[name]
        return cells[index] if index < len(cells) else None

    values, bad = {}, False

    def take(name, parse):
        nonlocal bad
        try:
            values[name] = parse(cell(name))
        except Bad as exc:
            errors.append(RowError(number, name, str(exc), sheet))
            bad = True

    def required_text(limit):
        def parse(value):
            written = text(value)
            if not written:
                raise Bad(_("不能为空"))
            if len(written) > limit:
                raise Bad(_("长度超过%(limit)s个字符") % {"limit": limit})
            return written
        return parse

    def credit_code(value):
        code = text(value).upper().replace(" ", "")
        reason = credit_code_problem(code)
        if reason:
            raise Bad(reason)
        return code

    take(UNIT, lambda v: lookups.unit(text(v)))
    take(DEBTOR, required_text(200))
    take(CREDIT_CODE, credit_code)
    take(CONTRACT_NUMBER, required_text(64))
    take(CONTRACT_AMOUNT, lambda v: parse_money(v, CONTRACT_AMOUNT, positive=False))
    take(CONTRACT_DUE, lambda v: parse_date(v, CONTRACT_DUE))
    take(CATEGORY, lambda v: lookups.category(text(v)))
    take(AMOUNT, lambda v: parse_money(v, AMOUNT, positive=True))
    take(HANDLER, lambda v: lookups.user(text(v), HANDLER))
    take(RESPONSIBLE, lambda v: lookups.user(text(v), RESPONSIBLE))
    if bad:
        return None
    return Row(number, sheet, values[UNIT], values[DEBTOR], values[CREDIT_CODE], values[CONTRACT_NUMBER],
               values[CONTRACT_AMOUNT], values[CONTRACT_DUE], values[CATEGORY], values[AMOUNT],
               values[HANDLER], values[RESPONSIBLE])


def _at(first, row):
    """Where an earlier row is, said from this row: 第N行, or with its sheet if another one."""
    if first.sheet != row.sheet:
        return _("工作表“%(sheet)s”第%(row)s行") % {"sheet": first.sheet, "row": first.number}
    return _("第%(row)s行") % {"row": first.number}


def _skip(report, row_number, sheet, kind, reason):
    if len(report.skipped) < SKIPPED_LISTED:
        report.skipped.append({"sheet": sheet, "row": row_number, "kind": kind, "reason": reason})


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _Plan:
    """What the file asks for, checked row by row against itself and then the database."""

    def __init__(self, report):
        self.report = report
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
                "统一社会信用代码 %(code)s 在%(first)s的债务人名称为“%(name)s”，与本行不一致")
                % {"code": row.credit_code, "first": _at(first, row), "name": first.debtor_name}, row.sheet))
            ok = False
        first = self.debtor_by_name.setdefault(row.debtor_name, row)
        if first.credit_code != row.credit_code:
            errors.append(RowError(row.number, CREDIT_CODE, _(
                "债务人“%(name)s”在%(first)s的统一社会信用代码为 %(code)s，与本行不一致")
                % {"name": row.debtor_name, "first": _at(first, row), "code": first.credit_code}, row.sheet))
            ok = False
        first = self.contracts.setdefault((row.unit_id, row.contract_number), row)
        for column, attr in ((CREDIT_CODE, "credit_code"), (CONTRACT_AMOUNT, "contract_amount"),
                             (CONTRACT_DUE, "due_on")):
            if getattr(first, attr) != getattr(row, attr):
                errors.append(RowError(row.number, column, _(
                    "同一单位的合同 %(number)s 在%(first)s为“%(value)s”，与本行不一致")
                    % {"number": row.contract_number, "first": _at(first, row), "value": getattr(first, attr)},
                    row.sheet))
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
            _skip(self.report, row.number, row.sheet, "identical", _("与%(first)s相同") % {"first": _at(first, row)})
            return ok
        errors.append(RowError(row.number, _differing_column(first, row), _(
            "与%(first)s重复（单位、合同编号、类别相同）但数据不同") % {"first": _at(first, row)}, row.sheet))
        return False


def _same_debt(a, b):
    return a[2:] == b[2:]


def _differing_column(a, b):
    for index in range(2, len(a)):
        if a[index] != b[index]:
            return COLUMN_OF_FIELD[index]
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
                "handler_id", "responsible_id", "code"):
            existing_debts.setdefault((row[1], row[2], row[3]), row)
    invoiced = {}
    for part in _chunks([d[0] for d in existing_debts.values()]):
        for debt_id, total in LedgerEntry.objects.filter(debt_id__in=part, kind=EntryKind.INVOICE) \
                .values("debt_id").annotate(total=Sum("amount")).values_list("debt_id", "total"):
            invoiced[debt_id] = total

    # rule R3.12: no new contract or debt for a debtor whose supply is stopped.
    stops = supply_statuses({debtors[code][0] for code in plan.debtor_by_code if code in debtors})

    keep = []
    for row in plan.rows:
        bad_before = len(errors)
        known = debtors.get(row.credit_code)
        if known and known[1] != row.debtor_name:
            errors.append(RowError(row.number, DEBTOR, _("统一社会信用代码 %(code)s 已登记为“%(name)s”")
                                   % {"code": row.credit_code, "name": known[1]}, row.sheet))
        other_codes = names_elsewhere.get(row.debtor_name, set()) - {row.credit_code}
        if other_codes:
            errors.append(RowError(row.number, CREDIT_CODE, _(
                "债务人“%(name)s”已登记，统一社会信用代码为 %(code)s")
                % {"name": row.debtor_name, "code": "、".join(sorted(other_codes))}, row.sheet))
        contract = contracts.get((row.unit_id, row.contract_number))
        if contract:
            for column, mine, theirs in ((CREDIT_CODE, row.credit_code, contract[1]),
                                         (CONTRACT_AMOUNT, row.contract_amount, contract[2]),
                                         (CONTRACT_DUE, row.due_on, contract[3])):
                if mine != theirs:
                    errors.append(RowError(row.number, column, _(
                        "合同 %(number)s 已登记为“%(value)s”，与本行不一致")
                        % {"number": row.contract_number, "value": theirs}, row.sheet))
        debt = existing_debts.get((row.unit_id, row.contract_number, row.category))
        if debt:
            for column, mine, theirs in ((CREDIT_CODE, row.credit_code, debt[4]),
                                         (CONTRACT_DUE, row.due_on, debt[5]),
                                         (HANDLER, row.handler_id, debt[6]),
                                         (RESPONSIBLE, row.responsible_id, debt[7]),
                                         (AMOUNT, row.amount, invoiced.get(debt[0], ZERO))):
                if mine != theirs:
                    errors.append(RowError(row.number, column, _(
                        "该债权（单位、合同编号、类别相同）已存在，且%(column)s不同") % {"column": column}, row.sheet))
                    break
            else:
                plan.skipped += 1
                _skip(plan.report, row.number, row.sheet, "identical", _("与已登记的债权 %(code)s 相同") % {
                    "code": debt[8]})
                continue
        stop = stops.get(known[0]) if known else None
        if stop is not None and stop.stopped and len(errors) == bad_before:
            errors.append(RowError(row.number, DEBTOR, supply_refusal(known[1], stop), row.sheet))
        if len(errors) == bad_before:
            keep.append(row)
    plan.rows = keep
    return debtors, contracts


# --- the import ---------------------------------------------------------------------------

def import_ledger(source: str | Path | IO[bytes], *, by: User | None = None,
                  progress: Callable[[str, int, int], None] | None = None, reference: str = "",
                  file_name: str = "", sheets: list[str] | None = None, commit: bool = True) -> ImportReport:
    """Validate and import one workbook (path or binary file object; .xlsx, .xls or .csv).

    by: the importing user: it is recorded on the ledger entries and limits the units the
    file may name to the user's scope; None (the command without --user) means no limit.
    progress(phase, done, total): called now and then; phase is "validate" or "write".
    file_name: the name the user gave the file (tells a .csv apart; a path says it itself).
    sheets: the names of the sheets to read; None reads every visible sheet.
    commit=False: the preview: every check, the counts and lists, nothing written.
    Raises InvalidWorkbook for a file that is no workbook; row problems come back in
    report.errors and then nothing has been written.
    """
    report = ImportReport()
    errors = report.errors
    lookups = Lookups(by)
    plan = _Plan(report)

    with open_book(source, file_name) as book:
        chosen = None if sheets is None else set(sheets)
        unknown = sorted((chosen or set()) - {sheet.name for sheet in book.sheets})
        if unknown:
            raise InvalidWorkbook(_("工作簿中没有工作表“%(name)s”") % {"name": "、".join(unknown)})
        total = sum(sheet.max_row or 0 for sheet in book.sheets) or None
        seen = 0
        for sheet in book.sheets:
            info = {"name": sheet.name, "status": SHEET_READ, "header_row": None, "rows": 0}
            report.sheets.append(info)
            if chosen is not None and sheet.name not in chosen:
                info["status"] = SHEET_NOT_CHOSEN
                continue
            if chosen is None and sheet.hidden:
                info["status"] = SHEET_HIDDEN
                continue
            rows = sheet.rows()
            head = list(islice(rows, HEADER_SCAN))
            header = find_header(head)
            if header is None:
                if all(blank(cells) for cells in head):
                    info["status"] = SHEET_EMPTY
                else:
                    # rule R2.17: a sheet with data is read or refused, never dropped unsaid.
                    info["status"] = SHEET_NO_HEADER
                    errors.append(RowError(1, _("表头"), _no_header_reason() + _("；或在预览中不选此工作表"),
                                           sheet.name))
                continue
            info["header_row"] = header.row
            if header.problems:
                info["status"] = SHEET_BAD_HEADER
                errors.extend(RowError(header.row, column, reason, sheet.name) for column, reason in header.problems)
                continue
            for number, cells in enumerate(chain(head[header.row:], rows), start=header.row + 1):
                seen += 1
                if progress and seen % PROGRESS_EVERY == 0:
                    progress("validate", seen, total)
                if blank(cells):
                    continue  # blank rows between or after the data
                label = totals_label(cells)
                if label:
                    _skip(report, number, sheet.name, "totals", _("合计/小计行“%(label)s”，不导入") % {"label": label})
                    continue
                if example_row(cells):
                    _skip(report, number, sheet.name, "example", _("模板示例行，不导入"))
                    continue
                report.rows += 1
                info["rows"] += 1
                row = _parse_row(number, sheet.name, cells, header.positions, lookups, errors)
                if row is not None:
                    plan.add(row, errors)
    if progress:
        progress("validate", report.rows, report.rows)
    if report.rows == 0 and not errors:
        errors.append(RowError(2, HEADERS[0], _("文件中没有数据行")))

    debtors, contracts = _check_against_database(plan, errors)
    report.skipped_identical = plan.skipped
    order = {info["name"]: index for index, info in enumerate(report.sheets)}
    report.skipped.sort(key=lambda s: (order.get(s["sheet"], -1), s["row"]))
    if errors:
        errors.sort(key=lambda e: (order.get(e.sheet, -1), e.row,
                                   HEADERS.index(e.column) if e.column in HEADERS else 99))
        return report

    report.debtors_created = len({row.credit_code for row in plan.rows} - debtors.keys())
    report.contracts_created = len({(row.unit_id, row.contract_number) for row in plan.rows} - contracts.keys())
    report.debts_created = len(plan.rows)
    labels = dict(Category.choices)
    report.created = [
        {"sheet": row.sheet, "row": row.number, "unit": lookups.unit_codes[row.unit_id], "debtor": row.debtor_name,
         "contract": row.contract_number, "category": str(labels.get(row.category, row.category)),
         "amount": str(row.amount)}
        for row in plan.rows[:PREVIEW_ROWS]]
    if not commit:
        return report

    try:
        _write(plan, debtors, contracts, lookups, by, reference, report, progress)
    except IntegrityError:
        # Only a concurrent import or edit of the same debtors/contracts/debts gets here.
        log.exception("ledger import hit an integrity error")
        errors.append(RowError(0, "-", _("导入期间数据被他人同时修改，已全部撤销，请重新导入")))
        report.debts_created = report.debtors_created = report.contracts_created = 0
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
        report.committed = True
    log.info("ledger import by %s: %s", by, {k: v for k, v in report.as_dict().items() if k != "errors"})
