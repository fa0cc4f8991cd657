"""特殊原因: suspending pursuit of an overdue debt (rules R4.91, R5.5, R5.6).

It needs the 清欠办 head's approval and an end date; while it is in force the daily run
creates no 清欠办 task for the debt. The approval chain (chain G) calls `suspend`.
"""
from datetime import date as date_type

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.exceptions import SuspensionError
from workflows.models import Debt, Suspension, User
from workflows.roles import COMMITTEE_HEAD


def _is_committee_head(user):
    return user is not None and user.is_active and (
        user.is_superuser or user.groups.filter(name=COMMITTEE_HEAD).exists())


def suspend(debt: Debt, reason: str, until: date_type, approved_by: User, source: str = "", *,
            start: date_type | None = None) -> Suspension:
    start = start or timezone.localdate()
    if not (reason or "").strip():
        raise SuspensionError(_("特殊原因：请填写暂缓追收的原因"))
    if not isinstance(until, date_type):
        raise SuspensionError(_("截止日期：必须填写"))
    if until < start:
        raise SuspensionError(_("截止日期：不能早于开始日期 %(start)s") % {"start": start})
    if not _is_committee_head(approved_by):
        raise SuspensionError(_("批准人：暂缓追收须由清欠办主任批准"))
    with transaction.atomic():
        locked = Debt.objects.select_for_update().get(pk=debt.pk)
        return Suspension.objects.create(debt=locked, reason=reason.strip(), start=start, until=until,
                                         approved_by=approved_by, source=source)


def is_suspended(debt: Debt | int, on_date: date_type) -> bool:
    debt_id = getattr(debt, "pk", debt)
    return Suspension.objects.filter(debt_id=debt_id, start__lte=on_date, until__gte=on_date).exists()
