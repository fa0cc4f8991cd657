"""Handing a person's debts over to another person (交接, rules R1.9-R1.11).

清欠办 (committee or its head) moves the open debts a person holds as handler or as responsible
person to someone else, with a reason; the Handover row lists every debt moved and its balance
at that moment. Accountability records are not touched (rule R1.11): they keep naming the people
of the day the debt went overdue. The people a debt has had are read from the handovers, so a
related person's share of a penalty reaches everyone who held it (rule R6.18).
"""
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from workflows import roles
from workflows.exceptions import HandoverError
from workflows.models import HELD_STATES, Debt, Handover, HandoverItem, HandoverRole, User

MANAGERS = (roles.COMMITTEE, roles.COMMITTEE_HEAD)


def may_hand_over(user: User) -> bool:
    return user.is_authenticated and user.is_active and (
        user.is_superuser or user.groups.filter(name__in=MANAGERS).exists())


def held_by(person: User, role: str) -> QuerySet[Debt]:
    """The debts `person` holds in `role` and that a handover moves (rule R1.9)."""
    return Debt.objects.filter(**{role: person}, state__in=HELD_STATES)


def _in_scope(person: User, unit_id: int) -> bool:
    if person.is_superuser or person.has_perm(roles.VIEW_ALL_UNITS):
        return True
    return person.unit_id is not None and unit_id in person.unit.subtree_ids()


def debt_handover(*, by: User, from_person: User, to_person: User, role: str, reason: str,
                  debt_ids: list[int] | None = None) -> Handover:
    """Move `from_person`'s debts in `role` (all of them, or those of `debt_ids`) to `to_person`."""
    if not may_hand_over(by):
        raise PermissionDenied(_("只有清欠办可以办理债权交接"))
    if role not in HandoverRole.values:
        raise HandoverError(_("交接身份须为经办人或责任人"))
    reason = (reason or "").strip()
    if not reason:
        raise HandoverError(_("请填写交接原因"))
    if from_person.pk == to_person.pk:
        raise HandoverError(_("接收人不能是移交人本人"))
    if not to_person.is_active:
        raise HandoverError(_("接收人 %(p)s 的账号已停用") % {"p": to_person})
    with transaction.atomic():
        debts = held_by(from_person, role).select_for_update().order_by("pk")
        if debt_ids is not None:
            debts = debts.filter(pk__in=debt_ids)
        debts = list(debts)
        if debt_ids is not None and len(debts) != len(set(debt_ids)):
            raise HandoverError(_("所选债权中有的已不由 %(p)s 持有，请刷新后重试") % {"p": from_person})
        if not debts:
            raise HandoverError(_("%(p)s 没有可交接的债权") % {"p": from_person})
        outside = [d.code for d in debts if not _in_scope(to_person, d.unit_id)]
        if outside:
            raise HandoverError(_("接收人 %(p)s 的管辖范围不含以下债权的单位：%(codes)s") % {
                "p": to_person, "codes": "、".join(outside)})
        handover = Handover.objects.create(role=role, from_person=from_person, to_person=to_person,
                                           reason=reason, by=by)
        HandoverItem.objects.bulk_create(
            [HandoverItem(handover=handover, debt=d, balance=d.balance, state=d.state) for d in debts])
        Debt.objects.filter(pk__in=[d.pk for d in debts]).update(**{role: to_person})
    return handover


def people_of(debt_ids: list[int]) -> dict[int, set[int]]:
    """Every person each debt has had as handler or responsible person, from its handovers
    (both sides) and its current row (rule R6.18)."""
    people: dict[int, set[int]] = {pk: set() for pk in debt_ids}
    for debt_id, handler_id, responsible_id in Debt.objects.filter(pk__in=debt_ids).values_list(
            "pk", "handler_id", "responsible_id"):
        people[debt_id] |= {handler_id, responsible_id}
    for debt_id, a, b in HandoverItem.objects.filter(debt_id__in=debt_ids).values_list(
            "debt_id", "handover__from_person_id", "handover__to_person_id"):
        people[debt_id] |= {a, b}
    return people
