"""Collection's part of the daily clock: set-based flags, one UPDATE each, called at the end
of workflows.clock.run.run_daily (and by `manage.py collection_clock`)."""
from datetime import date

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from workflows.models import EntryKind, LedgerEntry

from .models import Contact, Instalment, PromiseState
from .payment_plans import match_unmatched_payments

RECOVERED_KINDS = [EntryKind.PAYMENT, EntryKind.RECOVERY]


def _paid_towards_promise():
    money = DecimalField(max_digits=18, decimal_places=2)
    total = (LedgerEntry.objects.filter(debt=OuterRef("debt"), kind__in=RECOVERED_KINDS,
                                        date__gte=OuterRef("promise_made_on"), date__lte=OuterRef("promise_date"))
             .order_by().values("debt").annotate(s=Sum("amount")).values("s"))
    return Coalesce(Subquery(total, output_field=money), Value(0), output_field=money)


def flag_broken_promises(on_date: date) -> tuple[int, int]:
    """Open promises: kept once the money promised came in by the promised day; broken when
    that day has passed without it. Returns (kept, broken)."""
    open_ = Contact.objects.filter(promise_state=PromiseState.OPEN)
    kept = (open_.annotate(paid=_paid_towards_promise()).filter(paid__gte=F("promise_amount"))
            .values("pk"))
    kept_count = Contact.objects.filter(pk__in=kept).update(promise_state=PromiseState.KEPT)
    broken_count = open_.filter(promise_date__lt=on_date).update(promise_state=PromiseState.BROKEN)
    return kept_count, broken_count


def flag_missed_instalments(on_date: date) -> int:
    """Instalments past their due date and not fully paid are flagged missed (the flag stays:
    a later payment does not undo the default). Returns the number newly flagged."""
    return (Instalment.objects.filter(missed=False, due_date__lt=on_date, paid_amount__lt=F("amount"))
            .update(missed=True))


def run_daily_steps(on_date: date) -> dict[str, object]:
    """The steps in order; workflows.clock (a higher layer) calls this once a night."""
    # Payments booked on the ledger page count towards instalments before anything is flagged.
    matched = match_unmatched_payments(on_date)
    return {"payments_matched": matched, "promises": flag_broken_promises(on_date),
            "instalments_missed": flag_missed_instalments(on_date)}
