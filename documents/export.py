"""Exports that can be checked offline: a case file, or a whole unit's archive (handover).

Each case-file folder holds its documents, manifest.json, manifest.csv and SHA256SUMS in the
format `sha256sum -c` reads. The hashes written are the ones recorded at upload, not ones
computed during the export, so a file changed in storage fails the offline check.

Times are Asia/Shanghai with their offset, text cells of the CSVs are neutralised against
formula injection (workflows.exports; rules R8.3, R8.15). Higher apps add sections of their
own (approvals: every decision and signature, rule R7.15) with register_manifest_section: each
is a list in manifest.json and a CSV of its own, both covered by SHA256SUMS.
"""
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from django.db.models import QuerySet
from django.utils import timezone

from workflows.exports import CsvDictWriter, CsvWriter, local_iso
from workflows.models import Debt, OrgUnit, StateChange

from .models import Document, RetentionSettings, Seal
from .retention import Retention, retention_for
from .storage import archive_storage

CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class ManifestSection:
    """rows(debt) -> list of dicts with `fields` as keys; a list in a row is a JSON list in
    manifest.json and its items joined with "; " in the CSV (a dict item as its values)."""
    name: str
    fields: tuple[str, ...]
    rows: Callable[[Debt], list[dict]]


_SECTIONS: list[ManifestSection] = []


def register_manifest_section(section: ManifestSection) -> None:
    if all(s.name != section.name for s in _SECTIONS):
        _SECTIONS.append(section)


def _csv_value(value):
    if isinstance(value, list | tuple):
        return "; ".join(" ".join(map(str, v.values())) if isinstance(v, dict) else str(v) for v in value)
    return value


def _csv_bytes(fields, rows):
    buf = io.StringIO()
    writer = CsvDictWriter(buf, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: _csv_value(v) for k, v in row.items()} for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def safe(part: object) -> str:
    return _UNSAFE.sub("_", str(part)).strip("._") or "_"


def _write_bytes(zf, path, data):
    zf.writestr(path, data)
    return hashlib.sha256(data).hexdigest()


def _sums(entries):
    return "".join(f"{digest}  {path}\n" for path, digest in entries).encode("utf-8")


def write_case_file(zf: zipfile.ZipFile, debt: Debt, *, prefix: str = "",
                    retention: list[Retention] | None = None) -> list[tuple[str, str]]:
    """Write one case file into an open ZipFile under `prefix`; returns [(path, sha256)] of
    every file written (paths relative to the zip root). The manifest names the file's
    retention periods (rule R7.14)."""
    retention = retention if retention is not None else retention_for(debt)
    storage = archive_storage()
    docs = list(Document.objects.filter(case_file__debt=debt).select_related("uploaded_by").order_by("pk"))
    seal = Seal.objects.filter(case_file__debt=debt).first()
    entries, rows = [], []
    for doc in docs:
        rel = f"documents/{doc.pk:06d}_v{doc.version}_{safe(doc.doc_type)}{doc.extension}"
        # Stored, not deflated: PDFs, images, OFD and OOXML are compressed already, and
        # deflating them again made the export CPU-bound (bench/RESULTS.md).
        info = zipfile.ZipInfo(prefix + rel, date_time=timezone.localtime(doc.uploaded_at).timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED
        with storage.open(doc.storage_name, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                dst.write(chunk)
        entries.append((rel, doc.sha256))
        rows.append({
            "path": rel, "sha256": doc.sha256, "size": doc.size, "mime_type": doc.mime_type,
            "id": doc.pk, "chain": str(doc.chain), "version": doc.version, "supersedes": doc.supersedes_id,
            "doc_type": doc.doc_type, "doc_type_label": str(doc.get_doc_type_display()), "title": doc.title,
            "original_name": doc.original_name,
            "uploaded_by": doc.uploaded_by.get_username() if doc.uploaded_by else "",
            "uploaded_at": local_iso(doc.uploaded_at),
        })
    manifest = {
        "debt": debt.code, "debtor": debt.debtor.name, "credit_code": debt.debtor.credit_code,
        "contract": debt.contract.number, "unit": debt.unit.code, "state": debt.state,
        "exported_at": local_iso(timezone.now()),
        "sealed": bool(seal), "seal_manifest_sha256": seal.manifest_sha256 if seal else None,
        "retention": [r.as_dict() for r in retention],
        "documents": rows,
        "state_history": [
            {"from": c.from_state, "to": c.to_state, "at": local_iso(c.at),
             "by": c.by.get_username() if c.by else None, "reason": c.reason}
            for c in StateChange.objects.filter(debt=debt).select_related("by").order_by("at", "pk")
        ],
    }
    section_rows = {section.name: section.rows(debt) for section in _SECTIONS}
    manifest.update(section_rows)
    entries.append(("manifest.json", _write_bytes(
        zf, prefix + "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))))
    fields = ["sha256", "path", "size", "mime_type", "id", "chain", "version", "supersedes", "doc_type",
              "doc_type_label", "title", "original_name", "uploaded_by", "uploaded_at"]
    entries.append(("manifest.csv", _write_bytes(zf, prefix + "manifest.csv", _csv_bytes(fields, rows))))
    for section in _SECTIONS:
        name = f"{section.name}.csv"
        entries.append((name, _write_bytes(zf, prefix + name, _csv_bytes(section.fields, section_rows[section.name]))))
    if seal:
        entries.append(("seal_manifest.json", _write_bytes(zf, prefix + "seal_manifest.json",
                                                           seal.manifest.encode("utf-8"))))
    sums = _sums(entries)
    zf.writestr(prefix + "SHA256SUMS", sums)
    return [(prefix + p, d) for p, d in entries] + [(prefix + "SHA256SUMS", hashlib.sha256(sums).hexdigest())]


def case_file_zip(debt: Debt, fileobj: BinaryIO) -> BinaryIO:
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        write_case_file(zf, debt)
    return fileobj


def debts_for_unit(unit: OrgUnit | None = None) -> QuerySet[Debt]:
    qs = Debt.objects.select_related("unit", "debtor", "contract").order_by("unit__code", "code")
    if unit is not None:
        qs = qs.filter(unit_id__in=unit.subtree_ids())
    return qs


def write_bundle(fileobj: BinaryIO, *, unit: OrgUnit | None = None, progress: Callable[[int], object] | None = None,
                 on_case_file: Callable[[Debt], object] | None = None) -> int:
    """The handover bundle: `<unit>/<debt>/...` per case file, index.csv and a top-level
    SHA256SUMS over every file. Returns the number of case files."""
    debts = debts_for_unit(unit)
    settings = RetentionSettings.load()
    all_entries, index_rows = [], []
    count = 0
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        for debt in debts.iterator(chunk_size=200):
            prefix = f"{safe(debt.unit.code)}/{safe(debt.code)}/"
            kept = {r.kind: r for r in retention_for(debt, settings)}
            all_entries.extend(write_case_file(zf, debt, prefix=prefix, retention=list(kept.values())))
            # rule R7.14: the bundle lists each file's retention periods and when they end
            index_rows.append([debt.unit.code, debt.code, debt.debtor.name, debt.contract.number, debt.state,
                               prefix, kept["collection"].closed_on or "",
                               kept["collection"].years, kept["collection"].ends_on or "",
                               kept["vouchers"].years, kept["vouchers"].ends_on or ""])
            count += 1
            if on_case_file:
                on_case_file(debt)
            if progress:
                progress(count)
        buf = io.StringIO()
        writer = CsvWriter(buf)
        writer.writerow(["unit", "debt", "debtor", "contract", "state", "folder", "closed_on",
                         "collection_retention_years", "collection_retention_until",
                         "voucher_retention_years", "voucher_retention_until"])
        writer.writerows(index_rows)
        all_entries.append(("index.csv", _write_bytes(zf, "index.csv", buf.getvalue().encode("utf-8-sig"))))
        zf.writestr("SHA256SUMS", _sums(all_entries))
    return count
