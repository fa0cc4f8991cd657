"""Posting to the ledger and deriving the balance from it.

claim balance (债权余额) = invoices + adjustments − payments − in-kind offsets − recoveries.
A write-off does not reduce what the debtor owes (账销案存): it moves the claim to the memo
ledger, recorded as written_off_amount, and collection goes on.
"""
import datetime
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.utils.translation import gettext as _

from workflows.exceptions import LedgerError
from workflows.lifecycle import apply_transition
from workflows.models import OPEN_STATES, ZERO, Debt, EntryKind, LedgerEntry, State, User

SIGN = {
    EntryKind.INVOICE: 1,
    EntryKind.PAYMENT: -1,
    EntryKind.ADJUSTMENT: 1,
    EntryKind.IN_KIND_OFFSET: -1,
    EntryKind.WRITE_OFF: 0,
    EntryKind.RECOVERY: -1,
}
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")  # MONEY: max_digits=16, decimal_places=2
# No entry before the contract was signed (rule R2.13); without a signing date on record, none
# before this day (a mistyped year such as 0202 or 1202).
EARLIEST_ENTRY = datetime.date(1990, 1, 1)


# Which entries a person may record by hand in each state. Write-off and in-kind offsets are
# booked by their approval chains, never by hand.
MANUAL_KINDS = {
    **{state: [EntryKind.INVOICE, EntryKind.PAYMENT, EntryKind.ADJUSTMENT] for state in OPEN_STATES},
    State.SETTLED_IN_KIND: [EntryKind.PAYMENT, EntryKind.ADJUSTMENT],
    State.WRITTEN_OFF: [EntryKind.RECOVERY, EntryKind.ADJUSTMENT],
}


def manual_entry_kinds(debt: Debt) -> list[EntryKind]:
    """The ledger entry kinds that may be recorded by hand on this debt now."""
    return MANUAL_KINDS.get(debt.state, [])


def parse_amount(value: object, field: str | None = None) -> Decimal:
    """A money amount from user input: Decimal, at most 2 places. Errors name the field."""
    # The default label is translated per call, in the user's language, not once at import.
    field = field if field is not None else _("金额")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise LedgerError(_("%(field)s“%(value)s”不是数字") % {"field": field, "value": value}) from None
    if not amount.is_finite():
        raise LedgerError(_("%(field)s“%(value)s”不是数字") % {"field": field, "value": value})
    # Money columns hold 16 digits, 2 of them after the point (rule R2.6): a larger amount is a
    # typing error, refused here rather than overflowing the database (or Decimal's quantize).
    if abs(amount) > MAX_AMOUNT:
        raise LedgerError(_("%(field)s“%(value)s”超出范围：最大为 %(max)s") % {
            "field": field, "value": value, "max": f"{MAX_AMOUNT:,}"})
    if amount != amount.quantize(CENT):
        raise LedgerError(_("%(field)s“%(value)s”最多两位小数") % {"field": field, "value": value})
    return amount.quantize(CENT)


def balances_at(debt_ids: list[int], on: datetime.date) -> dict[int, Decimal]:
    """Each debt's balance from its entries dated on or before `on` (one grouped query); a debt
    with no such entry is absent and reads 0 through the returned defaultdict."""
    signed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for debt_id, kind, total in (LedgerEntry.objects.filter(debt_id__in=debt_ids, date__lte=on)
                                 .values_list("debt_id", "kind").annotate(s=Sum("amount"))
                                 .values_list("debt_id", "kind", "s")):
        signed[debt_id] += total * SIGN[kind]
    return signed


def _signed_amount():
    return Case(
        *[When(kind=kind, then=F("amount") * Value(sign)) for kind, sign in SIGN.items()],
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )


def claim_balance_from_entries(debt: Debt) -> Decimal:
    """The balance recomputed from every entry (the cached column must always equal this)."""
    total = LedgerEntry.objects.filter(debt=debt).aggregate(s=Sum(_signed_amount()))["s"]
    return (total or ZERO).quantize(CENT)


def written_off_from_entries(debt: Debt) -> Decimal:
    total = LedgerEntry.objects.filter(debt=debt, kind=EntryKind.WRITE_OFF).aggregate(s=Sum("amount"))["s"]
    return (total or ZERO).quantize(CENT)


def check_date(debt: Debt, date: datetime.date) -> None:
    """An entry's date: not before the debt's contract was signed (rule R2.13)."""
    signed_on = debt.contract.signed_on if debt.contract_id else None
    if signed_on is not None and date < signed_on:
        raise LedgerError(_("日期 %(date)s 早于合同签订日期 %(signed)s：分录日期不能早于合同签订") % {
            "date": date.isoformat(), "signed": signed_on.isoformat()}, "date")
    if date < EARLIEST_ENTRY:
        raise LedgerError(_("日期 %(date)s 早于 %(earliest)s，请检查年份") % {
            "date": date.isoformat(), "earliest": EARLIEST_ENTRY.isoformat()}, "date")


def check_entry(debt: Debt, kind: str, amount: Decimal, date: datetime.date, *, in_state: str) -> None:
    """post_entry's refusals of an entry on `debt` once it is in `in_state`, for a caller that
    must know them before it writes anything, the transition included (an approving step's
    effect, approvals.effects.write_off)."""
    check_date(debt, date)
    _check(debt, kind, amount, in_state)


def _check(debt, kind, amount, state=None):
    state = debt.state if state is None else state
    if kind not in SIGN:
        raise LedgerError(_("未知的分录类型：%(kind)s") % {"kind": kind})
    if kind != EntryKind.ADJUSTMENT and amount <= ZERO:
        raise LedgerError(_("金额必须大于零"))
    if kind == EntryKind.ADJUSTMENT and amount == ZERO:
        raise LedgerError(_("调整金额不能为零"))
    if state == State.SEALED:
        raise LedgerError(_("债权 %(code)s 已封档，不能再记账") % {"code": debt.code})
    increases = kind == EntryKind.INVOICE or (kind == EntryKind.ADJUSTMENT and amount > 0)
    if increases and state not in OPEN_STATES:
        raise LedgerError(_("债权 %(code)s 处于“%(state)s”状态，不能再增加应收")
                          % {"code": debt.code, "state": State(state).label})
    if kind == EntryKind.PAYMENT and state == State.WRITTEN_OFF:
        raise LedgerError(_("已核销债权的回款请记为“核销后收回”"))
    if kind == EntryKind.RECOVERY and state != State.WRITTEN_OFF:
        raise LedgerError(_("只有已核销的债权才能记“核销后收回”"))
    if kind == EntryKind.WRITE_OFF and state != State.WRITTEN_OFF:
        raise LedgerError(_("核销分录只能在核销审批通过后记账"))
    # Chain A books the offset (never by hand, MANUAL_KINDS): on a debt it settles, or on an open
    # debt whose balance the offset does not cover, which stays open (rule R4.24).
    if kind == EntryKind.IN_KIND_OFFSET and state != State.SETTLED_IN_KIND and state not in OPEN_STATES:
        raise LedgerError(_("以物抵债冲抵只能在以物抵债审批通过后记账"))
    if kind == EntryKind.WRITE_OFF and amount != debt.balance:
        raise LedgerError(_("核销金额须等于债权余额 %(balance)s") % {"balance": debt.balance})
    reduces = SIGN[kind] < 0 or (kind == EntryKind.ADJUSTMENT and amount < 0)
    if reduces and abs(amount) > debt.balance:
        raise LedgerError(
            _("%(kind)s金额 %(amount)s 大于债权余额 %(balance)s")
            % {"kind": EntryKind(kind).label, "amount": abs(amount), "balance": debt.balance}
        )


def post_entry(debt_id: int, kind: str, amount: Decimal | str, date: datetime.date, *, by: User | None = None,
               reference: str = "", clear_on_zero: bool = True, savepoint: bool = True,
               locked: Debt | None = None) -> LedgerEntry:
    """Append one entry, refresh the derived balance and clear the debt when it reaches 0.
    savepoint=False when the caller's own savepoint answers for a refusal (an approving step's
    effect); locked: the debt row (with its contract) the caller has locked in this transaction
    and holds as it is now, not read again (issue 20 item 3)."""
    amount = parse_amount(amount)
    with transaction.atomic(savepoint=savepoint):
        if locked is not None and locked.pk == debt_id:
            debt = locked
        else:
            debt = Debt.objects.select_for_update(of=("self",)).select_related("contract").get(pk=debt_id)
        check_date(debt, date)
        _check(debt, kind, amount)
        entry = LedgerEntry.objects.create(debt=debt, kind=kind, amount=amount, date=date,
                                           reference=reference, created_by=by)
        # The cached columns are the sum of the entries (claim_balance_from_entries): the row is
        # locked and read in this transaction, the entries are append-only and only this module
        # (and the import, which writes both) adds them, so the sum moves by this entry's amount
        # alone; added to the row as read, not summed again (issue 20: a statement of every
        # posting). Only this module writes them (update() on other fields is allowed).
        balance = (debt.balance + SIGN[kind] * amount).quantize(CENT)
        written_off = (debt.written_off_amount + (amount if kind == EntryKind.WRITE_OFF else ZERO)).quantize(CENT)
        Debt.objects.filter(pk=debt.pk).update(balance=balance, written_off_amount=written_off)
        debt.balance, debt.written_off_amount = balance, written_off
        if clear_on_zero and balance == ZERO and kind != EntryKind.INVOICE and (
            debt.state in OPEN_STATES or debt.state == State.WRITTEN_OFF
        ):
            apply_transition(debt.pk, State.CLEARED, by=by, reason=_("余额为零，自动结清"))
        return entry
