"""The chains a user may start on a debt now (the debt detail page renders them)."""
from django.urls import reverse
from django.utils.translation import gettext as _

from workflows.models import Debt, State, User
from workflows.roles import COMMITTEE, COMMITTEE_HEAD, HANDLER
from workflows.scoping import debts_for

from .disposal import offset_of
from .models import Chain, ChainProcess
from .write_off import eligible_on

# Debt states each chain may start from (rule R4.3).
STARTS_FROM = {
    Chain.VISIT: {State.OVERDUE},
    Chain.LITIGATION: {State.OVERDUE, State.VISIT},
    Chain.IN_KIND: {State.OVERDUE, State.VISIT, State.LEGAL},
    Chain.WRITE_OFF: {State.OVERDUE, State.VISIT, State.LEGAL},
    Chain.OUTSOURCING: {State.OVERDUE, State.VISIT, State.LEGAL},
    Chain.SUSPENSION: {State.OVERDUE, State.VISIT},
    # Goods taken in kind, also by a partial offset that left the debt open (rules R4.24, R4.33).
    Chain.DISPOSAL: {State.SETTLED_IN_KIND, State.OVERDUE, State.VISIT, State.LEGAL, State.CLEARED},
}
REQUESTER_ROLES = {HANDLER, COMMITTEE, COMMITTEE_HEAD}


def running_chain(debt: Debt) -> ChainProcess | None:
    return ChainProcess.objects.filter(debt=debt, active=True).first()


def why_cannot_start(chain: str, debt: Debt, user: User) -> str | None:
    """None if `user` may start `chain` on `debt` now, else the reason in Chinese."""
    if not user.is_authenticated or not user.is_active:
        return _("请先登录")
    if not user.has_perm("workflows.request_transition") or not user.groups.filter(
            name__in=REQUESTER_ROLES).exists():
        return _("您无权发起审批申请")
    if not debts_for(user).filter(pk=debt.pk).exists():
        return _("债权不在您的管辖范围内")
    if debt.state not in STARTS_FROM[chain]:
        return _("债权当前状态“%(state)s”不能发起%(chain)s") % {
            "state": debt.get_state_display(), "chain": Chain(chain).label}
    running = running_chain(debt)
    if running is not None:
        return _("该债权已有进行中的审批：%(chain)s #%(pk)s") % {"chain": running.get_chain_display(), "pk": running.pk}
    if chain == Chain.WRITE_OFF and not eligible_on(debt):
        return _("债权不满足任何核销条件")
    if chain == Chain.DISPOSAL and offset_of(debt) <= 0:
        return _("债权没有以物抵债冲抵，无抵债物资可处置")
    return None


def start_url(chain: str, debt: Debt) -> str:
    return reverse("approvals:start", args=[chain, debt.pk])


def available_actions(debt: Debt, user: User) -> list[dict[str, str]]:
    """[{"label", "url"}] for every chain this user may start on this debt now."""
    if running_chain(debt) is not None:
        return []
    return [{"label": str(Chain(chain).label), "url": start_url(chain, debt)}
            for chain in Chain.values if why_cannot_start(chain, debt, user) is None]
