from datetime import date
from decimal import Decimal

import pytest

from tests import factories as f
from workflows import exceptions, ledger, lifecycle
from workflows.models import EntryKind, LedgerEntry, State


def test_balance_is_derived_from_entries(people, org):
    debt = f.debt(org["a"], people["handler"], amount="1000.00")
    ledger.post_entry(debt.pk, EntryKind.INVOICE, "250.50", date(2025, 2, 1))
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, "300.25", date(2025, 2, 2))
    ledger.post_entry(debt.pk, EntryKind.ADJUSTMENT, "-0.25", date(2025, 2, 3))
    debt.refresh_from_db()
    assert debt.balance == Decimal("950.00")
    assert ledger.claim_balance_from_entries(debt) == Decimal("950.00")
    assert isinstance(debt.balance, Decimal)


def test_the_cached_columns_stay_the_sums_of_the_entries_through_every_kind(people, org):
    """post_entry moves the cached balance and written-off amount by each entry instead of summing
    them again (issue 20): after every posting of every kind they equal the entries' sums."""
    debt = f.debt(org["a"], people["handler"], amount="1000.00")

    def holds():
        debt.refresh_from_db()
        assert debt.balance == ledger.claim_balance_from_entries(debt)
        assert debt.written_off_amount == ledger.written_off_from_entries(debt)
    for kind, amount in ((EntryKind.INVOICE, "250.50"), (EntryKind.PAYMENT, "300.25"),
                         (EntryKind.ADJUSTMENT, "-0.25"), (EntryKind.ADJUSTMENT, "10.00")):
        ledger.post_entry(debt.pk, kind, amount, date(2025, 2, 1))
        holds()
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    f.authorise(debt, State.WRITTEN_OFF, people["gm"])
    lifecycle.apply_transition(debt.pk, State.WRITTEN_OFF, by=people["gm"])
    debt.refresh_from_db()
    ledger.post_entry(debt.pk, EntryKind.WRITE_OFF, debt.balance, date(2025, 3, 1))
    holds()
    assert debt.balance == Decimal("960.00") and debt.written_off_amount == Decimal("960.00")
    ledger.post_entry(debt.pk, EntryKind.RECOVERY, "60.00", date(2025, 3, 2))
    holds()
    assert debt.balance == Decimal("900.00") and debt.written_off_amount == Decimal("960.00")


def test_payment_larger_than_balance_refused_and_nothing_saved(people, org):
    debt = f.debt(org["a"], people["handler"], amount="100.00")
    with pytest.raises(exceptions.LedgerError, match=r"大于债权余额 100\.00"):
        ledger.post_entry(debt.pk, EntryKind.PAYMENT, "100.01", date(2025, 2, 1))
    assert LedgerEntry.objects.filter(debt=debt).count() == 1
    debt.refresh_from_db()
    assert debt.balance == Decimal("100.00")


@pytest.mark.parametrize("bad,message", [("abc", "不是数字"), ("1.005", "两位小数"), ("0", "大于零"),
                                         ("-5", "大于零"), ("NaN", "不是数字")])
def test_bad_amounts_named(bad, message, people, org):
    debt = f.debt(org["a"], people["handler"])
    with pytest.raises(exceptions.LedgerError, match=message):
        ledger.post_entry(debt.pk, EntryKind.PAYMENT, bad, date(2025, 2, 1))


def test_full_payment_clears_the_debt(people, org):
    debt = f.debt(org["a"], people["handler"], amount="100.00")
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, "100.00", date(2025, 2, 1), by=people["handler"])
    debt.refresh_from_db()
    assert debt.state == State.CLEARED
    assert debt.state_changes.last().reason.startswith("余额为零")


def test_write_off_keeps_the_claim_and_recovery_clears_it(people, org):
    debt = f.debt(org["a"], people["handler"], amount="500.00")
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    with pytest.raises(exceptions.LedgerError):
        ledger.post_entry(debt.pk, EntryKind.WRITE_OFF, "500.00", date(2025, 2, 1))  # not approved yet
    f.authorise(debt, State.WRITTEN_OFF, people["gm"])
    lifecycle.apply_transition(debt.pk, State.WRITTEN_OFF, by=people["gm"])
    ledger.post_entry(debt.pk, EntryKind.WRITE_OFF, "500.00", date(2025, 2, 1))
    debt.refresh_from_db()
    assert (debt.balance, debt.written_off_amount, debt.state) == (Decimal("500.00"), Decimal("500.00"),
                                                                   State.WRITTEN_OFF)
    with pytest.raises(exceptions.LedgerError, match="核销后收回"):
        ledger.post_entry(debt.pk, EntryKind.PAYMENT, "10.00", date(2025, 3, 1))
    ledger.post_entry(debt.pk, EntryKind.RECOVERY, "200.00", date(2025, 3, 1))
    debt.refresh_from_db()
    assert debt.state == State.WRITTEN_OFF
    ledger.post_entry(debt.pk, EntryKind.RECOVERY, "300.00", date(2025, 4, 1))
    debt.refresh_from_db()
    assert (debt.state, debt.balance) == (State.CLEARED, Decimal("0.00"))


@pytest.mark.parametrize("state", [State.CLEARED, State.SETTLED_IN_KIND, State.WRITTEN_OFF])
def test_no_new_receivable_on_a_closed_debt(state, people, org):
    debt = f.debt(org["a"], people["handler"], amount="100.00")
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    if state == State.CLEARED:
        ledger.post_entry(debt.pk, EntryKind.PAYMENT, "100.00", date(2025, 2, 1))
    else:
        f.authorise(debt, state, people["gm"])
        lifecycle.apply_transition(debt.pk, state)
    for kind, amount in ((EntryKind.INVOICE, "50.00"), (EntryKind.ADJUSTMENT, "5.00")):
        with pytest.raises(exceptions.LedgerError, match="不能再增加应收"):
            ledger.post_entry(debt.pk, kind, amount, date(2025, 3, 1))
    debt.refresh_from_db()
    assert debt.state == state
