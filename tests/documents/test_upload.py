"""Every class of good and bad upload (issue 3 §1-§2)."""
import hashlib
import io

import pytest
from django.core.files import File
from django.core.files.base import ContentFile

from documents import services
from documents.catalogue import DocType
from documents.exceptions import UploadRefused
from documents.models import AccessLog, CaseFile, Document
from documents.storage import archive_storage

from . import samples


@pytest.mark.parametrize("kind", sorted(samples.GOOD))
def test_each_allowed_format_is_stored_hashed_and_sniffed(kind, debt, people, archive_dir):
    name, content, mime = samples.GOOD[kind]
    # The browser claims something false; the stored type comes from the bytes.
    doc = services.attach(debt, DocType.CONTRACT, samples.upload(name, content, "text/plain"), people["handler"],
                          title="合同正本")
    assert doc.mime_type == mime
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.size == len(content)
    assert doc.version == 1 and doc.uploaded_by == people["handler"] and doc.original_name == name
    with archive_storage().open(doc.storage_name) as stored:
        assert stored.read() == content
    assert (archive_dir / doc.storage_name).is_file()
    log = AccessLog.objects.get(document=doc)
    assert (log.action, log.user) == ("upload", people["handler"])


def test_system_generated_content_file(debt, people):
    doc = services.attach(debt, DocType.APPROVAL_RECORD, ContentFile(samples.PDF, name="审批记录.pdf"), None,
                          system_generated=True)
    assert doc.system_generated and doc.uploaded_by is None and doc.mime_type == "application/pdf"


def test_large_upload_spooled_to_disk_is_hashed_while_streamed(debt, people, settings):
    from django.core.files.uploadedfile import TemporaryUploadedFile
    body = samples.PDF + b"0" * (3 * 1024 * 1024)
    upload = TemporaryUploadedFile("大文件.pdf", "application/pdf", len(body), None)
    upload.write(body)
    upload.seek(0)
    doc = services.attach(debt, DocType.CONTRACT, upload, people["handler"])
    assert doc.sha256 == hashlib.sha256(body).hexdigest() and doc.size == len(body)


BAD = [
    ("empty", samples.upload("空.pdf", b""), "空的"),
    ("elf", samples.upload("tool.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 64), "可执行程序或脚本"),
    ("exe", samples.upload("setup.pdf", b"MZ\x90\x00" + b"\x00" * 64), "可执行程序或脚本"),
    ("shebang", samples.upload("run.pdf", b"#!/bin/sh\nrm -rf /\n"), "可执行程序或脚本"),
    ("html", samples.upload("page.pdf", b"<html><script>alert(1)</script></html>"), "脚本"),
    ("php", samples.upload("x.jpg", b"<?php system($_GET['c']); ?>"), "脚本"),
    ("exe extension", samples.upload("setup.exe", b"MZ\x90\x00" + b"\x00" * 64), "不允许上传"),
    ("script extension", samples.upload("run.sh", b"echo hi"), "不允许上传"),
    ("no extension", samples.upload("合同", samples.PDF), "不允许上传"),
    ("png named pdf", samples.upload("合同.pdf", samples.PNG), "与扩展名“.pdf”不符"),
    ("pdf named docx", samples.upload("报告.docx", samples.PDF), "与扩展名“.docx”不符"),
    ("docx named xlsx", samples.upload("表.xlsx", samples.DOCX), "与扩展名“.xlsx”不符"),
    ("plain zip named ofd", samples.upload("发票.ofd", samples.PLAIN_ZIP), "与扩展名“.ofd”不符"),
    ("xls named doc", samples.upload("报告.doc", samples.XLS), "与扩展名“.doc”不符"),
    ("text named pdf", samples.upload("合同.pdf", b"just some text"), "无法识别"),
    ("control character", samples.upload("合同\x07.pdf", samples.PDF), "控制字符"),
    ("newline in name", samples.upload("合同\n.pdf", samples.PDF), "控制字符"),
]


@pytest.mark.parametrize("label,upload,message", BAD, ids=[b[0] for b in BAD])
def test_bad_uploads_are_refused_with_a_clear_message(label, upload, message, debt, people, archive_dir):
    with pytest.raises(UploadRefused) as exc:
        services.attach(debt, DocType.CONTRACT, upload, people["handler"])
    assert message in exc.value.message
    assert not Document.objects.exists()
    assert not archive_dir.exists() or not any(p.is_file() for p in archive_dir.rglob("*"))


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "sub/合同.pdf", "..\\合同.pdf", "/tmp/合同.pdf"])
def test_names_with_path_parts_are_refused(name, debt, people):
    # Django's own upload handling strips paths from browser names; the service is the
    # last guard for files handed over by code (File objects keep their name as given).
    with pytest.raises(UploadRefused) as exc:
        services.attach(debt, DocType.CONTRACT, File(io.BytesIO(samples.PDF), name=name), people["handler"])
    assert "路径" in exc.value.message
    assert not Document.objects.exists()


def test_oversize_refused_and_limit_is_configurable(debt, people, settings):
    settings.QQ_DOCUMENT_MAX_BYTES = len(samples.PDF) + 10
    services.attach(debt, DocType.CONTRACT, samples.pdf(extra=b"x" * 10), people["handler"])
    with pytest.raises(UploadRefused) as exc:
        services.attach(debt, DocType.CONTRACT, samples.pdf(extra=b"x" * 11), people["handler"])
    assert "超过上限" in exc.value.message
    assert Document.objects.count() == 1


def test_default_limit_is_50_mb():
    from documents.validation import max_bytes
    assert max_bytes() == 50 * 1024 * 1024


def test_unknown_doc_type_refused(debt, people):
    with pytest.raises(UploadRefused) as exc:
        services.attach(debt, "secret_plans", samples.pdf(), people["handler"])
    assert "档案目录" in exc.value.message


def test_case_file_opened_with_the_debt_and_for_bulk_created_debts(debt, org, people):
    assert CaseFile.objects.filter(debt=debt).exists()
    from workflows.models import Debt
    other = Debt.objects.bulk_create([Debt(code="BULK-1", debtor=debt.debtor, contract=debt.contract,
                                           category="receivable", unit=org["a"], handler=people["handler"],
                                           responsible=people["handler"], due_date=debt.due_date)])[0]
    assert CaseFile.objects.filter(debt_id=other.pk).exists()  # opened in the same transaction
    doc = services.attach(other, DocType.CONTRACT, samples.pdf(), people["handler"])
    assert doc.case_file.debt_id == other.pk


def test_correction_is_a_new_version_that_supersedes(debt, people):
    first = services.attach(debt, DocType.INVOICE, samples.pdf("发票.pdf"), people["handler"], title="发票")
    second = services.attach(debt, DocType.INVOICE, samples.pdf("发票-更正.pdf", b"fix"), people["handler"],
                             supersedes=first)
    assert (second.version, second.chain, second.supersedes, second.title) == (2, first.chain, first, "发票")
    first.refresh_from_db()
    assert first.sha256 == hashlib.sha256(samples.PDF).hexdigest()  # the old version is untouched
    assert list(services.current_documents(debt)) == [second]
    with pytest.raises(UploadRefused):  # a chain does not fork
        services.attach(debt, DocType.INVOICE, samples.pdf("再更正.pdf", b"x"), people["handler"], supersedes=first)


def test_auditor_cannot_attach(debt, people):
    with pytest.raises(UploadRefused):
        services.attach(debt, DocType.CONTRACT, samples.pdf(), people["auditor"])
    assert not Document.objects.exists()
