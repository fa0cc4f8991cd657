"""The debt list's filter form (django-filter). Choices offered are limited to the user's scope,
so the unit and handler drop-downs never disclose units the user may not see."""
from datetime import timedelta

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.models import Category, Debt, OrgUnit, State, User
from workflows.scoping import unit_ids_in_scope

# (code, label, lowest days overdue, highest days overdue or None), the aging buckets of rule R5.7.
OVERDUE_BUCKETS = [
    ("1-30", _("逾期1-30天"), 1, 30),
    ("31-90", _("逾期31-90天"), 31, 90),
    ("91-180", _("逾期91-180天"), 91, 180),
    ("181-365", _("逾期181-365天"), 181, 365),
    ("365+", _("逾期超过365天"), 366, None),
]


def days_overdue(debt, today=None):
    """Days past the due date while money is still owed; 0 otherwise."""
    today = today or timezone.localdate()
    if debt.balance <= 0 or debt.due_date >= today:
        return 0
    return (today - debt.due_date).days


def _units(request):
    if request is None:
        return OrgUnit.objects.none()
    ids = unit_ids_in_scope(request.user)
    return OrgUnit.objects.all() if ids is None else OrgUnit.objects.filter(pk__in=ids)


def _handlers(request):
    if request is None:
        return User.objects.none()
    ids = unit_ids_in_scope(request.user)
    users = User.objects.filter(handled_debts__isnull=False).distinct()
    if ids is not None:
        users = users.filter(handled_debts__unit_id__in=ids)
    return users.order_by("username")


class DebtFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search",
                                  help_text=_("债务人名称、合同编号或债权编号"))
    state = django_filters.ChoiceFilter(label=_("状态"), choices=State.choices, empty_label=_("全部"))
    unit = django_filters.ModelChoiceFilter(label=_("单位"), queryset=_units, empty_label=_("全部"))
    handler = django_filters.ModelChoiceFilter(label=_("经办人"), queryset=_handlers, empty_label=_("全部"))
    category = django_filters.ChoiceFilter(label=_("类别"), choices=Category.choices, empty_label=_("全部"))
    overdue = django_filters.ChoiceFilter(label=_("逾期天数"), method="filter_overdue", empty_label=_("全部"),
                                          choices=[(code, label) for code, label, _lo, _hi in OVERDUE_BUCKETS])

    class Meta:
        model = Debt
        fields = ["q", "state", "unit", "handler", "category", "overdue"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(debtor__name__icontains=value) | Q(contract__number__icontains=value) | Q(code__icontains=value)
        )

    def filter_overdue(self, queryset, name, value):
        bucket = next((b for b in OVERDUE_BUCKETS if b[0] == value), None)
        if bucket is None:
            return queryset
        _code, _label, low, high = bucket
        today = timezone.localdate()
        # days overdue = today - due_date, counted only while a balance is owed
        queryset = queryset.filter(balance__gt=0, due_date__lte=today - timedelta(days=low))
        if high is not None:
            queryset = queryset.filter(due_date__gte=today - timedelta(days=high))
        return queryset
