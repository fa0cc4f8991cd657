"""Who may do what in collection work. Scoping (which debts) is workflows.scoping's job."""
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from workflows import roles

# The people who pursue debts day to day; the legal team also writes letters and visits.
WORKER_ROLES = {roles.HANDLER, roles.COMMITTEE, roles.COMMITTEE_HEAD, roles.LEGAL}
AGENCY_ROLES = {roles.COMMITTEE, roles.COMMITTEE_HEAD, roles.LEGAL, roles.GM}
FEE_ROLES = {roles.FINANCE}


def groups(user):
    if not user or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_qq_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._qq_groups = cached
    return cached


def _writer(user, allowed):
    g = groups(user)
    # Auditors read everything and change nothing, whatever else they hold.
    return bool(g & allowed) and roles.AUDITOR not in g


def may_work(user):
    return _writer(user, WORKER_ROLES)


def is_legal(user):
    return _writer(user, {roles.LEGAL})


def may_manage_agencies(user):
    return _writer(user, AGENCY_ROLES)


def may_pay_fees(user):
    return _writer(user, FEE_ROLES)


def require(allowed, message):
    if not allowed:
        raise PermissionDenied(message)


def require_worker(user):
    require(may_work(user), _("没有登记催收工作的权限"))


def require_legal(user):
    require(is_legal(user), _("只有法务部可以办理诉讼案件"))
