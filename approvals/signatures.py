"""Signatures: the password entered again, and a SHA-256 over the decision and the exact
document versions it covered. A document added later is shown as not covered."""
import hashlib
import json

from django.utils.translation import gettext as _

from workflows.models import User

from .case_file import current_documents, fingerprint
from .exceptions import SignatureError
from .models import Decision, Signature


def check_password(user: User, password: str) -> None:
    if not password or not user.check_password(password):
        raise SignatureError(_("签署须重新输入登录密码：密码不正确"))


class Verified:
    """Proof that `user_pk` typed their password correctly in this request: batch signing
    (rule R4.104) checks it once and signs each task with it."""

    __slots__ = ("user_pk",)

    def __init__(self, user_pk: int) -> None:
        self.user_pk = user_pk


def verify_password(user: User, password: str) -> Verified:
    check_password(user, password)
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
