"""Whose numbers a user may see in plans, reports and KPIs (rule R1.5).

总经理, 清欠办/清欠小组, finance and the auditor steer or pay from these figures and see every
unit; everyone else sees only their own numbers: debts where they are the handler or the
responsible person, and within their unit scope (workflows.scoping) on top of that.
"""
from django.db.models import Q, QuerySet

from workflows import roles
from workflows.models import Debt, User
from workflows.scoping import debts_for

ALL_FIGURES_ROLES = {roles.GM, roles.COMMITTEE, roles.COMMITTEE_HEAD, roles.FINANCE, roles.AUDITOR}


def sees_all_figures(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name__in=ALL_FIGURES_ROLES).exists()


def may_open_reports(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm("workflows.view_debt")


def report_debts(user: User) -> QuerySet[Debt]:
    """The debts whose figures `user` may see, as a queryset (filtering happens in SQL)."""
    if not may_open_reports(user):
        return Debt.objects.none()
    if sees_all_figures(user):
        return Debt.objects.all()
    return debts_for(user).filter(Q(handler=user) | Q(responsible=user))
