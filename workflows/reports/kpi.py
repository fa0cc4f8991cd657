"""Key figures for the 总经理 and 清欠小组 (rule R6.5), all computed from the ledger in SQL.

For a period [start, end], with "opening" meaning the day before start:

- recovered = payments + recoveries after write-off + in-kind offsets dated in the period;
- credit sales = invoices dated in the period;
- receivables at a date = Σ signed ledger entries dated on or before it (the claim balance of
  workflows.ledger, so written-off claims count: 账销案存);
- overdue at a date = receivables of debts whose due date is before that date;
  current (not yet due) = receivables of debts due on or after it;
- DSO = closing receivables / credit sales × days in period;
- CEI = (opening receivables + credit sales − closing receivables)
        / (opening receivables + credit sales − closing current receivables) × 100;
- recovery rate = recovered / opening overdue receivables × 100;
- overdue ratio = closing overdue receivables / closing receivables × 100;
- lapsed limitations and key monitoring come from the clock's last run (count and balance).

Ratios are percentages rounded to 2 places, or None when the denominator is zero.
"""
import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from workflows.ledger import SIGN
from workflows.models import EntryKind, LedgerEntry
from workflows.reports.aging import aged_debts

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=18, decimal_places=2)
RECOVERY_KINDS = [EntryKind.PAYMENT, EntryKind.RECOVERY, EntryKind.IN_KIND_OFFSET]


def money(value):
    return (value or ZERO).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator, denominator, scale=Decimal("100")):
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator) * scale).quantize(CENT, rounding=ROUND_HALF_UP)


def _signed(condition=None):
    whens = []
    for kind, sign in SIGN.items():
        if sign == 0:
            continue
        q = Q(kind=kind) if condition is None else Q(kind=kind) & condition
        whens.append(When(q, then=F("amount") * Value(sign)))
    return Sum(Case(*whens, default=Value(ZERO), output_field=MONEY), output_field=MONEY)


def _entries(debts):
    return LedgerEntry.objects.filter(debt__in=debts.values("pk")).order_by()


def month_bounds(year, month):
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def quarter_bounds(year, quarter):
    return date(year, 3 * quarter - 2, 1), month_bounds(year, 3 * quarter)[1]


def recovered(debts, start, end):
    total = _entries(debts).filter(kind__in=RECOVERY_KINDS, date__gte=start, date__lte=end).aggregate(
        s=Sum("amount"))["s"]
    return money(total)


def credit_sales(debts, start, end):
    total = _entries(debts).filter(kind=EntryKind.INVOICE, date__gte=start, date__lte=end).aggregate(
        s=Sum("amount"))["s"]
    return money(total)


def receivables(debts, on):
    """(total, overdue, current) receivables at the end of day `on`, one query."""
    row = _entries(debts).filter(date__lte=on).aggregate(
        total=_signed(),
        overdue=_signed(Q(debt__due_date__lt=on)),
    )
    total, overdue = money(row["total"]), money(row["overdue"])
    return total, overdue, total - overdue


def dso(closing_receivables, sales, days):
    """Days sales outstanding = closing receivables / credit sales × days in the period."""
    if not sales:
        return None
    return (Decimal(closing_receivables) / Decimal(sales) * days).quantize(CENT, rounding=ROUND_HALF_UP)


def cei(opening, sales, closing_total, closing_current):
    """Collection effectiveness index, in percent (see the module docstring)."""
    return ratio(opening + sales - closing_total, opening + sales - closing_current)


@dataclass
class Kpis:
    start: date
    end: date
    recovered: Decimal
    credit_sales: Decimal
    opening_receivables: Decimal
    opening_overdue: Decimal
    closing_receivables: Decimal
    closing_overdue: Decimal
    closing_current: Decimal
    dso: Decimal
    cei: Decimal
    recovery_rate: Decimal
    overdue_ratio: Decimal
    lapsed_count: int
    lapsed_balance: Decimal
    key_count: int
    key_balance: Decimal

    @property
    def days(self):
        return (self.end - self.start).days + 1


def kpis(debts, start, end):
    """Every key figure for the debts (already scoped to the viewer) over [start, end]."""
    opening_total, opening_overdue, _current = receivables(debts, start - timedelta(days=1))
    closing_total, closing_overdue, closing_current = receivables(debts, end)
    got = recovered(debts, start, end)
    sales = credit_sales(debts, start, end)
    days = (end - start).days + 1
    aged = aged_debts(debts)
    lapsed = aged.filter(clock__lapsed=True).aggregate(n=Count("pk"), s=Coalesce(Sum("balance"), Value(ZERO)))
    key = aged.filter(key_monitoring=True).aggregate(n=Count("pk"), s=Coalesce(Sum("balance"), Value(ZERO)))
    return Kpis(
        start=start, end=end, recovered=got, credit_sales=sales,
        opening_receivables=opening_total, opening_overdue=opening_overdue,
        closing_receivables=closing_total, closing_overdue=closing_overdue, closing_current=closing_current,
        dso=dso(closing_total, sales, days),
        cei=cei(opening_total, sales, closing_total, closing_current),
        recovery_rate=ratio(got, opening_overdue),
        overdue_ratio=ratio(closing_overdue, closing_total),
        lapsed_count=lapsed["n"], lapsed_balance=money(lapsed["s"]),
        key_count=key["n"], key_balance=money(key["s"]),
    )


def month_ends(last, count=12):
    """The `count` month ends up to the month of `last` (the last one is `last` itself)."""
    ends = []
    year, month = last.year, last.month
    for _i in range(count):
        ends.append(min(month_bounds(year, month)[1], last))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(ends))


def monthly_trend(debts, last, count=12):
    """[(month end, receivables, overdue, recovered in month)] in one query."""
    ends = month_ends(last, count)
    aggregates = {}
    for i, end in enumerate(ends):
        start = date(end.year, end.month, 1)
        aggregates[f"t{i}"] = _signed(Q(date__lte=end))
        aggregates[f"o{i}"] = _signed(Q(date__lte=end, debt__due_date__lt=end))
        aggregates[f"r{i}"] = Sum(Case(When(Q(kind__in=RECOVERY_KINDS, date__gte=start, date__lte=end),
                                            then=F("amount")), default=Value(ZERO), output_field=MONEY))
    row = _entries(debts).filter(date__lte=last).aggregate(**aggregates)
    return [(end, money(row[f"t{i}"]), money(row[f"o{i}"]), money(row[f"r{i}"])) for i, end in enumerate(ends)]
