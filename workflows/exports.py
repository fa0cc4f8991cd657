"""What every export (.xlsx, .csv, manifest JSON) writes through (rules R8.3, R8.15).

- Times in Asia/Shanghai: `local_iso` for JSON and CSV (`2026-10-01T08:30:00+08:00`),
  `excel_datetime` for a real Excel date cell (Excel has no zones, so the local wall time).
- Text from user data that a spreadsheet would run as a formula (a first character of `=`, `+`,
  `-`, `@`, or a tab or carriage return that hides one) is neutralised: in CSV with a leading
  apostrophe (the OWASP advice: the cell shows the text, nothing runs); in .xlsx as a text cell
  with Excel's quote prefix, so the value is kept exactly and shown, never evaluated.
"""
import csv
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.utils import timezone

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_cell(value: object) -> object:
    """A CSV cell: formula-like text gets a leading apostrophe; everything else as it is."""
    return "'" + value if is_formula_like(value) else value


def local_iso(value: datetime | None) -> str | None:
    """ISO 8601 in Asia/Shanghai with its offset; None stays None."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()


def excel_datetime(value: datetime | None) -> datetime | None:
    """The Asia/Shanghai wall time of an aware datetime, for an Excel date cell."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


class CsvWriter:
    """csv.writer whose every text cell goes through csv_cell."""

    def __init__(self, fileobj, **kwargs):
        self._writer = csv.writer(fileobj, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]):
        for row in rows:
            self.writerow(row)


class CsvDictWriter(csv.DictWriter):
    """csv.DictWriter whose every text cell goes through csv_cell (the header is ours)."""

    def writerow(self, rowdict):
        return super().writerow({k: csv_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)


def append_row(ws, values: Iterable[Any]) -> int:
    """Append a row to an openpyxl worksheet: formula-like text as quoted text, dates and
    datetimes as date cells in local time. Returns the row number."""
    values = [excel_datetime(v) if isinstance(v, datetime) else v for v in values]
    ws.append(values)
    row = ws.max_row
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col)
        if is_formula_like(value):
            cell.data_type = "s"
            cell.quotePrefix = True
        elif isinstance(value, datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(value, date):
            cell.number_format = DATE_FORMAT
    return row
