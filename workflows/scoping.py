"""Which debts a user may see: their unit and the units below it; group-level roles see all.

A debt outside the scope is answered with 404 (its existence is not disclosed).
"""
from django.db.models import QuerySet
from django.http import Http404

from workflows.models import Debt, Debtor, OrgUnit, User
from workflows.roles import VIEW_ALL_UNITS


def sees_all_units(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.has_perm(VIEW_ALL_UNITS))


def unit_ids_in_scope(user: User) -> list[int] | None:
    """None means every unit."""
    if sees_all_units(user):
        return None
    if not user.is_authenticated or user.unit_id is None:
        return []
    return user.unit.subtree_ids()


def scope_debts(queryset: QuerySet[Debt], user: User) -> QuerySet[Debt]:
    if not user.is_authenticated or not user.has_perm("workflows.view_debt"):
        return queryset.none()
    unit_ids = unit_ids_in_scope(user)
    if unit_ids is None:
        return queryset
    return queryset.filter(unit_id__in=unit_ids)


def debt_in_scope(user: User, debt: Debt) -> bool:
    """debts_for(user) holds `debt`, answered from the loaded debt's unit (no statement for a
    user who sees every unit): the same rule as scope_debts."""
    if not user.is_authenticated or not user.has_perm("workflows.view_debt"):
        return False
    return sees_all_units(user) or in_line_above(user, debt.unit_id)


def in_line_above(user: User, unit_id: int) -> bool:
    """The user's unit is `unit_id` or a unit above it, so that a debt of `unit_id` is in their
    scope (unit_ids_in_scope asked from below), from the unit tree the user object keeps
    (unit_tree): a request's checks of one step read it once."""
    return user.unit_id is not None and user.unit_id in units_above(unit_id, parents=unit_tree(user))


def debts_for(user: User) -> QuerySet[Debt]:
    return scope_debts(Debt.objects.all(), user)


def get_debt_for(user: User, **lookup: object) -> Debt:
    try:
        return debts_for(user).get(**lookup)
    except Debt.DoesNotExist:
        raise Http404("No debt matches the given query.") from None


def debtors_for(user: User) -> QuerySet[Debtor]:
    """Debtors a user may see: every one for group-level roles, else those with a debt in scope."""
    if not user.is_authenticated or not user.has_perm("workflows.view_debt"):
        return Debtor.objects.none()
    if unit_ids_in_scope(user) is None:
        return Debtor.objects.all()
    return Debtor.objects.filter(pk__in=debts_for(user).values("debtor_id"))


def get_debtor_for(user: User, **lookup: object) -> Debtor:
    try:
        return debtors_for(user).get(**lookup)
    except Debtor.DoesNotExist:
        raise Http404("No debtor matches the given query.") from None


UNIT_TREE_CACHE = "_qq_unit_parents"


def unit_tree(user: User) -> dict[int, int | None]:
    """The unit tree (unit → parent), read once per user object: a request's checks of one
    step (scope, unit-scoped roles) ask it several times (issue 20 item 3); the next request's
    user reads it afresh."""
    parents = user.__dict__.get(UNIT_TREE_CACHE)
    if parents is None:
        parents = user.__dict__[UNIT_TREE_CACHE] = dict(OrgUnit.objects.values_list("pk", "parent_id"))
    return parents


def units_above(unit_id: int, *, parents: dict[int, int | None] | None = None) -> list[int]:
    """The unit and every unit above it, from one read of the (small) unit tree (or `parents`,
    unit_tree's): the people of these units have the debt in scope (unit_ids_in_scope, seen
    from below)."""
    if parents is None:
        parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
    result, node = [], unit_id
    while node is not None and node not in result:
        result.append(node)
        node = parents.get(node)
    return result
