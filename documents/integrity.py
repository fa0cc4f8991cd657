"""Integrity of the archive: every stored file re-hashed against its recorded SHA-256 and
every seal's manifest against the hash taken when it was sealed."""
import hashlib
import json
from collections.abc import Callable

from django.core.files.storage import Storage
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Document, IntegrityCheck, Seal
from .storage import archive_storage

CHUNK = 1024 * 1024


def file_sha256(storage: Storage, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with storage.open(name, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _doc_label(doc):
    return f"#{doc.pk} {doc.case_file.debt.code} “{doc.title}” v{doc.version}"


def verify_archive(*, trigger: str = "", progress: Callable[[], object] | None = None) -> IntegrityCheck:
    """Returns the saved IntegrityCheck; its `problems` name each failing document or seal."""
    started = timezone.now()
    storage = archive_storage()
    problems, documents_checked, seals_checked = [], 0, 0
    docs = Document.objects.select_related("case_file__debt").order_by("pk")
    by_id = {}
    for doc in docs.iterator(chunk_size=500):
        documents_checked += 1
        by_id[doc.pk] = (doc.sha256, doc.size)
        if progress:
            progress()
        try:
            digest, size = file_sha256(storage, doc.storage_name)
        except (FileNotFoundError, OSError):
            problems.append({"document": doc.pk, "debt": doc.case_file.debt.code, "problem": "missing",
                             "message": _("文件缺失：%(doc)s（%(name)s）") % {"doc": _doc_label(doc),
                                                                          "name": doc.storage_name}})
            continue
        if digest != doc.sha256 or size != doc.size:
            problems.append({"document": doc.pk, "debt": doc.case_file.debt.code, "problem": "changed",
                             "expected": doc.sha256, "found": digest,
                             "message": _("文件已被改动：%(doc)s（应为 %(exp)s，实为 %(got)s）")
                             % {"doc": _doc_label(doc), "exp": doc.sha256[:16], "got": digest[:16]}})
    for seal in Seal.objects.select_related("case_file__debt").order_by("pk").iterator(chunk_size=200):
        seals_checked += 1
        code = seal.case_file.debt.code
        if hashlib.sha256(seal.manifest.encode("utf-8")).hexdigest() != seal.manifest_sha256:
            problems.append({"seal": seal.pk, "debt": code, "problem": "manifest_changed",
                             "message": _("封档清单已被改动：%(code)s") % {"code": code}})
            continue
        for entry in json.loads(seal.manifest).get("documents", []):
            if by_id.get(entry["id"], (None, None))[0] != entry["sha256"]:
                problems.append({"seal": seal.pk, "document": entry["id"], "debt": code,
                                 "problem": "manifest_mismatch",
                                 "message": _("封档清单与档案记录不符：%(code)s 文件 #%(id)s")
                                 % {"code": code, "id": entry["id"]}})
    return IntegrityCheck.objects.create(started_at=started, documents_checked=documents_checked,
                                         seals_checked=seals_checked, ok=not problems, problems=problems,
                                         trigger=trigger)


def last_check() -> IntegrityCheck | None:
    return IntegrityCheck.objects.order_by("-finished_at", "-pk").first()
