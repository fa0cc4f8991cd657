"""The 清欠办 overdue queue (rule R5.5) and what 清欠办 does with it.

The queue is a query, not a table the night fills: every accountability record (written when a
debt enters overdue) not yet triaged, of a debt still overdue and not under a special-reason
suspension in force today (rule R5.6). Triage — assign or confirm the handler, start a visit
plan, or mark reviewed with a note — sets who and when on the record, so it leaves the queue,
and appends a TriageAction with the note.
"""
import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import roles
from workflows.exceptions import HandoverError, TriageError
from workflows.handover import debt_handover
from workflows.models import AccountabilityRecord, Debt, State, Suspension, TriageAction, TriageKind, User

MANAGERS = (roles.COMMITTEE, roles.COMMITTEE_HEAD)


def may_triage(user: User) -> bool:
    return user.is_authenticated and user.is_active and (
        user.is_superuser or user.groups.filter(name__in=MANAGERS).exists())


def _suspended_today(day):
    return Suspension.objects.filter(debt_id=OuterRef("debt_id"), start__lte=day, until__gte=day)


def untriaged(day: datetime.date | None = None) -> QuerySet[AccountabilityRecord]:
    """Untriaged records of overdue debts, annotated with `suspended` (in force on `day`)."""
    day = day or timezone.localdate()
    return (AccountabilityRecord.objects.filter(triaged_at__isnull=True, debt__state=State.OVERDUE)
            .annotate(suspended=Exists(_suspended_today(day))))


def queue(day: datetime.date | None = None, *, suspended: bool = False) -> QuerySet[AccountabilityRecord]:
    """The queue (suspended=False) or the suspended debts set aside from it (suspended=True)."""
    return untriaged(day).filter(suspended=suspended)


def queue_count(day: datetime.date | None = None) -> int:
    return queue(day).count()


def suspensions_in_force(debt_ids: list[int], day: datetime.date | None = None) -> dict[int, Suspension]:
    """The suspension in force on `day` for each debt that has one (the latest ending)."""
    day = day or timezone.localdate()
    found: dict[int, Suspension] = {}
    for s in Suspension.objects.filter(debt_id__in=debt_ids, start__lte=day, until__gte=day).order_by("until"):
        found[s.debt_id] = s
    return found


def _records(by, debt_ids):
    if not may_triage(by):
        raise PermissionDenied(_("只有清欠办可以处理逾期待处理队列"))
    if not debt_ids:
        raise TriageError(_("请至少选择一笔债权"))
    records = list(AccountabilityRecord.objects.select_for_update().filter(debt_id__in=debt_ids)
                   .select_related("debt").order_by("debt_id"))
    if len(records) != len(set(debt_ids)):
        raise TriageError(_("所选债权中有的没有逾期责任记录，请刷新后重试"))
    return records


def _mark(records, by, kind, note):
    now = timezone.now()
    AccountabilityRecord.objects.filter(pk__in=[r.pk for r in records], triaged_at__isnull=True).update(
        triaged_at=now, triaged_by=by)
    TriageAction.objects.bulk_create(
        [TriageAction(debt_id=r.debt_id, record=r, kind=kind, note=note, by=by) for r in records])


def triage_review(*, by: User, debt_ids: list[int], note: str) -> int:
    """Mark reviewed with a note (a note is required: it is what the record says was decided)."""
    note = (note or "").strip()
    if not note:
        raise TriageError(_("处理说明：标记已审阅时请写明审阅意见"))
    with transaction.atomic():
        records = _records(by, debt_ids)
        _mark(records, by, TriageKind.REVIEW, note)
    return len(records)


def triage_confirm_handler(*, by: User, debt_ids: list[int], note: str = "") -> int:
    with transaction.atomic():
        records = _records(by, debt_ids)
        _mark(records, by, TriageKind.CONFIRM, (note or "").strip())
    return len(records)


def triage_assign(*, by: User, debt_ids: list[int], handler: User, note: str = "") -> int:
    """Give the debts to `handler`: a handover from each current handler (rule R1.9), then triaged."""
    if handler is None:
        raise TriageError(_("经办人：请选择分派给谁"))
    reason = (note or "").strip() or _("逾期待处理队列分派")
    with transaction.atomic():
        records = _records(by, debt_ids)
        by_handler: dict[int, list[int]] = {}
        for r in records:
            if r.debt.handler_id != handler.pk:
                by_handler.setdefault(r.debt.handler_id, []).append(r.debt_id)
        try:
            for from_id, ids in by_handler.items():
                debt_handover(by=by, from_person=User.objects.get(pk=from_id), to_person=handler,
                              role="handler", reason=reason, debt_ids=ids)
        except HandoverError as exc:
            raise TriageError(str(exc)) from exc
        _mark(records, by, TriageKind.ASSIGN, reason)
    return len(records)


def triage_visit_started(*, by: User, debt_ids: list[int], note: str = "") -> int:
    """Record that a visit plan was started for these debts (the chain itself is approvals')."""
    with transaction.atomic():
        records = _records(by, debt_ids)
        _mark(records, by, TriageKind.VISIT, (note or "").strip())
    return len(records)


def open_debts(debt_ids: list[int]) -> QuerySet[Debt]:
    return Debt.objects.filter(pk__in=debt_ids)
