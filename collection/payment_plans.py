"""Payment plans (分期还款协议, rules R9.7, R9.8): instalments, payments matched to them oldest first;
the clock flags missed instalments (collection.clock). Agreeing a plan interrupts the
limitation period."""
from collections.abc import Iterable
from datetime import date as date_type
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from workflows.exceptions import LedgerError, LimitationError
from workflows.ledger import post_entry
from workflows.limitation import record_interruption
from workflows.models import OPEN_STATES, Debt, EntryKind, LedgerEntry, LimitationEventKind, User

from .contacts import attach_all, money
from .exceptions import CollectionError
from .models import Instalment, InstalmentPayment, PaymentPlan
from .permissions import Act, require


def create_plan(debt: Debt, *, by: User, agreed_on: date_type | None,
                instalments: Iterable[tuple[date_type | None, Decimal | str]], note: str = "",
                file: UploadedFile | None = None, request: HttpRequest | None = None) -> PaymentPlan:
    """instalments: [(due_date, amount)] in any order; their sum is the plan's total."""
    require(by, Act.WORK)
    if debt.state not in OPEN_STATES:
        raise CollectionError(_("债权 %(code)s 状态为“%(state)s”，只有未结清的债权可以签订分期还款协议")
                              % {"code": debt.code, "state": debt.get_state_display()})
    if agreed_on is None:
        raise CollectionError(_("签订日期：必须填写"))
    if agreed_on > timezone.localdate():
        raise CollectionError(_("签订日期：不能晚于今天"))
    rows = []
    for i, (due, amount) in enumerate(instalments, start=1):
        if due is None:
            raise CollectionError(_("第 %(n)s 期应还日期：必须填写") % {"n": i})
        if due < agreed_on:
            raise CollectionError(_("第 %(n)s 期应还日期：不能早于签订日期") % {"n": i})
        rows.append((due, money(amount, _("第 %(n)s 期应还金额") % {"n": i})))
    if not rows:
        raise CollectionError(_("分期：至少填写一期"))
    if len({due for due, _a in rows}) != len(rows):
        raise CollectionError(_("分期：应还日期不能重复"))
    total = sum((a for _d, a in rows), Decimal("0.00"))
    with transaction.atomic():
        locked = Debt.objects.select_for_update().get(pk=debt.pk)
        if total > locked.balance:
            raise CollectionError(_("分期：合计 %(total)s 大于债权余额 %(balance)s")
                                  % {"total": total, "balance": locked.balance})
        plan = PaymentPlan.objects.create(debt=locked, agreed_on=agreed_on, total=total, note=note or "",
                                          created_by=by)
        Instalment.objects.bulk_create([Instalment(plan=plan, seq=n, due_date=due, amount=amount)
                                        for n, (due, amount) in enumerate(sorted(rows), start=1)])
        docs = attach_all(locked, DocType.OTHER, [file] if file else [], by,
                          title=_("分期还款协议 %(day)s") % {"day": agreed_on}, request=request)
        if docs:
            plan.document = docs[0]
            plan.save(update_fields=["document"])
        try:
            record_interruption(locked, LimitationEventKind.REPAYMENT_PLAN, agreed_on, by=by,
                                source=f"collection:plan:{plan.pk}")
        except LimitationError as exc:
            raise CollectionError(str(exc)) from None
    return plan


def match_entry(plan: PaymentPlan, entry: LedgerEntry) -> Decimal:
    """Spread one ledger payment over the plan's unpaid instalments, oldest first; returns
    the part that was not needed."""
    remaining = entry.amount
    for inst in plan.instalments.select_for_update().filter(paid_amount__lt=F("amount")).order_by("seq"):
        if remaining <= 0:
            break
        part = min(remaining, inst.outstanding)
        InstalmentPayment.objects.create(instalment=inst, entry=entry, amount=part)
        Instalment.objects.filter(pk=inst.pk).update(paid_amount=F("paid_amount") + part)
        remaining -= part
    return remaining


def record_plan_payment(plan: PaymentPlan, amount: Decimal | str, date: date_type | None, *, by: User,
                        reference: str = "") -> LedgerEntry:
    """A payment under the plan: posted to the ledger, then matched to its instalments."""
    require(by, Act.WORK)
    amount = money(amount, _("还款金额"))
    if date is None:
        raise CollectionError(_("还款日期：必须填写"))
    if date > timezone.localdate():
        raise CollectionError(_("还款日期：不能晚于今天"))
    with transaction.atomic():
        plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
        try:
            entry = post_entry(plan.debt_id, EntryKind.PAYMENT, amount, date, by=by,
                               reference=reference or f"PLAN-{plan.pk}")
        except LedgerError as exc:
            raise CollectionError(_("还款金额：%(msg)s") % {"msg": exc}) from None
        match_entry(plan, entry)
    return entry


def match_unmatched_payments(on_date: date_type | None = None) -> int:
    """Payments booked elsewhere (finance's ledger page, the import) on a debt with a plan
    that still has unpaid instalments are matched to it, oldest plan first. Returns how many
    ledger entries were matched. Only entries dated on or after the plan's date count, and
    each entry is matched once."""
    open_plans = PaymentPlan.objects.filter(instalments__paid_amount__lt=F("instalments__amount")).distinct()
    # One filter() call: both conditions hold for the same plan (entries before every open
    # plan of their debt are never candidates, so they are not rescanned each day).
    entries = (LedgerEntry.objects.filter(kind=EntryKind.PAYMENT, debt__payment_plans__in=open_plans,
                                          debt__payment_plans__agreed_on__lte=F("date"))
               .exclude(pk__in=InstalmentPayment.objects.values("entry"))
               .distinct().order_by("date", "pk"))
    if on_date is not None:
        entries = entries.filter(date__lte=on_date)
    matched = 0
    for entry in entries.iterator():
        with transaction.atomic():
            for plan in (PaymentPlan.objects.select_for_update().filter(pk__in=open_plans.values("pk"),
                                                                        debt_id=entry.debt_id,
                                                                        agreed_on__lte=entry.date)
                         .order_by("agreed_on", "pk")):
                if InstalmentPayment.objects.filter(entry=entry).exists():
                    break
                if match_entry(plan, entry) != entry.amount:
                    matched += 1
                    break
    return matched


def plan_summary(plan: PaymentPlan) -> dict[str, object]:
    rows = list(plan.instalments.all())
    paid = sum((r.paid_amount for r in rows), Decimal("0.00"))
    return {"instalments": rows, "paid": paid, "outstanding": plan.total - paid,
            "missed": sum(1 for r in rows if r.missed and r.paid_amount < r.amount)}
