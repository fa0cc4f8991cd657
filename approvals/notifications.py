"""In-app notifications plus e-mail (console backend in the embedded default)."""
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from workflows.models import User

from .models import Notification

log = logging.getLogger(__name__)


def notify(user: User | None, kind: str, message: str, url: str = "") -> Notification | None:
    if user is None or not user.is_active:
        return None
    note = Notification.objects.create(user=user, kind=kind, message=str(message)[:300], url=url)
    if user.email:
        # After commit: a rolled-back decision must not have mailed anybody.
        transaction.on_commit(lambda: _mail(user.email, str(message)))
    return note


def _mail(address, message):
    try:
        send_mail(f"[清欠] {message[:60]}", message, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception:  # a mail outage must not undo an approval
        log.exception("notification mail to %s failed", address)


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
