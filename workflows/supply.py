"""Stop supply (停止供货, rule R3.12).

A debtor with overdue arrears (debts overdue, in visits, in court or written off 账销案存, with a
balance still owed) is flagged: no new contract or debt is registered for it — not on the
admin's contract page, not by the ledger import — until the arrears are settled or 清欠办 lifts
the flag with a recorded reason. A lift covers the overdue debts it names; one that falls
overdue afterwards flags the debtor again.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from workflows.exceptions import SupplyStopError, SupplyStopped
from workflows.models import ZERO, Debt, Debtor, State, SupplyStopLift, User

# Arrears that stop supply: money past due and still owed (a written-off claim is still owed, R3.x).
ARREARS_STATES = [State.OVERDUE, State.VISIT, State.LEGAL, State.WRITTEN_OFF]
PERMISSION = "workflows.lift_supply_stop"
LISTED = 5  # debt codes named in a refusal


@dataclass
class SupplyStatus:
    debtor_id: int
    debts: list = field(default_factory=list)   # (pk, code, balance) of the overdue debts
    lift: SupplyStopLift | None = None          # the latest lift

    @property
    def arrears(self) -> Decimal:
        return sum((balance for _pk, _code, balance in self.debts), ZERO)

    @property
    def covered(self) -> bool:
        """The latest lift covers every overdue debt there is now."""
        return self.lift is not None and {pk for pk, _c, _b in self.debts} <= set(self.lift.debt_ids)

    @property
    def stopped(self) -> bool:
        return bool(self.debts) and not self.covered

    @property
    def codes(self) -> list[str]:
        return [code for _pk, code, _b in self.debts]

    @property
    def codes_text(self) -> str:
        return _("、").join(self.codes)


def statuses(debtor_ids: list[int] | set[int]) -> dict[int, SupplyStatus]:
    """The stop-supply status of each debtor, in two queries whatever the number of debtors."""
    ids = sorted(set(debtor_ids))
    result = {pk: SupplyStatus(pk) for pk in ids}
    if not ids:
        return result
    for debtor_id, pk, code, balance in (Debt.objects.filter(debtor_id__in=ids, state__in=ARREARS_STATES,
                                                             balance__gt=ZERO)
                                         .order_by("debtor_id", "code").values_list("debtor_id", "pk", "code",
                                                                                    "balance")):
        result[debtor_id].debts.append((pk, code, balance))
    for lift in SupplyStopLift.objects.filter(debtor_id__in=ids).select_related("lifted_by").order_by(
            "debtor_id", "-lifted_at", "-pk"):
        if result[lift.debtor_id].lift is None:
            result[lift.debtor_id].lift = lift
    return result


def status(debtor: Debtor) -> SupplyStatus:
    return statuses([debtor.pk])[debtor.pk]


def refusal(name: str, state: SupplyStatus) -> str:
    """What a refused registration says: the debtor, its arrears and who can lift the flag."""
    codes = "、".join(state.codes[:LISTED]) + (_("等") if len(state.codes) > LISTED else "")
    return _("债务人“%(name)s”已停止供货（规则 R3.12）：逾期欠款 %(count)s 笔共 %(amount)s 元（%(codes)s）；"
             "结清欠款或由清欠办解除停止供货后，才能登记新的合同或债权") % {
        "name": name, "count": len(state.debts), "amount": f"{state.arrears:,.2f}", "codes": codes}


def check_may_register(debtor: Debtor) -> None:
    """Raise SupplyStopped when no new contract or debt may be registered for this debtor."""
    state = status(debtor)
    if state.stopped:
        raise SupplyStopped(refusal(debtor.name, state))


def may_lift(user: User) -> bool:
    return user.is_authenticated and user.has_perm(PERMISSION)


@transaction.atomic
def lift_stop(*, debtor: Debtor, by: User, reason: str) -> SupplyStopLift:
    """清欠办 lifts the flag for the overdue debts the debtor has now, with the reason recorded."""
    if not may_lift(by):
        raise SupplyStopError(_("只有清欠办可以解除停止供货"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise SupplyStopError(_("解除原因：请写明解除停止供货的原因（至少 4 个字）"))
    Debtor.objects.select_for_update().get(pk=debtor.pk)  # two lifts at once record one state
    state = status(debtor)
    if not state.stopped:
        raise SupplyStopError(_("该债务人未被停止供货，无需解除"))
    return SupplyStopLift.objects.create(debtor=debtor, lifted_by=by, reason=reason,
                                         debt_ids=[pk for pk, _c, _b in state.debts], arrears=state.arrears)
