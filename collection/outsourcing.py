"""Outsourcing (委托外部催收, chain F, rules R4.81-R4.83): a registry of agencies and law firms, an
engagement per debt after the 总经理's decision, and the fee: a rate on money actually
recovered while the engagement runs, payable only out of that money, never in advance."""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Chain, ChainProcess, Outcome
from workflows.exceptions import LedgerError
from workflows.ledger import parse_amount
from workflows.models import Debt, EntryKind, LedgerEntry, User

from .contacts import money
from .exceptions import CollectionError
from .models import Agency, AgencyKind, Engagement, FeePayment
from .permissions import Act, require

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
RECOVERED_KINDS = [EntryKind.PAYMENT, EntryKind.RECOVERY]


def _percent(value, field):
    try:
        pct = parse_amount(value, field=field)
    except LedgerError as exc:
        raise CollectionError(str(exc)) from None
    if not ZERO <= pct <= Decimal("100"):
        raise CollectionError(_("%(field)s：须在 0 到 100 之间") % {"field": field})
    return pct


def register_agency(*, by: User, name: str, kind: str, fee_percent: Decimal | str, contact: str = "",
                    phone: str = "") -> Agency:
    require(by, Act.MANAGE_AGENCIES)
    name = (name or "").strip()
    if not name:
        raise CollectionError(_("名称：必须填写"))
    if kind not in AgencyKind.values:
        raise CollectionError(_("类型：请选择催收机构或律师事务所"))
    if Agency.objects.filter(name=name).exists():
        raise CollectionError(_("名称：“%(name)s”已登记") % {"name": name})
    return Agency.objects.create(name=name, kind=kind, default_fee_percent=_percent(fee_percent, _("默认费率")),
                                 contact=(contact or "").strip(), phone=(phone or "").strip(), created_by=by)


def approved_decision(debt: Debt) -> ChainProcess | None:
    """The latest approved chain F run for this debt not yet used by an engagement."""
    used = Engagement.objects.values("decision")
    return (ChainProcess.objects.filter(debt=debt, chain=Chain.OUTSOURCING, outcome=Outcome.APPROVED)
            .exclude(pk__in=used).order_by("-pk").first())


def engage(debt: Debt, agency: Agency, *, by: User, fee_percent: Decimal | str | None = None,
           start_date: date | None = None) -> Engagement:
    require(by, Act.ENGAGE)
    decision = approved_decision(debt)
    if decision is None:
        raise CollectionError(_("委托：债权 %(code)s 没有总经理批准的委托外部催收决定（审批链 F）")
                              % {"code": debt.code})
    # The 总经理 decided on a named agency; engaging another would bypass that decision.
    if decision.agency.strip() and decision.agency.strip() != agency.name:
        raise CollectionError(_("受托机构：总经理批准的受托机构是“%(approved)s”，不是“%(name)s”")
                              % {"approved": decision.agency.strip(), "name": agency.name})
    if not agency.active:
        raise CollectionError(_("受托机构：“%(name)s”已停用") % {"name": agency.name})
    start_date = start_date or timezone.localdate()
    if start_date > timezone.localdate():
        raise CollectionError(_("委托开始日期：不能晚于今天"))
    pct = _percent(agency.default_fee_percent if fee_percent in (None, "") else fee_percent, _("费率"))
    try:
        with transaction.atomic():
            return Engagement.objects.create(debt=debt, agency=agency, decision=decision, fee_percent=pct,
                                             start_date=start_date, created_by=by)
    except IntegrityError:
        raise CollectionError(_("委托：该审批决定已登记过委托")) from None


def end_engagement(engagement: Engagement, *, by: User, end_date: date | None) -> Engagement:
    require(by, Act.ENGAGE)
    if end_date is None or end_date < engagement.start_date:
        raise CollectionError(_("委托结束日期：不能早于开始日期"))
    Engagement.objects.filter(pk=engagement.pk, end_date__isnull=True).update(end_date=end_date)
    engagement.refresh_from_db()
    return engagement


def recovered(engagement: Engagement, on_date: date | None = None) -> Decimal:
    """Money actually received on the debt while the engagement ran."""
    entries = LedgerEntry.objects.filter(debt_id=engagement.debt_id, kind__in=RECOVERED_KINDS,
                                         date__gte=engagement.start_date)
    last = min(d for d in (engagement.end_date, on_date) if d) if (engagement.end_date or on_date) else None
    if last is not None:
        entries = entries.filter(date__lte=last)
    return (entries.aggregate(s=Sum("amount"))["s"] or ZERO).quantize(CENT)


def fee(engagement: Engagement, on_date: date | None = None) -> dict[str, Decimal]:
    """{'recovered', 'earned', 'paid', 'payable'}: earned = rate × recovered; payable is what is
    earned and not yet paid. Nothing is earned before money comes in."""
    got = recovered(engagement, on_date)
    earned = (got * engagement.fee_percent / Decimal("100")).quantize(CENT, rounding=ROUND_HALF_UP)
    paid = (engagement.fee_payments.aggregate(s=Sum("amount"))["s"] or ZERO).quantize(CENT)
    return {"recovered": got, "earned": earned, "paid": paid, "payable": max(earned - paid, ZERO)}


def pay_fee(engagement: Engagement, amount: Decimal | str, *, by: User, paid_on: date | None = None) -> FeePayment:
    """Finance pays the agency; refused beyond what recovered money has earned."""
    require(by, Act.PAY_FEE)
    amount = money(amount, _("支付金额"))
    paid_on = paid_on or timezone.localdate()
    if paid_on > timezone.localdate():
        raise CollectionError(_("支付日期：不能晚于今天"))
    with transaction.atomic():
        engagement = Engagement.objects.select_for_update().get(pk=engagement.pk)
        due = fee(engagement, paid_on)
        if amount > due["payable"]:
            raise CollectionError(
                _("支付金额：%(amount)s 超过按已收回款项计算的应付费用 %(payable)s"
                  "（已收回 %(got)s，费率 %(pct)s%%，已付 %(paid)s）；委托费用不得预付")
                % {"amount": amount, "payable": due["payable"], "got": due["recovered"],
                   "pct": engagement.fee_percent, "paid": due["paid"]})
        return FeePayment.objects.create(engagement=engagement, amount=amount, paid_on=paid_on, by=by)
