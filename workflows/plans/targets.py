"""Clearing plans (清欠计划, rules R6.1-R6.4): a handler's annual target split into twelve months
(quarters are sums of three months), submitted by the end of January and approved by
清欠小组; progress compares each month's target with what was recovered on the handler's debts.

Approval runs as a viewflow chain (workflows.plan_flow) that calls the decision functions here.
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import roles
from workflows.exceptions import LedgerError, PlanError
from workflows.ledger import parse_amount
from workflows.models import ClearingPlan, Debt, LedgerEntry, PlanState, PlanTarget, User
from workflows.reports.kpi import RECOVERY_KINDS, month_bounds, recovered
from workflows.reports.scope import sees_all_figures

ZERO = Decimal("0.00")
APPROVER_ROLES = (roles.COMMITTEE, roles.COMMITTEE_HEAD)



def submission_deadline(year: int) -> date:
    """Plans are due by the end of January of their year (rule R6.2)."""
    return date(year, 1, 31)


def is_late(year: int, when: datetime) -> bool:
    return timezone.localtime(when).date() > submission_deadline(year)


def may_approve(user: User, plan: ClearingPlan) -> bool:
    """清欠小组 decides; four eyes: the handler never approves their own plan."""
    return (user.is_authenticated and user.is_active and user.pk != plan.handler_id
            and user.groups.filter(name__in=APPROVER_ROLES).exists())


def may_plan(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.groups.filter(name=roles.HANDLER).exists()


def _amount(value, field):
    try:
        return parse_amount(value, field)
    except LedgerError as exc:
        raise PlanError(str(exc)) from None


def _parse_targets(annual_target, monthly):
    annual = _amount(annual_target, _("年度目标"))
    if annual <= ZERO:
        raise PlanError(_("年度目标必须大于零"))
    if len(monthly) != 12:
        raise PlanError(_("月度目标须填写 12 个月"))
    amounts = []
    for month, value in enumerate(monthly, start=1):
        amount = _amount(value if value not in (None, "") else "0", _("%(m)d月目标") % {"m": month})
        if amount < ZERO:
            raise PlanError(_("%(m)d月目标不能为负数") % {"m": month})
        amounts.append(amount)
    if sum(amounts) != annual:
        raise PlanError(_("月度目标合计 %(sum)s 与年度目标 %(annual)s 不一致")
                        % {"sum": sum(amounts), "annual": annual})
    return annual, amounts


def save_plan(handler: User, year: int, annual_target: Decimal | str, monthly: list[Decimal | str]) -> ClearingPlan:
    """Create or change a handler's plan while it is a draft (or was returned)."""
    annual, amounts = _parse_targets(annual_target, monthly)
    with transaction.atomic():
        plan, _created = ClearingPlan.objects.select_for_update().get_or_create(
            handler=handler, year=year, defaults={"annual_target": annual})
        if plan.state not in (PlanState.DRAFT, PlanState.REJECTED):
            raise PlanError(_("%(year)d 年计划已提交或已批准，不能修改") % {"year": year})
        plan.annual_target = annual
        plan.state = PlanState.DRAFT
        plan.save(update_fields=["annual_target", "state"])
        for month, amount in enumerate(amounts, start=1):
            PlanTarget.objects.update_or_create(plan=plan, month=month, defaults={"amount": amount})
        return plan


def mark_submitted(plan: ClearingPlan, by: User) -> ClearingPlan:
    """Called by the plan flow's start: the handler hands the plan in."""
    if by.pk != plan.handler_id:
        raise PermissionDenied(_("只有经办人本人可以提交自己的计划"))
    if plan.state != PlanState.DRAFT:
        raise PlanError(_("只有草稿状态的计划可以提交"))
    if plan.targets.count() != 12:
        raise PlanError(_("月度目标须填写 12 个月"))
    now = timezone.now()
    plan.state = PlanState.SUBMITTED
    plan.submitted_at = now
    plan.submitted_late = is_late(plan.year, now)
    plan.save(update_fields=["state", "submitted_at", "submitted_late"])
    return plan


def decide(plan: ClearingPlan, by: User, decision: str, note: str = "") -> ClearingPlan:
    """approve / reject / return a submitted plan (a return puts it back to draft)."""
    if not may_approve(by, plan):
        raise PermissionDenied(_("只有清欠小组成员可以审批他人的计划"))
    if plan.state != PlanState.SUBMITTED:
        raise PlanError(_("计划不在待审批状态"))
    if decision in ("reject", "return") and not note.strip():
        raise PlanError(_("审批意见：驳回或退回时必须填写理由"))
    plan.decision_note = note
    if decision == "approve":
        plan.state = PlanState.APPROVED
        plan.approved_by = by
        plan.approved_at = timezone.now()
    elif decision == "reject":
        plan.state = PlanState.REJECTED
    elif decision == "return":
        plan.state = PlanState.DRAFT
    else:
        raise PlanError(_("审批结论无效：%(d)s") % {"d": decision})
    plan.save(update_fields=["state", "decision_note", "approved_by", "approved_at"])
    return plan


@dataclass
class MonthProgress:
    month: int
    target: Decimal
    actual: Decimal
    cumulative_target: Decimal
    cumulative_actual: Decimal

    @property
    def rate(self):
        return (self.actual / self.target * 100).quantize(Decimal("0.01")) if self.target else None

    @property
    def quarter(self):
        return (self.month - 1) // 3 + 1


def quarter_targets(plan: ClearingPlan) -> dict[int, Decimal]:
    totals = {1: ZERO, 2: ZERO, 3: ZERO, 4: ZERO}
    for target in plan.targets.all():
        totals[target.quarter] += target.amount
    return totals


def handler_debts(handler: User) -> QuerySet[Debt]:
    """The debts a plan's progress counts: those the handler handles."""
    return Debt.objects.filter(handler=handler)


def recovered_by_handler(handler_ids: list[int], year: int, until: date) -> dict[int, Decimal]:
    """Recovered so far in `year` on each handler's debts, one grouped query."""
    rows = (LedgerEntry.objects.filter(debt__handler_id__in=handler_ids, kind__in=RECOVERY_KINDS,
                                       date__gte=date(year, 1, 1), date__lte=min(until, date(year, 12, 31)))
            .order_by().values("debt__handler_id").annotate(s=Sum("amount")))
    return {r["debt__handler_id"]: r["s"].quantize(ZERO) for r in rows}


def progress(plan: ClearingPlan, until: date | None = None) -> list[MonthProgress]:
    """Target against recovered for each month of the plan's year, up to `until` (today)."""
    until = until or timezone.localdate()
    debts = handler_debts(plan.handler)
    targets = {t.month: t.amount for t in plan.targets.all()}
    rows, cum_t, cum_a = [], ZERO, ZERO
    for month in range(1, 13):
        start, end = month_bounds(plan.year, month)
        actual = recovered(debts, start, min(end, until)) if start <= until else ZERO
        target = targets.get(month, ZERO)
        cum_t += target
        cum_a += actual
        rows.append(MonthProgress(month, target, actual, cum_t, cum_a))
    return rows


def plans_for(user: User) -> QuerySet[ClearingPlan]:
    """Plans a user may see: all for the steering roles, otherwise their own."""
    qs = ClearingPlan.objects.select_related("handler", "approved_by")
    if sees_all_figures(user):
        return qs
    return qs.filter(handler=user)
