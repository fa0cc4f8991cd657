"""账龄分析表: outstanding balances by aging bucket, grouped by unit, handler, category or debtor.

The buckets are the clock's (workflows.aging, bounds from ClockSettings); here they are
computed in the database: one GROUP BY with a CASE per bucket over the debts' cached balance,
so the report costs one scan however many debts there are (bench/aging_report.py).

Which debts: open ones and written-off ones (账销案存: the claim stays on the memo ledger),
with a balance above zero. Days overdue = as-of date − due date; a debt due on the as-of date
or later is "not due" (bucket 0).
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import aging
from .models import OPEN_STATES, Category, ClockSettings, Debtor, OrgUnit, State, User

ZERO = Decimal("0.00")
AGED_STATES = [s.value for s in OPEN_STATES] + [State.WRITTEN_OFF.value]

DIMENSIONS = {
    "unit": ("unit_id", gettext_lazy("单位")),
    "handler": ("handler_id", gettext_lazy("经办人")),
    "category": ("category", gettext_lazy("类别")),
    "debtor": ("debtor_id", gettext_lazy("债务人")),
}


@dataclass
class AgingRow:
    key: object
    label: str
    buckets: list
    total: Decimal
    count: int


@dataclass
class AgingReport:
    as_of: date
    dimension: str
    labels: list
    rows: list
    totals: list = field(default_factory=list)
    total: Decimal = ZERO
    count: int = 0

    @property
    def dimension_label(self):
        return DIMENSIONS[self.dimension][1]


def days_overdue_sql(as_of, column='"workflows_debt"."due_date"'):
    """SQL for (as_of − due date) in days. as_of is a date object, so inlining it is safe."""
    if not isinstance(as_of, date):
        raise TypeError("as_of must be a date")
    literal = as_of.isoformat()
    if connection.vendor == "postgresql":
        return f"(DATE '{literal}' - {column})"
    return f"CAST(julianday('{literal}') - julianday({column}) AS integer)"


def aged_debts(debts):
    return debts.filter(state__in=AGED_STATES, balance__gt=0)


def bucket_expression(as_of, bounds):
    return RawSQL(aging.bucket_sql(days_overdue_sql(as_of), bounds), [])


def _bucket_sums(as_of, bounds):
    """SUM(CASE WHEN bucket = i THEN balance ELSE 0 END) for every bucket, built as raw SQL
    around the clock's one CASE so the bucket rule is written only once (workflows.aging)."""
    case = aging.bucket_sql(days_overdue_sql(as_of), bounds)
    money = DecimalField(max_digits=18, decimal_places=2)
    return {
        f"b{i}": Sum(RawSQL(f'CASE WHEN ({case}) = {i} THEN "workflows_debt"."balance" ELSE 0 END', [],
                            output_field=money), output_field=money)
        for i in range(len(bounds) + 2)
    }


def _names(dimension, keys):
    if dimension == "unit":
        return dict(OrgUnit.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "handler":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    if dimension == "debtor":
        return dict(Debtor.objects.filter(pk__in=keys).values_list("pk", "name"))
    return {value: str(label) for value, label in Category.choices}


def aging_report(debts, as_of, dimension="unit", bounds=None, offset=0, limit=None):
    """The report over the queryset `debts` (already scoped to the user), grouped by
    `dimension`, rows ordered by total descending; offset/limit page the rows in SQL.
    Totals are over all rows, not just the page."""
    if dimension not in DIMENSIONS:
        raise ValueError(_("未知的分组维度：%(d)s") % {"d": dimension})
    bounds = bounds if bounds is not None else ClockSettings.load().buckets
    column = DIMENSIONS[dimension][0]
    sums = _bucket_sums(as_of, bounds)
    base = aged_debts(debts)
    grouped = (base.order_by().values(column)
               .annotate(**sums, total=Coalesce(Sum("balance"), Value(ZERO)), n=Count("pk"))
               .order_by("-total", column))
    if limit is not None:
        grouped = grouped[offset:offset + limit]
    data = list(grouped)
    names = _names(dimension, [r[column] for r in data])
    rows = [
        AgingRow(key=r[column], label=names.get(r[column], str(r[column])),
                 buckets=[(r[f"b{i}"] or ZERO).quantize(ZERO) for i in range(len(bounds) + 2)],
                 total=(r["total"] or ZERO).quantize(ZERO), count=r["n"])
        for r in data
    ]
    overall = base.order_by().aggregate(**sums, total=Coalesce(Sum("balance"), Value(ZERO)), n=Count("pk"))
    return AgingReport(
        as_of=as_of, dimension=dimension, labels=aging.bucket_labels(bounds), rows=rows,
        totals=[(overall[f"b{i}"] or ZERO).quantize(ZERO) for i in range(len(bounds) + 2)],
        total=(overall["total"] or ZERO).quantize(ZERO), count=overall["n"],
    )


def group_count(debts, dimension):
    column = DIMENSIONS[dimension][0]
    return aged_debts(debts).order_by().values(column).distinct().count()


def drill_down(debts, as_of, dimension, key, bucket=None, bounds=None):
    """The debts behind one cell of the report (one group, optionally one bucket)."""
    if dimension not in DIMENSIONS:
        raise ValueError(_("未知的分组维度：%(d)s") % {"d": dimension})
    bounds = bounds if bounds is not None else ClockSettings.load().buckets
    qs = aged_debts(debts).filter(**{DIMENSIONS[dimension][0]: key})
    qs = qs.annotate(bucket=bucket_expression(as_of, bounds))
    if bucket is not None:
        qs = qs.filter(bucket=bucket)
    return qs.select_related("debtor", "unit", "handler").order_by("-balance", "pk")


def bucket_totals_chart(report):
    """(label, amount) per bucket for the bar chart."""
    return list(zip(report.labels, report.totals))

