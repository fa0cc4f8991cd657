"""Scheduled balance confirmations (定期书面签认, rule R5.19): finance sends 对账确认函 in bulk to
the debts not confirmed in writing for N months [default 12] or whose limitation lapses within
D days [default 180], as one background job whose progress the page shows; each letter goes into
its debt's case file like any other (collection.letters). With a Celery broker a worker runs the
job; in the embedded default a thread of the web process does."""
import logging
import threading
from datetime import date, timedelta

from celery import current_app
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.models import HELD_STATES, Debt, LimitationEvent, LimitationEventKind, User

from .exceptions import CollectionError
from .letters import generate_letter
from .models import ConfirmationRun, ConfirmationSettings, Letter, LetterKind
from .permissions import Act, require

logger = logging.getLogger(__name__)
# collection.tasks imports this module, so the job is sent by its task name.
CONFIRMATION_TASK = "collection.tasks.confirmation_run_task"


def due_for_confirmation(debts: QuerySet[Debt], *, today: date | None = None,
                         conf: ConfirmationSettings | None = None) -> QuerySet[Debt]:
    """The debts among `debts` a confirmation is due for: held (open or written off, 账销案存)
    with a balance, no signed confirmation in the last N months or limitation lapsing within
    D days, and no unsigned 对账确认函 sent in the last few days (not twice in a row)."""
    today = today or timezone.localdate()
    conf = conf or ConfirmationSettings.current()
    since = today - relativedelta(months=conf.months_unconfirmed)
    confirmed = LimitationEvent.objects.filter(debt=OuterRef("pk"), kind=LimitationEventKind.BALANCE_CONFIRMATION,
                                               date__gte=since)
    resend_from = timezone.now() - timedelta(days=conf.resend_after_days)
    pending = Letter.objects.filter(debt=OuterRef("pk"), kind=LetterKind.BALANCE_CONFIRMATION,
                                    proof_recorded_at__isnull=True, created_at__gte=resend_from)
    lapsing = Q(clock__limitation_deadline__gte=today,
                clock__limitation_deadline__lte=today + timedelta(days=conf.lapse_within_days))
    return (debts.filter(state__in=HELD_STATES, balance__gt=0)
            .filter(~Exists(confirmed) | lapsing).exclude(Exists(pending)))


def start_confirmation_run(debts: QuerySet[Debt], *, by: User) -> ConfirmationRun:
    """Fix the list of debts due now (within `debts`, the requester's scope) and start the job."""
    require(by, Act.CONFIRM_BALANCES)
    today = timezone.localdate()
    conf = ConfirmationSettings.current()
    ids = list(due_for_confirmation(debts, today=today, conf=conf).order_by("code").values_list("pk", flat=True))
    if not ids:
        raise CollectionError(_("对账确认函：目前没有需要发函的债权"))
    if ConfirmationRun.objects.filter(requested_by=by, status__in=[ConfirmationRun.Status.PENDING,
                                                                   ConfirmationRun.Status.RUNNING]).exists():
        raise CollectionError(_("对账确认函：您上一次的批量生成还在进行中，请等它完成"))
    run = ConfirmationRun.objects.create(requested_by=by, as_of=today, months_unconfirmed=conf.months_unconfirmed,
                                         lapse_within_days=conf.lapse_within_days, debt_ids=ids, total=len(ids))
    transaction.on_commit(lambda: _launch(run.pk))
    return run


def _launch(run_id):
    if getattr(settings, "QQ_CONFIRMATIONS_INLINE", False):
        run_confirmations(run_id)
    elif settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        current_app.send_task(CONFIRMATION_TASK, args=[run_id])
    else:
        threading.Thread(target=_run_in_thread, args=(run_id,), daemon=True).start()


def _run_in_thread(run_id):
    try:
        run_confirmations(run_id)
    finally:
        close_old_connections()


def run_confirmations(run_id: int) -> ConfirmationRun:
    """Generate the run's letters, one debt after the other, each in its own transaction; a debt
    that cannot take a letter (closed meanwhile, no address, no letterhead…) is listed with the
    reason and the others go on. Run again, it skips the debts that have their letter."""
    run = ConfirmationRun.objects.select_related("requested_by").get(pk=run_id)
    if run.status == ConfirmationRun.Status.DONE:
        return run
    have = set(Letter.objects.filter(run=run).values_list("debt_id", flat=True))
    criteria = ConfirmationSettings(months_unconfirmed=run.months_unconfirmed, lapse_within_days=run.lapse_within_days,
                                    resend_after_days=ConfirmationSettings.current().resend_after_days)
    ConfirmationRun.objects.filter(pk=run_id).update(status=ConfirmationRun.Status.RUNNING, done=len(have), failed=0,
                                                     errors=[])
    errors = []
    try:
        for debt_id in run.debt_ids:
            if debt_id in have:
                continue
            debt = Debt.objects.select_related("debtor", "contract", "unit").filter(pk=debt_id).first()
            try:
                if debt is None:
                    raise CollectionError(_("债权不存在"))
                if not due_for_confirmation(Debt.objects.filter(pk=debt_id), today=run.as_of, conf=criteria).exists():
                    raise CollectionError(_("申请之后已签认、已结清或已发函，无需再发"))
                generate_letter(debt, LetterKind.BALANCE_CONFIRMATION, by=run.requested_by, run=run)
            except (CollectionError, PermissionDenied) as exc:
                errors.append({"debt": debt.code if debt else str(debt_id),
                               "error": getattr(exc, "message", None) or str(exc)})
                ConfirmationRun.objects.filter(pk=run_id).update(failed=F("failed") + 1, errors=errors)
            else:
                ConfirmationRun.objects.filter(pk=run_id).update(done=F("done") + 1)
    except Exception as exc:  # the page must show the failure rather than spin forever
        logger.exception("confirmation run %s failed", run_id)
        errors.append({"debt": "", "error": str(exc)[:500]})
        ConfirmationRun.objects.filter(pk=run_id).update(status=ConfirmationRun.Status.FAILED, errors=errors,
                                                         finished_at=timezone.now())
    else:
        ConfirmationRun.objects.filter(pk=run_id).update(status=ConfirmationRun.Status.DONE,
                                                         finished_at=timezone.now())
    run.refresh_from_db()
    return run
