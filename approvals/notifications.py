"""Notifications: the in-app row is written in the caller's transaction; e-mail and the
person's chat channel (企业微信 / 钉钉 / 飞书 through apprise) are delivered by Celery after
the transaction commits, never inside the web request — a slow mail server or a chat outage
cannot hold up or undo an approval. Without a broker (the embedded default) the delivery runs
in-process after commit."""
import logging
from datetime import timedelta

import apprise
from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from workflows.models import Debt, User
from workflows.roles import GROUP_LEVEL
from workflows.scoping import units_above

from .models import Notification, NotificationChannel, NotificationKind

log = logging.getLogger(__name__)

DELIVER_TASK = "approvals.deliver_notification"  # approvals.tasks defines it


# The attribute a loader sets on a User it read with has_active_channel() (access.load_task, the
# requester with the task): notify() then does not ask again (issue 20: a statement per ending).
KNOWN_CHANNEL = "qq_has_active_channel"


def has_active_channel(user_ref: str = "pk") -> Exists:
    """Whether the user `user_ref` names (an OuterRef path) has an active chat channel."""
    return Exists(NotificationChannel.objects.filter(user_id=OuterRef(user_ref), active=True))


def notify(user: User | None, kind: str, message: str, url: str = "") -> Notification | None:
    if user is None or not user.is_active:
        return None
    note = Notification.objects.create(user=user, kind=kind, message=str(message)[:300], url=url)
    channel = getattr(user, KNOWN_CHANNEL, None)
    if user.email or (NotificationChannel.objects.filter(user=user, active=True).exists() if channel is None
                      else channel):
        # After commit: a rolled-back decision must not have told anybody.
        transaction.on_commit(lambda: _deliver_later(note.pk))
    return note


def reachable_rows(users: QuerySet[User]) -> list[tuple[int, bool]]:
    """(pk, has e-mail or an active channel) of every active user of `users`, in one read."""
    reachable = Q(email__gt="") | has_active_channel()
    return list(users.filter(is_active=True).annotate(reachable=reachable).values_list("pk", "reachable"))


def notify_rows(rows: list[tuple[int, bool]], kind: str, message: str, url: str = "") -> list[Notification]:
    """notify_many for rows already read by reachable_rows (抄送 records the same people, R4.121)."""
    if not rows:
        return []
    text = str(message)[:300]
    now = timezone.now()
    notes = Notification.objects.bulk_create(
        [Notification(user_id=pk, kind=kind, message=text, url=url, created_at=now) for pk, _ in rows])
    later = [note for note, (_, reach) in zip(notes, rows, strict=True) if reach]
    if later:
        # After commit: a rolled-back decision must not have told anybody.
        transaction.on_commit(lambda: [_deliver_later(note.pk) for note in later])
    return notes


def notify_many(users: QuerySet[User], kind: str, message: str, url: str = "") -> list[Notification]:
    """The same notification to every active user of `users` in one read and one bulk insert
    (issue 20: a new task's fan-out must not cost statements per role member); e-mail and
    channels as notify(), after commit, for those who have one."""
    return notify_rows(reachable_rows(users), kind, message, url)


def role_holders(roles: list[str], debt: Debt) -> QuerySet[User]:
    """Active holders of `roles` who see `debt` (a group-level role: every holder; a unit role:
    holders in the debt's unit or a unit above it), as one queryset."""
    # The units above the debt's, from one read of the small tree, only when a unit role needs them.
    units = units_above(debt.unit_id) if any(role not in GROUP_LEVEL for role in roles) else []
    holders = User.objects.none()
    for role in roles:
        users = User.objects.filter(is_active=True, groups__name=role)
        holders |= users if role in GROUP_LEVEL else users.filter(unit_id__in=units)
    return holders.distinct().order_by("pk")


def copy_to(roles: list[str], debt: Debt, message: str, url: str) -> list[Notification]:
    """抄送: one COPY notification with a link to every active holder of `roles` who sees
    `debt` (as 集团公司财务部 and the unit's own 财务部 both receive the copy)."""
    # One read and one insert however many hold the roles (issue 20, as a new task's fan-out).
    return notify_many(role_holders(roles, debt), NotificationKind.COPY, message, url)


def _deliver_later(pk):
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        current_app.send_task(DELIVER_TASK, args=[pk])
    else:
        deliver(pk)


def deliver(pk: int) -> dict[str, bool]:
    """Send one notification by e-mail and to the person's channel; a failure is logged, never
    raised (the task is not retried: a chat message twice is worse than once missing)."""
    note = Notification.objects.select_related("user").filter(pk=pk).first()
    if note is None:
        return {}
    sent = {}
    subject = f"[清欠] {note.message[:60]}"
    body = note.message + (f"\n{settings.QQ_SITE_URL}{note.url}" if note.url and settings.QQ_SITE_URL else "")
    if note.user.email:
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [note.user.email])
            sent["mail"] = True
        except Exception:  # the mail server's own errors
            log.exception("notification %s: mail to %s failed", pk, note.user.email)
            sent["mail"] = False
    channel = NotificationChannel.objects.filter(user=note.user, active=True).first()
    if channel is not None:
        target = apprise.Apprise()
        target.add(channel.url)
        sent["channel"] = bool(target.notify(title=subject, body=body))
        if not sent["channel"]:
            log.warning("notification %s: channel of user %s did not accept it", pk, note.user_id)
    return sent


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def purge_read(*, older_than_days: int) -> int:
    """Read notifications older than the retention period go (unread ones stay)."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff).delete()
    return deleted
