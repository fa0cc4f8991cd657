"""Sealing, refusal after sealing, tamper detection (verify_archive and its Celery task)."""
import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from documents import services
from documents.catalogue import DocType
from documents.exceptions import SealRefused, UploadRefused
from documents.integrity import last_check
from documents.models import AccessLog, Seal
from documents.tasks import verify_archive_task
from workflows.models import State

from . import samples
from .conftest import clear, complete_file


def test_seal_writes_manifest_and_moves_debt(sealed_debt, people):
    assert sealed_debt.state == State.SEALED
    seal = Seal.objects.get(case_file__debt=sealed_debt)
    assert hashlib.sha256(seal.manifest.encode()).hexdigest() == seal.manifest_sha256
    manifest = json.loads(seal.manifest)
    docs = {d["doc_type"]: d for d in manifest["documents"]}
    assert set(docs) == {"investigation_record", "original_vouchers", "conclusive_report"}
    for doc in services.current_documents(sealed_debt):
        assert docs[doc.doc_type]["sha256"] == doc.sha256
    assert [h["to"] for h in manifest["state_history"]] == ["cleared", "sealed"]
    assert sealed_debt.authorisations.get(target=State.SEALED).source == "archive:seal"
    assert AccessLog.objects.filter(action="seal", user=people["committee"]).exists()


def test_sealed_file_refuses_upload(sealed_debt, people):
    with pytest.raises(UploadRefused) as exc:
        services.attach(sealed_debt, DocType.OTHER, samples.pdf(), people["committee"])
    assert "已封档" in exc.value.message


def test_seal_names_missing_items(debt, people):
    clear(debt, people["finance"])
    services.attach(debt, DocType.INVESTIGATION_RECORD, samples.pdf(), people["handler"])
    with pytest.raises(SealRefused) as exc:
        services.seal_case_file(debt, people["committee"])
    assert "原始凭证" in exc.value.message and "结论性报告" in exc.value.message
    assert "调查记录" not in exc.value.message
    debt.refresh_from_db()
    assert debt.state == State.CLEARED and not Seal.objects.exists()


def test_seal_needs_closed_debt(debt, people):
    complete_file(debt, people["handler"])
    with pytest.raises(SealRefused) as exc:
        services.seal_case_file(debt, people["committee"])
    assert "不能封档" in exc.value.message


@pytest.mark.parametrize("who", ["handler", "finance", "auditor", "gm"])
def test_only_committee_seals(who, debt, people):
    clear(debt, people["finance"])
    complete_file(debt, people["handler"])
    with pytest.raises(SealRefused):
        services.seal_case_file(debt, people[who])
    assert not Seal.objects.exists()


def test_committee_head_may_seal(debt, people):
    clear(debt, people["finance"])
    complete_file(debt, people["handler"])
    services.seal_case_file(debt, people["committee_head"])
    assert Seal.objects.filter(case_file__debt=debt).exists()


def test_seal_twice_refused(sealed_debt, people):
    with pytest.raises(SealRefused):
        services.seal_case_file(sealed_debt, people["committee_head"])


def test_verify_archive_clean(sealed_debt, capsys):
    call_command("verify_archive", verbosity=0)
    check = last_check()
    assert check.ok and check.documents_checked == 3 and check.seals_checked == 1


def test_tamper_one_byte_fails_and_names_the_document(sealed_debt, people, archive_dir):
    doc = services.current_documents(sealed_debt).get(doc_type=DocType.ORIGINAL_VOUCHERS)
    path = archive_dir / doc.storage_name
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError):
        call_command("verify_archive", verbosity=0)
    check = last_check()
    assert not check.ok
    assert [p["document"] for p in check.problems if p["problem"] == "changed"] == [doc.pk]
    assert doc.title in check.problems[0]["message"] and sealed_debt.code in check.problems[0]["message"]


def test_missing_file_is_named(debt, people, archive_dir):
    doc = services.attach(debt, DocType.CONTRACT, samples.pdf(), people["handler"], title="合同正本")
    (archive_dir / doc.storage_name).unlink()
    result = verify_archive_task.delay().get()
    assert result == {"ok": False, "documents": 1, "problems": 1}
    assert "文件缺失" in last_check().problems[0]["message"] and "合同正本" in last_check().problems[0]["message"]


def test_verify_archive_names_document_on_stderr(sealed_debt, archive_dir, settings):
    # What an operator sees: the document named on stderr and a CommandError (exit status 1).
    doc = services.current_documents(sealed_debt).first()
    (archive_dir / doc.storage_name).write_bytes(b"%PDF-1.4 forged")
    import io
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_archive", verbosity=0, stderr=err)
    assert f"#{doc.pk}" in err.getvalue()


def test_periodic_task_is_scheduled(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "documents.tasks.verify_archive_task" in tasks
