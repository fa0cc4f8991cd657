"""Monthly reconciliation (每月核对台账, rule R5.18): services and selectors.

Finance issues, for a month, one statement per handler of the debts they held at the month's end
in finance's scope, each line with the ledger balance as at that day. The handler answers each
line (相符 or 有异议 with what is wrong); finance resolves each dispute with a note. A statement
is reconciled when no line is pending or disputed. Statements of past months not reconciled are
the warnings page's list.
"""
import calendar
import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import roles
from workflows.exceptions import ReconciliationError
from workflows.ledger import balances_at
from workflows.models import HELD_STATES, Debt, LineAnswer, Statement, StatementLine, User
from workflows.scoping import scope_debts, sees_all_units

OPEN_ANSWERS = (LineAnswer.PENDING, LineAnswer.DISPUTED)


def month_end(month: datetime.date) -> datetime.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def is_finance(user: User) -> bool:
    return user.is_authenticated and user.is_active and (
        user.is_superuser or user.groups.filter(name=roles.FINANCE).exists())


def issue_statements(*, by: User, month: datetime.date) -> list[Statement]:
    """One statement per handler for `month` (a past or the current month); a handler who already
    has that month's statement keeps it (issuing twice changes nothing)."""
    if not is_finance(by):
        raise PermissionDenied(_("只有财务部可以出具月度对账单"))
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ReconciliationError(_("对账月份：不能晚于本月"))
    end = month_end(month)
    # Debts held today that were on the books by the month's end (an entry dated by then).
    debts = scope_debts(Debt.objects.filter(state__in=HELD_STATES, entries__date__lte=end), by).distinct()
    by_handler: dict[int, list[int]] = defaultdict(list)
    for debt_id, handler_id in debts.values_list("pk", "handler_id").order_by("pk"):
        by_handler[handler_id].append(debt_id)
    balances = balances_at([pk for ids in by_handler.values() for pk in ids], end)
    made = []
    with transaction.atomic():
        existing = set(Statement.objects.filter(month=month, handler_id__in=by_handler).values_list("handler_id",
                                                                                                 flat=True))
        for handler_id, ids in sorted(by_handler.items()):
            if handler_id in existing:
                continue
            statement = Statement.objects.create(month=month, handler_id=handler_id, issued_by=by)
            StatementLine.objects.bulk_create([StatementLine(statement=statement, debt_id=pk, balance=balances[pk])
                                               for pk in ids])
            made.append(statement)
    return made


def statements_for(user: User) -> QuerySet[Statement]:
    """Finance and the group-level roles see the statements of their scope; a handler their own."""
    qs = Statement.objects.select_related("handler", "issued_by")
    if is_finance(user) or sees_all_units(user):
        if sees_all_units(user):
            return qs
        return qs.filter(Q(handler=user) | Q(lines__debt__in=scope_debts(Debt.objects.all(), user))).distinct()
    return qs.filter(handler=user)


def get_statement_for(user: User, pk: int) -> Statement:
    try:
        return statements_for(user).get(pk=pk)
    except Statement.DoesNotExist:
        raise Http404("No statement matches the given query.") from None


def _settle(statement):
    if not statement.lines.filter(answer__in=OPEN_ANSWERS).exists():
        Statement.objects.filter(pk=statement.pk, reconciled_at__isnull=True).update(reconciled_at=timezone.now())


def answer_lines(*, by: User, statement: Statement, answers: dict[int, tuple[str, str]]) -> int:
    """The handler's answers: {line id: (confirmed|disputed, note)}; a dispute must say what is wrong."""
    if by.pk != statement.handler_id:
        raise PermissionDenied(_("只有对账单上的经办人可以核对"))
    with transaction.atomic():
        lines = {line.pk: line for line in statement.lines.select_for_update().filter(pk__in=answers)}
        if len(lines) != len(answers):
            raise ReconciliationError(_("所选明细不属于这张对账单"))
        now = timezone.now()
        for pk, (answer, note) in answers.items():
            line, note = lines[pk], (note or "").strip()
            if line.answer not in (LineAnswer.PENDING,):
                raise ReconciliationError(_("%(code)s：已核对，不能再改") % {"code": line.debt.code})
            if answer == LineAnswer.DISPUTED and not note:
                raise ReconciliationError(_("%(code)s：有异议时请写明哪里不符") % {"code": line.debt.code})
            if answer not in (LineAnswer.CONFIRMED, LineAnswer.DISPUTED):
                raise ReconciliationError(_("%(code)s：请选择相符或有异议") % {"code": line.debt.code})
            line.answer, line.note, line.answered_at = answer, note, now
            line.save(update_fields=["answer", "note", "answered_at"])
        _settle(statement)
    return len(lines)


def resolve_line(*, by: User, line: StatementLine, resolution: str) -> StatementLine:
    """Finance resolves a disputed line (the handler's dispute and finance's answer both stay)."""
    if not is_finance(by):
        raise PermissionDenied(_("只有财务部可以处理对账异议"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ReconciliationError(_("处理意见：请写明如何处理该异议"))
    with transaction.atomic():
        line = StatementLine.objects.select_for_update().get(pk=line.pk)
        if line.answer != LineAnswer.DISPUTED:
            raise ReconciliationError(_("只有有异议的明细需要处理"))
        line.answer, line.resolution, line.resolved_by, line.resolved_at = (
            LineAnswer.RESOLVED, resolution, by, timezone.now())
        line.save(update_fields=["answer", "resolution", "resolved_by", "resolved_at"])
        _settle(line.statement)
    return line


def unreconciled(user: User, today: datetime.date | None = None) -> QuerySet[Statement]:
    """Statements of months before this one that are not reconciled (the warnings list)."""
    today = today or timezone.localdate()
    return statements_for(user).filter(reconciled_at__isnull=True, month__lt=today.replace(day=1))
