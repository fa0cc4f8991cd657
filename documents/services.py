"""The archive's business rules: opening case files, attaching documents, the access log and
sealing. Views, approval flows, tasks and commands all call these functions.
"""
import hashlib
import json
import uuid
from datetime import datetime
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows import lifecycle
from workflows.exports import local_iso
from workflows.models import Authorisation, Debt, State, StateChange, User

from .catalogue import DocType
from .exceptions import SealRefused, UploadRefused
from .models import AccessLog, Action, CaseFile, Document, Seal
from .permissions import is_auditor, may_seal
from .storage import archive_storage
from .validation import EXTENSION_FOR_MIME, check_size, max_bytes, validate_upload

SEALABLE_STATES = {State.CLEARED, State.SETTLED_IN_KIND}
# The four 建档 steps (rule R7.7); the fourth, sealing, needs the state history.
SEAL_REQUIRED_TYPES = [DocType.INVESTIGATION_RECORD, DocType.ORIGINAL_VOUCHERS, DocType.CONCLUSIVE_REPORT]
CHUNK = 64 * 1024


# --- case files --------------------------------------------------------------------------

def case_file_for(debt: Debt | int) -> CaseFile:
    """The debt's case file; debts made by bulk_create (ledger import) get theirs here."""
    debt_id = debt.pk if isinstance(debt, Debt) else debt
    return CaseFile.objects.get_or_create(debt_id=debt_id)[0]


def is_sealed(case_file: CaseFile) -> bool:
    return (Seal.objects.filter(case_file=case_file).exists()
            or Debt.objects.filter(pk=case_file.debt_id, state=State.SEALED).exists())


SEAL_SOURCE = "archive:seal"


def seal_gate(debt: Debt, authorisation: Authorisation | None) -> None:
    """→sealed only through seal_case_file: it checks the 建档 items and writes the manifest."""
    if authorisation is None or authorisation.source != SEAL_SOURCE:
        raise lifecycle.GatedTransitionError(_("封档只能由清欠办在档案中完成（须有完整建档材料和封档清单）"))
    missing = missing_for_seal(debt)
    if missing:
        raise lifecycle.GatedTransitionError(_("案卷 %(code)s 缺少建档材料：%(items)s")
                                             % {"code": debt.code, "items": "、".join(str(m) for m in missing)})


# --- access log --------------------------------------------------------------------------

def client_address(request: HttpRequest | None) -> str | None:
    """The client's address. X-Forwarded-For is believed only when the direct peer is one of
    our own reverse proxies (QQ_TRUSTED_PROXIES); from anyone else it proves nothing."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = getattr(settings, "QQ_TRUSTED_PROXIES", ())
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if remote in trusted and forwarded:
        # the right-most address not added by one of our proxies is the client
        for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
            if hop not in trusted:
                return hop
    return remote


def log_access(document_or_casefile: Document | CaseFile | Debt | None, user: User | AnonymousUser | None,
               action: Action | str, *, request: HttpRequest | None = None, detail: str = "") -> AccessLog:
    if isinstance(document_or_casefile, Document):
        document, case_file = document_or_casefile, document_or_casefile.case_file
    elif isinstance(document_or_casefile, CaseFile):
        document, case_file = None, document_or_casefile
    elif isinstance(document_or_casefile, Debt):
        document, case_file = None, case_file_for(document_or_casefile)
    else:
        document, case_file = None, None
    if isinstance(user, AnonymousUser) or (user is not None and not user.is_authenticated):
        user = None
    return AccessLog.objects.create(case_file=case_file, document=document, user=user, action=Action(action),
                                    address=client_address(request), detail=detail[:300])


# --- documents ---------------------------------------------------------------------------

def current_documents(debt: Debt | int) -> QuerySet[Document]:
    """The newest version of each document chain of this debt."""
    newer = Document.objects.filter(supersedes=OuterRef("pk"))
    return (Document.objects.filter(case_file__debt_id=debt.pk if isinstance(debt, Debt) else debt)
            .filter(~Exists(newer)).select_related("uploaded_by").order_by("doc_type", "uploaded_at", "pk"))


class _HashingReader:
    """Wraps the upload for storage.save: hashes and counts the bytes as the storage reads
    them (one pass, chunk by chunk) and stops an upload that grows past the limit."""

    def __init__(self, fileobj, limit):
        self._file = fileobj
        self._limit = limit
        self.reset()

    def reset(self):
        self.digest = hashlib.sha256()
        self.size = 0

    def _take(self, data):
        self.size += len(data)
        if self.size > self._limit:
            raise UploadRefused(_("文件大小超过上限 %(limit)s 字节") % {"limit": self._limit})
        self.digest.update(data)
        return data

    def read(self, n=-1):
        return self._take(self._file.read(n))

    def chunks(self, chunk_size=None):
        self.seek(0)
        while True:
            data = self.read(chunk_size or CHUNK)
            if not data:
                break
            yield data

    def seek(self, pos, whence=0):
        result = self._file.seek(pos, whence)
        if pos == 0 and whence == 0:
            self.reset()  # the storage re-reads from the start: hash afresh
        return result

    def tell(self):
        return self._file.tell()

    def __getattr__(self, name):
        # Without this the file-system storage would move a temporary upload into place
        # without reading it, and nothing would be hashed.
        if name == "temporary_file_path":
            raise AttributeError(name)
        return getattr(self._file, name)


def _storage_name(mime):
    token = uuid.uuid4().hex
    return f"documents/{timezone.now():%Y/%m}/{token[:2]}/{token}{EXTENSION_FOR_MIME.get(mime, '')}"


def attach(debt: Debt | int, doc_type: DocType | str, uploaded_file: UploadedFile | None, by: User | None, *,
           title: str = "", request: HttpRequest | None = None, supersedes: Document | None = None,
           system_generated: bool = False) -> Document:
    """Validate, store (streamed and hashed in one pass) and record one document.

    A correction passes `supersedes=<previous version>`: a new version is added to that
    chain; the earlier version stays, unchanged.
    """
    if isinstance(debt, int):
        debt = Debt.objects.get(pk=debt)
    try:
        doc_type = DocType(doc_type)
    except ValueError:
        raise UploadRefused(_("文件类型“%(type)s”不在档案目录中") % {"type": doc_type}) from None
    if by is not None and is_auditor(by):
        raise UploadRefused(_("审计人员只能查阅档案，不能上传"))
    if uploaded_file is None:
        raise UploadRefused(_("请选择要上传的文件"))
    title = (title or "").strip()
    if len(title) > 200:
        raise UploadRefused(_("标题过长（最多 200 个字符）"))
    mime = validate_upload(uploaded_file)
    case_file = case_file_for(debt)
    if supersedes is not None:
        if supersedes.case_file_id != case_file.pk:
            raise UploadRefused(_("被更正的文件不属于本案卷"))
        if Document.objects.filter(supersedes=supersedes).exists():
            raise UploadRefused(_("“%(title)s”第 %(v)s 版已有更新版本，请更正最新版本")
                                % {"title": supersedes.title, "v": supersedes.version})
    if is_sealed(case_file):
        raise UploadRefused(_("案卷 %(code)s 已封档，不能再上传文件") % {"code": debt.code})
    storage = archive_storage()
    reader = _HashingReader(uploaded_file, max_bytes())
    reader.seek(0)
    stored_name = storage.save(_storage_name(mime), reader)
    check_size(reader.size)
    with transaction.atomic():
        # Lock the case file so a seal cannot slip in between the check and the insert.
        case_file = CaseFile.objects.select_for_update().get(pk=case_file.pk)
        if is_sealed(case_file):
            raise UploadRefused(_("案卷 %(code)s 已封档，不能再上传文件") % {"code": debt.code})
        fields = dict(
            case_file=case_file, doc_type=doc_type, original_name=uploaded_file.name,
            storage_name=stored_name, sha256=reader.digest.hexdigest(), size=reader.size, mime_type=mime,
            uploaded_by=by, system_generated=system_generated,
            title=title or (supersedes.title if supersedes else default_title(doc_type, debt)),
        )
        if supersedes is not None:
            fields.update(chain=supersedes.chain, version=supersedes.version + 1, supersedes=supersedes,
                          doc_type=doc_type)
        document = Document.objects.create(**fields)
        log_access(document, by, Action.UPLOAD, request=request,
                   detail=_("第 %(v)s 版") % {"v": document.version} if supersedes else "")
    return document


def default_title(doc_type: DocType | str, debt: Debt) -> str:
    """A document's title when none is typed: its type and the debt (rule R4.103), not the
    uploaded file's name."""
    return f"{DocType(doc_type).label} {debt.code}"


def open_document(document: Document) -> BinaryIO:
    return archive_storage().open(document.storage_name, "rb")


# --- sealing -----------------------------------------------------------------------------

def missing_for_seal(debt: Debt) -> list[str]:
    """The 建档 items still missing, as labels (empty when the file can be sealed)."""
    present = set(Document.objects.filter(case_file__debt=debt, doc_type__in=SEAL_REQUIRED_TYPES)
                  .values_list("doc_type", flat=True))
    missing = [DocType(t).label for t in SEAL_REQUIRED_TYPES if t not in present]
    if not StateChange.objects.filter(debt=debt).exists():
        missing.append(_("状态变更记录"))
    return missing


def build_manifest(debt: Debt, case_file: CaseFile, *, by: User, sealed_at: datetime) -> tuple[str, str]:
    """The sealed list of every document with its hash, and the state history; the JSON text
    is stored verbatim so its own hash can be checked years later."""
    docs = Document.objects.filter(case_file=case_file).select_related("uploaded_by").order_by("pk")
    body = {
        "debt": debt.code,
        "debtor": debt.debtor.name,
        "contract": debt.contract.number,
        "unit": debt.unit.code,
        "sealed_at": local_iso(sealed_at),
        "sealed_by": by.get_username(),
        "documents": [
            {
                "id": d.pk, "chain": str(d.chain), "version": d.version, "doc_type": d.doc_type,
                "title": d.title, "original_name": d.original_name, "sha256": d.sha256, "size": d.size,
                "mime_type": d.mime_type, "uploaded_by": d.uploaded_by.get_username() if d.uploaded_by else None,
                "uploaded_at": local_iso(d.uploaded_at),
                "supersedes": d.supersedes_id,
            }
            for d in docs
        ],
        "state_history": [
            {"from": c.from_state, "to": c.to_state, "at": local_iso(c.at),
             "by": c.by.get_username() if c.by else None, "reason": c.reason}
            for c in StateChange.objects.filter(debt=debt).select_related("by").order_by("at", "pk")
        ],
    }
    text = json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal_case_file(debt: Debt, by: User, *, request: HttpRequest | None = None) -> Seal:
    """封档 by 清欠办: the gated →sealed transition plus the manifest, in one transaction."""
    if not may_seal(by):
        raise SealRefused(_("只有清欠办可以封档"))
    with transaction.atomic():
        debt = Debt.objects.select_for_update().get(pk=debt.pk)
        case_file = CaseFile.objects.select_for_update().get(pk=case_file_for(debt).pk)
        if is_sealed(case_file):
            raise SealRefused(_("案卷 %(code)s 已封档") % {"code": debt.code})
        if debt.state not in SEALABLE_STATES:
            raise SealRefused(_("债权 %(code)s 当前状态“%(state)s”不能封档，须为已结清或以物抵债")
                              % {"code": debt.code, "state": debt.get_state_display()})
        missing = missing_for_seal(debt)
        if missing:
            raise SealRefused(_("案卷 %(code)s 缺少建档材料：%(items)s")
                              % {"code": debt.code, "items": "、".join(str(m) for m in missing)})
        lifecycle.authorise(debt, State.SEALED, by, source=SEAL_SOURCE, reason=_("档案齐全，封档"))
        lifecycle.apply_transition(debt.pk, State.SEALED, by=by, reason=_("封档"), expected_state=debt.state)
        debt.refresh_from_db()
        sealed_at = timezone.now()
        manifest, digest = build_manifest(debt, case_file, by=by, sealed_at=sealed_at)
        seal = Seal.objects.create(case_file=case_file, sealed_by=by, manifest=manifest, manifest_sha256=digest)
        log_access(case_file, by, Action.SEAL, request=request, detail=digest)
    return seal


def set_legal_hold(debt: Debt, *, on: bool, by: User, reason: str = "",
                   request: HttpRequest | None = None) -> CaseFile:
    if not may_seal(by):
        raise SealRefused(_("只有清欠办可以设置法律保全"))
    reason = (reason or "").strip()
    if on and not reason:
        raise SealRefused(_("设置法律保全须填写原因"))
    with transaction.atomic():
        case_file = CaseFile.objects.select_for_update().get(pk=case_file_for(debt).pk)
        CaseFile.objects.filter(pk=case_file.pk).update(legal_hold=bool(on), legal_hold_reason=reason[:300])
        log_access(case_file, by, Action.LEGAL_HOLD, request=request,
                   detail=(_("设置：%(r)s") % {"r": reason}) if on else _("解除"))
    case_file.refresh_from_db()
    return case_file
