"""Who may do what in collection work, by role. Scoping (which debts) is workflows.scoping's
job; collection.access puts the two together for one object."""
from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from workflows import roles
from workflows.models import User

# Views pass request.user, which is AnonymousUser before login; services pass None for the system.
AnyUser = User | AnonymousUser | None

# The people who pursue debts day to day; the legal team also writes letters and visits.
WORKER_ROLES = {roles.HANDLER, roles.COMMITTEE, roles.COMMITTEE_HEAD, roles.LEGAL}
AGENCY_ROLES = {roles.COMMITTEE, roles.COMMITTEE_HEAD, roles.LEGAL, roles.GM}
FEE_ROLES = {roles.FINANCE}
# Finance sends the scheduled balance confirmations (rule R5.19); 清欠办 may start them too.
CONFIRMATION_ROLES = {roles.FINANCE, roles.COMMITTEE, roles.COMMITTEE_HEAD}


class Act(StrEnum):
    """What a user wants to do with a debt's collection records."""

    READ = "read"                  # the pages: whoever sees the debt
    WORK = "work"                  # contacts, letters, visits, payment plans
    ENGAGE = "engage"              # engage an outside agency or end the engagement
    LEGAL = "legal"                # take and run a legal case
    PAY_FEE = "pay_fee"            # pay an agency's fee
    MANAGE_AGENCIES = "manage_agencies"
    READ_LEGAL_BOARD = "read_legal_board"
    CONFIRM_BALANCES = "confirm_balances"  # generate 对账确认函 in bulk


def groups(user: AnyUser) -> set[str]:
    if not user or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_qq_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._qq_groups = cached
    return cached


def _writer(user: AnyUser, allowed: set[str]) -> bool:
    g = groups(user)
    # Auditors read everything and change nothing, whatever else they hold.
    return bool(g & allowed) and roles.AUDITOR not in g


def is_auditor(user: AnyUser) -> bool:
    return roles.AUDITOR in groups(user)


def may_work(user: AnyUser) -> bool:
    return _writer(user, WORKER_ROLES)


def is_legal(user: AnyUser) -> bool:
    return _writer(user, {roles.LEGAL})


def may_manage_agencies(user: AnyUser) -> bool:
    return _writer(user, AGENCY_ROLES)


def may_pay_fees(user: AnyUser) -> bool:
    return _writer(user, FEE_ROLES)


def may_confirm_balances(user: AnyUser) -> bool:
    return _writer(user, CONFIRMATION_ROLES)


def may_read_legal_board(user: AnyUser) -> bool:
    return is_legal(user) or is_auditor(user) or user.is_superuser


def refusal(user: AnyUser, act: Act) -> str | None:
    """Why `user` may not do `act` (a message for them), or None when they may."""
    act = Act(act)
    if act == Act.READ:
        return None
    allowed, message = {
        Act.WORK: (may_work, _("没有登记催收工作的权限")),
        Act.ENGAGE: (may_work, _("没有登记委托催收的权限")),
        Act.LEGAL: (is_legal, _("只有法务部可以办理诉讼案件")),
        Act.PAY_FEE: (may_pay_fees, _("只有财务部可以支付委托费用")),
        Act.MANAGE_AGENCIES: (may_manage_agencies, _("没有登记受托机构的权限")),
        Act.READ_LEGAL_BOARD: (may_read_legal_board, _("法律事务看板只对法务部开放")),
        Act.CONFIRM_BALANCES: (may_confirm_balances, _("只有财务部和清欠办可以批量发出对账确认函")),
    }[act]
    return None if allowed(user) else message


def require(user: AnyUser, act: Act) -> None:
    """PermissionDenied (403) unless `user` may do `act`."""
    reason = refusal(user, act)
    if reason is not None:
        raise PermissionDenied(reason)

