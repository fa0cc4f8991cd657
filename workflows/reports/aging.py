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
from django.db.models import Count, Sum
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows import aging
from workflows.models import OPEN_STATES, Category, ClockSettings, Debtor, OrgUnit, State, User

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
    groups: int = 0

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


def _names(dimension, keys):
    if dimension == "unit":
        return dict(OrgUnit.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "handler":
        return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    if dimension == "debtor":
        return dict(Debtor.objects.filter(pk__in=keys).values_list("pk", "name"))
    return {value: str(label) for value, label in Category.choices}


def _grouped_sql(base, column, as_of, bounds, offset, limit):
    """One scan: the inner GROUP BY (group, bucket) evaluates the bucket CASE once per debt;
    the outer query pivots buckets into columns, and window functions over the pivoted rows
    give the number of groups and the grand totals, so paging needs no second scan."""
    inner = (base.order_by().annotate(aging_bucket=bucket_expression(as_of, bounds))
             .values(column, "aging_bucket").annotate(s=Sum("balance"), n=Count("pk")))
    sql, params = inner.query.sql_with_params()
    n = len(bounds) + 2
    per_bucket = [f"SUM(CASE WHEN t.aging_bucket = {i} THEN t.s ELSE 0 END)" for i in range(n)]
    select = ", ".join(
        [f't."{column}"']
        + [f"{expr} AS b{i}" for i, expr in enumerate(per_bucket)]
        + ["SUM(t.s) AS total", "SUM(t.n) AS n", "COUNT(*) OVER () AS groups"]
        + [f"SUM({expr}) OVER () AS all_b{i}" for i, expr in enumerate(per_bucket)]
        + ["SUM(SUM(t.s)) OVER () AS all_total", "SUM(SUM(t.n)) OVER () AS all_n"]
    )
    outer = (f'SELECT {select} FROM ({sql}) t GROUP BY t."{column}" ORDER BY total DESC, t."{column}"')
    if limit is not None:
        outer += " LIMIT %s OFFSET %s"
        params = (*params, max(limit, 1), offset)
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        return cursor.fetchall(), n


def _money(value):
    return Decimal(str(value or 0)).quantize(ZERO)


def aging_report(debts, as_of, dimension="unit", bounds=None, offset=0, limit=None):
    """The report over the queryset `debts` (already scoped to the user), grouped by
    `dimension`, rows ordered by total descending; offset/limit page the rows in SQL.
    Totals and the number of groups are over all rows, not just the page."""
    if dimension not in DIMENSIONS:
        raise ValueError(_("未知的分组维度：%(d)s") % {"d": dimension})
    bounds = bounds if bounds is not None else ClockSettings.load().buckets
    column = DIMENSIONS[dimension][0]
    base = aged_debts(debts)
    data, n = _grouped_sql(base, column, as_of, bounds, offset, limit)
    if not data and offset:
        # A page past the end still reports the totals.
        totals_only, n = _grouped_sql(base, column, as_of, bounds, 0, 1)
        first = totals_only[0] if totals_only else None
    else:
        first = data[0] if data else None
    if limit == 0:
        data = []
    names = _names(dimension, [r[0] for r in data])
    rows = [AgingRow(key=r[0], label=names.get(r[0], str(r[0])), buckets=[_money(v) for v in r[1:1 + n]],
                     total=_money(r[1 + n]), count=int(r[2 + n])) for r in data]
    tail = 4 + n
    return AgingReport(
        as_of=as_of, dimension=dimension, labels=aging.bucket_labels(bounds), rows=rows,
        totals=[_money(first[tail + i]) if first else ZERO for i in range(n)],
        total=_money(first[tail + n]) if first else ZERO,
        count=int(first[tail + n + 1] or 0) if first else 0,
        groups=int(first[3 + n]) if first else 0,
    )


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
    return list(zip(report.labels, report.totals, strict=False))

