"""Signatures: the password entered again, and a SHA-256 over the decision and the exact
document versions it covered. A document added later is shown as not covered.

The password is compared exactly as typed (rule R4.11: no trimming; the forms keep spaces). Each
wrong one is recorded; QQ_SIGNATURE_FAILURE_LIMIT of them within
QQ_SIGNATURE_FAILURE_WINDOW_MINUTES lock signing for the user for QQ_SIGNATURE_LOCK_MINUTES
(even the right password is refused meanwhile); the lock is recorded and the user, the
清欠办主任 and the administrators are notified. The records are written in the caller's
transaction, outside the decision's own: callers keep them when they refuse the decision
(approvals.views, approvals.api)."""
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from documents.services import client_address
from workflows import roles
from workflows.models import User

from .case_file import current_documents, fingerprint
from .exceptions import SignatureError
from .models import Decision, NotificationKind, Signature, SignatureFailure, SignatureLock
from .notifications import notify


def active_lock(user: User) -> SignatureLock | None:
    return SignatureLock.objects.filter(user=user, until__gt=timezone.now()).order_by("-until").first()


def _locked_message(lock: SignatureLock) -> str:
    return _("签署已锁定：%(minutes)s 分钟内密码错误 %(count)s 次，%(until)s 后方可再次签署") % {
        "minutes": settings.QQ_SIGNATURE_FAILURE_WINDOW_MINUTES, "count": lock.failures,
        "until": date_format(timezone.localtime(lock.until), "H:i")}


def check_password(user: User, password: str, *, task_id: int | None = None,
                   request: HttpRequest | None = None) -> None:
    """Raise SignatureError unless signing is open to `user` and `password` is exactly theirs."""
    lock = active_lock(user)
    if lock is not None:
        raise SignatureError(_locked_message(lock))
    if password and user.check_password(password):
        return
    lock = _record_failure(user, task_id=task_id, request=request)
    if lock is not None:
        raise SignatureError(_locked_message(lock))
    raise SignatureError(_("签署须重新输入登录密码：密码不正确"))


def _record_failure(user, *, task_id, request):
    now = timezone.now()
    SignatureFailure.objects.create(user=user, at=now, task_id=task_id, ip=client_address(request))
    since = now - timedelta(minutes=settings.QQ_SIGNATURE_FAILURE_WINDOW_MINUTES)
    last_lock = SignatureLock.objects.filter(user=user).order_by("-until").values_list("until", flat=True).first()
    if last_lock is not None and last_lock > since:
        since = last_lock  # failures before the last lock ended were counted for it
    failures = SignatureFailure.objects.filter(user=user, at__gt=since).count()
    if failures < settings.QQ_SIGNATURE_FAILURE_LIMIT:
        return None
    lock = SignatureLock.objects.create(user=user, at=now, failures=failures,
                                        until=now + timedelta(minutes=settings.QQ_SIGNATURE_LOCK_MINUTES))
    _notify_lock(user, lock)
    return lock


def _notify_lock(user, lock):
    until = date_format(timezone.localtime(lock.until), "Y-m-d H:i")
    notify(user, NotificationKind.SIGNATURE_LOCKED,
           _("您的签署因密码连续错误 %(count)s 次已锁定至 %(until)s；如非本人操作，请立即修改密码并联系清欠办")
           % {"count": lock.failures, "until": until})
    watchers = (User.objects.filter(Q(is_superuser=True) | Q(groups__name=roles.COMMITTEE_HEAD), is_active=True)
                .exclude(pk=user.pk).distinct().order_by("pk"))
    for watcher in watchers:
        notify(watcher, NotificationKind.SIGNATURE_LOCKED,
               _("%(user)s 的签署因密码连续错误 %(count)s 次已锁定至 %(until)s")
               % {"user": user.get_full_name() or user.username, "count": lock.failures, "until": until})


class Verified:
    """Proof that `user_pk` typed their password correctly in this request: batch signing
    (rule R4.104) checks it once and signs each task with it."""

    __slots__ = ("user_pk",)

    def __init__(self, user_pk: int) -> None:
        self.user_pk = user_pk


def verify_password(user: User, password: str, *, task_id: int | None = None,
                    request: HttpRequest | None = None) -> Verified:
    check_password(user, password, task_id=task_id, request=request)
    return Verified(user.pk)


def digest(decision: Decision, documents: list[dict]) -> str:
    payload = {
        "decision_id": decision.pk,
        "process_id": decision.process_id,
        "debt": decision.debt.code,
        "chain": decision.chain,
        "step": decision.step,
        "decision": decision.decision,
        "by": decision.by_id,
        "at": decision.at.isoformat(),
        "comment": decision.comment,
        "documents": sorted(documents, key=lambda d: d["id"]),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def sign(decision: Decision, documents: list | None = None) -> Signature:
    """Sign `decision` over `documents` (the versions the signer was shown, plus those they
    attached with the decision); the debt's current documents when not given."""
    documents = [fingerprint(d) for d in (current_documents(decision.debt) if documents is None else documents)]
    return Signature.objects.create(decision=decision, signer=decision.by, signed_at=decision.at,
                                    sha256=digest(decision, documents), documents=documents)


def verify(signature: Signature) -> bool:
    """True when the stored digest still matches the decision and the recorded documents."""
    return signature.sha256 == digest(signature.decision, signature.documents)


def coverage(signature: Signature) -> list[dict]:
    """The debt's current documents, each with whether this signature covered that version."""
    covered = {(d["id"], d["sha256"]) for d in signature.documents}
    return [{"document": doc, "covered": (doc.pk, doc.sha256) in covered}
            for doc in current_documents(signature.decision.debt)]
