"""Aging buckets (账龄分段, rule R5.7): days past the due date, grouped by configurable bounds.

Bucket 0 is "not due"; bucket i (1..n) holds days in (bound[i-2], bound[i-1]]; bucket n+1 is
beyond the last bound. The same rule is given twice: as a Python function (pages, tests) and
as a SQL CASE (the daily run), so both must change together.
"""
from django.utils.translation import gettext as _


def bucket_index(days_overdue, bounds):
    if days_overdue <= 0:
        return 0
    for i, bound in enumerate(bounds, start=1):
        if days_overdue <= bound:
            return i
    return len(bounds) + 1


def bucket_sql(days_expr, bounds):
    """SQL CASE giving bucket_index(days_expr). Bounds are integers from validated settings,
    so inlining them is safe."""
    parts = ["CASE WHEN (%s) <= 0 THEN 0" % days_expr]
    for i, bound in enumerate(bounds, start=1):
        parts.append("WHEN (%s) <= %d THEN %d" % (days_expr, int(bound), i))
    parts.append("ELSE %d END" % (len(bounds) + 1))
    return " ".join(parts)


def _span(days):
    return days // 365 if days % 365 == 0 else None


def bucket_labels(bounds):
    labels = [_("未到期")]
    previous = 0
    for bound in bounds:
        lo, hi = _span(previous), _span(bound)
        if previous and lo is not None and hi is not None:
            labels.append(_("%(a)d-%(b)d年") % {"a": lo, "b": hi})
        else:
            labels.append(_("%(a)d-%(b)d天") % {"a": previous + 1, "b": bound})
        previous = bound
    last = _span(previous)
    labels.append(_("%(a)d年以上") % {"a": last} if last else _("%(a)d天以上") % {"a": previous})
    return labels


def bucket_label(index, bounds):
    if index is None:
        return ""
    return bucket_labels(bounds)[index]
