"""Rewards and penalties (奖罚, rules R6.6-R6.13, R6.15) and the quarterly assessment.

Rewards, on NET recovery (recovered in the quarter minus collection costs not yet counted):
- a debt aged more than 1 and at most 3 years when recovered (age = last recovery date in the
  quarter − due date; bounds configurable): recovery_rate to the 第一责任人, recovery_others_rate
  to the others;
- a claim (category ``claim``; 清欠小组 recognises it by approving the quarter's list):
  claim_rate to the 第一责任人;
- a designated hard debt (HardDebt): hard_debt_extra_rate on top of its rate (the 2% rate when
  its age alone would earn nothing).
Claw-back: a cost recorded after a reward counted that debt's costs is "new"; in the next
assessment it is netted against that quarter's recovery of the debt, and whatever is not
covered is clawed back at the rate the last approved reward used (an item of kind clawback).

Penalties, on the unrecovered balance at the quarter end, computed in the assessment of
``penalty_quarter`` (default Q4: deducted from the year's performance pay):
- categories in retention_categories (质保金/保证金) past due: 3% 第一责任人 + 2% others;
- categories in advance_categories (押金/预付款等) past due: 2% + 1%;
- any other debt overdue more than overdue_penalty_days (2 years): 1% 第一责任人.
"Others" is the handler when they are not the 第一责任人; otherwise the share is recorded
against no one (unassigned) for 清欠小组 to allot.

Quarter score: four indicators each 0-100, weighted by AssessmentWeights:
plan completion (recovered on own debts / approved plan's quarter target), recovery rate,
overdue control (100 − overdue ratio) and limitation control (100 − lapsed debts % of own
aged debts).
"""
import datetime
from collections import defaultdict
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import roles
from workflows.exceptions import AssessmentError, LedgerError
from workflows.handover import people_of
from workflows.ledger import balances_at, parse_amount
from workflows.models import (
    AssessmentLine,
    AssessmentState,
    AssessmentWeights,
    Category,
    ClearingPlan,
    CollectionCost,
    Debt,
    HardDebt,
    ItemKind,
    LedgerEntry,
    PlanState,
    QuarterAssessment,
    RewardItem,
    RewardRates,
    Suspension,
    User,
)
from workflows.plans.targets import quarter_targets
from workflows.reports.aging import AGED_STATES
from workflows.reports.kpi import RECOVERY_KINDS, kpis, quarter_bounds, recovered
from workflows.reports.scope import sees_all_figures

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
APPROVER_ROLES = (roles.COMMITTEE, roles.COMMITTEE_HEAD)



def share_of(base: Decimal, rate: Decimal) -> Decimal:
    """base × rate% in yuan, rounded half up to the fen."""
    return (Decimal(base) * Decimal(rate) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def record_cost(debt_id: int, amount: Decimal | str, date: datetime.date, description: str, *,
                by: User) -> CollectionCost:
    """Append a collection cost (清欠费用); it lowers the reward base or claws back later."""
    try:
        amount = parse_amount(amount, _("费用金额"))
    except LedgerError as exc:
        raise AssessmentError(str(exc)) from None
    if amount <= ZERO:
        raise AssessmentError(_("费用金额必须大于零"))
    if not description.strip():
        raise AssessmentError(_("说明：请填写费用说明"))
    return CollectionCost.objects.create(debt_id=debt_id, amount=amount, date=date, description=description,
                                         recorded_by=by)


def designate_hard_debt(debt: Debt, designated_on: datetime.date, resolution: str, *, by: User) -> HardDebt:
    """难以追缴的欠款, designated by a company meeting (清欠小组 records it)."""
    if not may_decide(by):
        raise PermissionDenied(_("只有清欠小组可以指定难收欠款"))
    if not resolution.strip():
        raise AssessmentError(_("会议决议：请填写指定难收欠款的会议决议"))
    if HardDebt.objects.filter(debt=debt).exists():
        raise AssessmentError(_("债权 %(c)s 已被指定为难收欠款") % {"c": debt.code})
    return HardDebt.objects.create(debt=debt, designated_on=designated_on, resolution=resolution.strip(),
                                   designated_by=by)


def related_people(debt_ids: list[int], responsible: dict[int, int]) -> dict[int, list[int | None]]:
    """相关责任人 of each debt: everyone it has had as handler or responsible person (its
    handovers included) except its 第一责任人 today; [None] = unassigned, for 清欠小组 to allot
    (rule R6.18)."""
    return {pk: sorted(ids - {responsible[pk]}) or [None] for pk, ids in people_of(debt_ids).items()}


def _shares(assessment, debt, kind, base, resp_rate, others_rate, related, note, **extra):
    """The 第一责任人's item and the others' share divided equally among the related persons,
    the fen left over by the division going to the first ones so the parts add up (R6.18)."""
    items = []
    if resp_rate:
        items.append(RewardItem(assessment=assessment, debt=debt, person_id=debt.responsible_id, share="responsible",
                                kind=kind, base=base, rate=resp_rate, amount=share_of(base, resp_rate), note=note,
                                **extra))
    if others_rate:
        total = share_of(base, others_rate)
        sign = -1 if total < 0 else 1
        n = len(related)
        each = (abs(total) / n).quantize(CENT, rounding=ROUND_DOWN)
        left = int((abs(total) - each * n) / CENT)
        split_note = note if n == 1 else _("%(note)s（%(n)d 名相关责任人平均分担）") % {"note": note, "n": n}
        for i, person_id in enumerate(related):
            items.append(RewardItem(assessment=assessment, debt=debt, person_id=person_id, share="others", kind=kind,
                                    base=base, rate=others_rate, amount=sign * (each + (CENT if i < left else ZERO)),
                                    note=split_note, **extra))
    return items


def reward_rates_for(debt, age_days, rates, hard):
    """(responsible rate, others rate, note) for a recovered debt."""
    if debt.category == Category.CLAIM:
        resp, others, note = rates.claim_rate, ZERO, _("索赔款")
    elif rates.reward_min_age_days < age_days <= rates.reward_max_age_days:
        resp, others, note = rates.recovery_rate, rates.recovery_others_rate, _("收回1-3年账龄欠款")
    else:
        resp, others, note = ZERO, ZERO, ""
    if hard:
        if not resp:
            resp, others = rates.recovery_rate, rates.recovery_others_rate
        resp += rates.hard_debt_extra_rate
        note = (note + " " if note else "") + _("指定难收欠款上浮")
    return resp, others, note


def _counted_costs(exclude_assessment):
    """Per debt: the last cost id already counted by an approved assessment's reward, and the
    rates that reward used (responsible, others) for clawing back later costs."""
    items = (RewardItem.objects.filter(assessment__state=AssessmentState.APPROVED,
                                       kind__in=[ItemKind.REWARD, ItemKind.CLAWBACK])
             .exclude(assessment=exclude_assessment)
             .order_by("assessment__year", "assessment__quarter", "pk")
             .values_list("debt_id", "share", "rate", "costs_through"))
    through, last_rates = {}, {}
    for debt_id, share, rate, costs_through in items:
        through[debt_id] = max(through.get(debt_id, 0), costs_through)
        last_rates.setdefault(debt_id, {})[share] = rate
    return through, last_rates


def _new_costs(debt_ids, through, max_cost_id):
    """Per debt: sum of costs recorded after the last counted one (one grouped query per
    batch of ids, filtered in Python by each debt's own threshold)."""
    result = defaultdict(lambda: ZERO)
    rows = CollectionCost.objects.filter(debt_id__in=debt_ids, pk__lte=max_cost_id).values_list(
        "debt_id", "pk", "amount")
    for debt_id, pk, amount in rows:
        if pk > through.get(debt_id, 0):
            result[debt_id] += amount
    return result




def _reward_items(assessment, start, end, rates, max_cost_id):
    items = []
    got = {row["debt_id"]: row for row in LedgerEntry.objects.filter(
        kind__in=RECOVERY_KINDS, date__gte=start, date__lte=end).values("debt_id").annotate(
        s=Sum("amount"), last=Max("date"))}
    through, last_rates = _counted_costs(assessment)
    cost_debts = set(CollectionCost.objects.filter(pk__lte=max_cost_id).values_list("debt_id", flat=True))
    candidates = set(got) | (cost_debts & set(last_rates))
    new_costs = _new_costs(candidates, through, max_cost_id)
    hard = set(HardDebt.objects.filter(debt_id__in=candidates, designated_on__lte=end).values_list("debt_id",
                                                                                                    flat=True))
    debts = Debt.objects.in_bulk(candidates)
    related = related_people(list(debts), {pk: d.responsible_id for pk, d in debts.items()})
    for debt_id in sorted(candidates):
        debt = debts[debt_id]
        costs = new_costs.get(debt_id, ZERO)
        if debt_id in got:
            age = (got[debt_id]["last"] - debt.due_date).days
            resp_rate, others_rate, note = reward_rates_for(debt, age, rates, debt_id in hard)
            if not resp_rate and not others_rate:
                continue
            net = got[debt_id]["s"] - costs
            kind = ItemKind.REWARD if net >= 0 else ItemKind.CLAWBACK
        elif costs:
            previous = last_rates.get(debt_id, {})
            resp_rate, others_rate = previous.get("responsible", ZERO), previous.get("others", ZERO)
            net, kind, note = -costs, ItemKind.CLAWBACK, _("奖励兑现后发生的清欠费用扣回")
        else:
            continue
        items += _shares(assessment, debt, kind, net, resp_rate, others_rate, related[debt_id], note,
                         costs_through=max_cost_id)
    return items


def _penalty_items(assessment, end, rates):
    retention = rates.category_list("retention_categories")
    advance = rates.category_list("advance_categories")
    # Rule R5.6: no penalty on a debt whose special-reason suspension is in force at the quarter end.
    suspended = Suspension.objects.filter(debt_id=OuterRef("pk"), start__lte=end, until__gte=end)
    candidates = Debt.objects.filter(state__in=AGED_STATES, due_date__lt=end).filter(
        Q(category__in=retention + advance) | Q(due_date__lt=end - datetime.timedelta(days=rates.overdue_penalty_days))
    ).exclude(Exists(suspended))
    debts = {d.pk: d for d in candidates.select_related("handler", "responsible")}
    balances = balances_at(list(debts), end)
    related = related_people(list(debts), {pk: d.responsible_id for pk, d in debts.items()})
    items = []
    for debt_id in sorted(debts):
        debt, base = debts[debt_id], balances.get(debt_id, ZERO)
        if base <= ZERO:
            continue
        if debt.category in retention:
            pair, note = (rates.retention_responsible_rate, rates.retention_others_rate), _("质保金/保证金未收回")
        elif debt.category in advance:
            pair, note = (rates.advance_responsible_rate, rates.advance_others_rate), _("押金/预付款未收回")
        elif (end - debt.due_date).days > rates.overdue_penalty_days:
            pair, note = (rates.overdue_penalty_rate, ZERO), _("逾期两年以上未收回")
        else:
            continue
        items += _shares(assessment, debt, ItemKind.PENALTY, base, pair[0], pair[1], related[debt_id], note)
    return items


def _withheld_items(assessment, end, rates):
    """Rule R6.17: while a debt is unrecovered, withhold_rate % of its unrecovered balance is held
    back from its 第一责任人's performance pay (暂扣, paid once it is collected)."""
    if not rates.withhold_rate:
        return []
    debts = {d.pk: d for d in Debt.objects.filter(state__in=AGED_STATES, due_date__lt=end)}
    balances = balances_at(list(debts), end)
    return [RewardItem(assessment=assessment, debt=debts[pk], person_id=debts[pk].responsible_id, share="responsible",
                       kind=ItemKind.WITHHELD, base=balances[pk], rate=rates.withhold_rate,
                       amount=share_of(balances[pk], rates.withhold_rate), note=_("欠款未收回，暂扣业绩工资"))
            for pk in sorted(debts) if balances.get(pk, ZERO) > ZERO]


def _clamp(value):
    if value is None:
        return HUNDRED
    return max(ZERO, min(HUNDRED, Decimal(value))).quantize(CENT)


def person_debts(person: User) -> QuerySet[Debt]:
    return Debt.objects.filter(Q(handler=person) | Q(responsible=person))


def scores(person, year, quarter, weights):
    """The four indicator scores (0-100) and the weighted total for one person."""
    start, end = quarter_bounds(year, quarter)
    debts = person_debts(person)
    figures = kpis(debts, start, end)
    plan = ClearingPlan.objects.filter(handler=person, year=year, state=PlanState.APPROVED).first()
    if plan:
        target = quarter_targets(plan)[quarter]
        plan_score = _clamp(recovered(Debt.objects.filter(handler=person), start, end) / target * HUNDRED
                            if target else None)
    else:
        plan_score = ZERO
    recovery_score = _clamp(figures.recovery_rate)
    overdue_score = _clamp(None if figures.overdue_ratio is None else HUNDRED - figures.overdue_ratio)
    aged = debts.filter(state__in=AGED_STATES, balance__gt=0)
    total = aged.count()
    lapsed = aged.filter(clock__lapsed=True).count()
    limitation_score = _clamp(HUNDRED - Decimal(lapsed) * HUNDRED / total if total else None)
    weighted = (plan_score * weights.plan_weight + recovery_score * weights.recovery_weight
                + overdue_score * weights.overdue_weight + limitation_score * weights.limitation_weight) / HUNDRED
    return {"plan_score": plan_score, "recovery_score": recovery_score, "overdue_score": overdue_score,
            "limitation_score": limitation_score, "score": weighted.quantize(CENT, rounding=ROUND_HALF_UP)}


def may_decide(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.groups.filter(name__in=APPROVER_ROLES).exists()


def may_compute(user: User) -> bool:
    return may_decide(user) or (user.is_authenticated and user.groups.filter(name=roles.FINANCE).exists())


def compute_assessment(year: int, quarter: int, *, by: User) -> QuarterAssessment:
    """(Re)compute a quarter's list as a draft; an approved list is never recomputed."""
    if quarter not in (1, 2, 3, 4):
        raise AssessmentError(_("季度须为 1 到 4"))
    if not may_compute(by):
        raise PermissionDenied(_("只有清欠小组或财务部可以计算季度奖罚"))
    start, end = quarter_bounds(year, quarter)
    rates = RewardRates.in_force(end)
    weights = AssessmentWeights.in_force(end)
    with transaction.atomic():
        assessment, _created = QuarterAssessment.objects.select_for_update().get_or_create(year=year, quarter=quarter)
        if assessment.state == AssessmentState.APPROVED:
            raise AssessmentError(_("%(a)s 已由清欠小组批准，不能重新计算") % {"a": assessment})
        assessment.items.all().delete()
        assessment.lines.all().delete()
        max_cost_id = CollectionCost.objects.aggregate(m=Max("pk"))["m"] or 0
        items = _reward_items(assessment, start, end, rates, max_cost_id)
        if quarter == rates.penalty_quarter:
            items += _penalty_items(assessment, end, rates)
            items += _withheld_items(assessment, end, rates)
        RewardItem.objects.bulk_create(items)
        totals = defaultdict(lambda: {"reward": ZERO, "clawback": ZERO, "penalty": ZERO, "withheld": ZERO})
        for item in items:
            totals[item.person_id][item.kind] += item.amount
        planners = ClearingPlan.objects.filter(year=year, state=PlanState.APPROVED).values_list("handler_id", flat=True)
        for person_id in planners:
            totals[person_id]
        people = User.objects.in_bulk([pk for pk in totals if pk is not None])
        lines = []
        for person_id, t in totals.items():
            line = AssessmentLine(assessment=assessment, person_id=person_id, reward=t["reward"],
                                  clawback=t["clawback"], penalty=t["penalty"], withheld=t["withheld"],
                                  net=t["reward"] + t["clawback"] - t["penalty"] - t["withheld"])
            if person_id is not None:
                for name, value in scores(people[person_id], year, quarter, weights).items():
                    setattr(line, name, value)
            lines.append(line)
        AssessmentLine.objects.bulk_create(lines)
        assessment.computed_at = timezone.now()
        assessment.computed_by = by
        assessment.save(update_fields=["computed_at", "computed_by"])
        return assessment


def approve_assessment(assessment: QuarterAssessment, *, by: User) -> QuarterAssessment:
    """清欠小组 approves the quarter's list; the person who computed it may not (four eyes)."""
    if not may_decide(by):
        raise PermissionDenied(_("只有清欠小组可以批准季度奖罚名单"))
    with transaction.atomic():
        assessment = QuarterAssessment.objects.select_for_update().get(pk=assessment.pk)
        if assessment.state != AssessmentState.DRAFT or assessment.computed_at is None:
            raise AssessmentError(_("只有已计算、未批准的名单可以批准"))
        if assessment.computed_by_id == by.pk:
            raise PermissionDenied(_("计算名单的人不能批准同一份名单"))
        assessment.state = AssessmentState.APPROVED
        assessment.approved_by = by
        assessment.approved_at = timezone.now()
        assessment.save(update_fields=["state", "approved_by", "approved_at"])
        return assessment


def lines_for(assessment: QuarterAssessment, user: User) -> QuerySet[AssessmentLine]:
    """An assessment's lines a user may see: all for the steering roles, else their own."""
    qs = assessment.lines.select_related("person")
    return qs if sees_all_figures(user) else qs.filter(person=user)
