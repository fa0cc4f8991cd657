"""The REST API: permissions per role and unit over every endpoint, ledger posting rules,
upload rules and the access log — the same services as the pages."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from documents import services
from documents.catalogue import DocType
from documents.models import AccessLog, Action, Document
from documents.permissions import may_upload as role_may_upload
from tests import factories as f
from tests.documents import samples
from workflows.models import LedgerEntry


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}


@pytest.fixture
def world(org, people):
    debt_a = f.debt(org["a"], people["handler"], people["responsible"], amount="1000.00")
    debt_b = f.debt(org["b"], people["handler_b"], amount="500.00")
    doc_a = services.attach(debt_a, DocType.CONTRACT, samples.pdf("合同.pdf"), people["handler"], title="合同")
    return {"debt_a": debt_a, "debt_b": debt_b, "doc_a": doc_a}


def api(user=None, token=False):
    c = APIClient()
    if user is not None:
        if token:
            c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
        else:
            c.force_authenticate(user)
    return c


def upload_data(debt, name="原始凭证.pdf", doc_type=DocType.ORIGINAL_VOUCHERS, body=None):
    return {"debt": debt.pk, "doc_type": doc_type, "title": "API 上传",
            "file": samples.pdf(name) if body is None else body}


# role -> (sees debt A in unit A, sees debt B in unit B, may post ledger entries, may upload)
MATRIX = {
    "handler": (True, False, True, True),
    "handler_b": (False, True, True, True),
    "responsible": (True, False, False, None),
    "committee": (True, True, False, None),
    "committee_head": (True, True, False, None),
    "finance": (True, False, True, None),
    "tech": (True, False, False, None),
    "legal": (True, True, False, None),
    "gm": (True, True, False, None),
    "gm_office": (True, True, False, None),
    "board": (True, True, False, None),
    "shareholders": (True, True, False, None),
    "auditor": (True, True, False, False),
}


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_permission_matrix_over_every_endpoint(role, people, world):
    sees_a, sees_b, may_post, may_upload = MATRIX[role]
    user = people[role]
    if role == "legal":  # legal sits at HQ without the all-units permission: it sees HQ's subtree
        sees_a = sees_b = True
    c = api(user, token=True)
    debt_a, debt_b, doc_a = world["debt_a"], world["debt_b"], world["doc_a"]

    listed = {d["code"] for d in c.get("/api/debts/").json()["results"]}
    assert (debt_a.code in listed) is sees_a and (debt_b.code in listed) is sees_b

    assert c.get(f"/api/debts/{debt_a.pk}/").status_code == (200 if sees_a else 404)
    assert c.get(f"/api/debts/{debt_b.pk}/").status_code == (200 if sees_b else 404)
    assert c.get(f"/api/debts/{debt_a.pk}/entries/").status_code == (200 if sees_a else 404)

    entry_debts = {e["debt"] for e in c.get("/api/ledger-entries/").json()["results"]}
    assert (debt_a.pk in entry_debts) is sees_a and (debt_b.pk in entry_debts) is sees_b

    doc_ids = {d["id"] for d in c.get("/api/documents/").json()["results"]}
    assert (doc_a.pk in doc_ids) is sees_a
    download = c.get(f"/api/documents/{doc_a.pk}/download/")
    assert download.status_code == (200 if sees_a else 404)
    assert AccessLog.objects.filter(document=doc_a, user=user, action=Action.DOWNLOAD).exists() is sees_a

    own = debt_a if sees_a and role != "handler_b" else debt_b
    posted = c.post(f"/api/debts/{own.pk}/entries/",
                    {"kind": "payment", "amount": "10.00", "date": "2025-03-01", "reference": "API"}, format="json")
    visible_own = sees_a if own is debt_a else sees_b
    expected = 201 if (may_post and visible_own) else (403 if visible_own else 404)
    assert posted.status_code == expected, posted.content
    assert LedgerEntry.objects.filter(debt=own, reference="API").exists() is (expected == 201)

    uploaded = c.post("/api/documents/", upload_data(own), format="multipart")
    if may_upload is None:
        may_upload = role_may_upload(user)
    assert uploaded.status_code == (201 if may_upload else 403), uploaded.content


def test_anonymous_is_refused_everywhere(world):
    c = api()
    for url in ["/api/debts/", f"/api/debts/{world['debt_a'].pk}/", "/api/ledger-entries/", "/api/documents/",
                f"/api/documents/{world['doc_a'].pk}/download/"]:
        assert c.get(url).status_code in (401, 403), url
    assert not AccessLog.objects.filter(document=world["doc_a"], action=Action.DOWNLOAD).exists()


def test_session_auth_needs_csrf(people, world):
    c = APIClient(enforce_csrf_checks=True)
    c.force_login(people["handler"])
    assert c.get("/api/debts/").status_code == 200
    refused = c.post(f"/api/debts/{world['debt_a'].pk}/entries/",
                     {"kind": "payment", "amount": "1.00", "date": "2025-03-01"}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_token_endpoint_gives_a_working_token(people, world):
    response = APIClient().post("/api/token/", {"username": "handler_a", "password": "pw-Qingqian-2026"})
    assert response.status_code == 200
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + response.json()["token"])
    assert [d["code"] for d in c.get("/api/debts/").json()["results"]] == [world["debt_a"].code]
    assert APIClient().post("/api/token/", {"username": "handler_a", "password": "x"}).status_code == 400


def test_ledger_rules_over_the_api_name_the_field(people, world):
    c = api(people["finance"])
    url = f"/api/debts/{world['debt_a'].pk}/entries/"
    too_much = c.post(url, {"kind": "payment", "amount": "5000.00", "date": "2025-03-01"}, format="json")
    assert too_much.status_code == 400
    assert "大于债权余额" in too_much.json()["amount"][0]
    bad = c.post(url, {"kind": "payment", "amount": "1.234", "date": "2025-03-01"}, format="json")
    assert bad.status_code == 400 and "最多两位小数" in bad.json()["amount"][0]
    bad_date = c.post(url, {"kind": "payment", "amount": "1.00", "date": "01/03/2025"}, format="json")
    assert bad_date.status_code == 400 and "日期" in bad_date.json()["date"][0]
    write_off = c.post(url, {"kind": "write_off", "amount": "1000.00", "date": "2025-03-01"}, format="json")
    assert write_off.status_code == 400 and "kind" in write_off.json()
    assert not LedgerEntry.objects.filter(debt=world["debt_a"], kind="payment").exists()
    paid = c.post(url, {"kind": "payment", "amount": "1000.00", "date": "2025-03-01"}, format="json")
    assert paid.status_code == 201
    world["debt_a"].refresh_from_db()
    assert world["debt_a"].state == "cleared" and str(world["debt_a"].balance) == "0.00"


def test_upload_rules_over_the_api(people, world):
    c = api(people["handler"])
    debt = world["debt_a"]
    disguised = samples.upload("发票.pdf", content=b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    refused = c.post("/api/documents/", upload_data(debt, body=disguised), format="multipart")
    assert refused.status_code == 400
    assert refused.json()["file"][0].startswith("文件")
    unknown = c.post("/api/documents/", {**upload_data(debt), "doc_type": "nonsense"}, format="multipart")
    assert unknown.status_code == 400 and "文件类型" in unknown.json()["doc_type"][0]
    missing = c.post("/api/documents/", {"debt": debt.pk, "doc_type": DocType.CONTRACT}, format="multipart")
    assert missing.status_code == 400 and "file" in missing.json()
    other_unit = c.post("/api/documents/", upload_data(world["debt_b"]), format="multipart")
    assert other_unit.status_code == 404
    assert Document.objects.count() == 1  # only the fixture's contract

    # A correction is a new version; the earlier one stays.
    ok = c.post("/api/documents/", {**upload_data(debt, name="合同v2.pdf", doc_type=DocType.CONTRACT),
                                     "supersedes": world["doc_a"].pk}, format="multipart")
    assert ok.status_code == 201, ok.content
    assert ok.json()["version"] == 2 and ok.json()["supersedes"] == world["doc_a"].pk
    assert Document.objects.filter(pk=world["doc_a"].pk).exists()

    assert api(people["auditor"]).post("/api/documents/", upload_data(debt), format="multipart").status_code == 403


def test_schema_and_docs_pages(people):
    c = api(people["handler"])
    schema = c.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for p in ["/api/debts/", "/api/debts/{id}/entries/", "/api/ledger-entries/", "/api/documents/",
              "/api/documents/{id}/download/"]:
        assert p in paths
    docs = c.get(reverse("api-docs"))
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_warnings_and_reports_per_role(role, people, world):
    from workflows.models import Debt
    from workflows.reports.scope import sees_all_figures
    Debt.objects.filter(pk__in=[world["debt_a"].pk, world["debt_b"].pk]).update(key_monitoring=True)
    user = people[role]
    sees_a, sees_b = MATRIX[role][:2]
    if role == "legal":
        sees_a = sees_b = True
    c = api(user)
    key = {w["code"] for w in c.get("/api/warnings/?kind=key&scope=all").json()["results"]}
    assert (world["debt_a"].code in key) is sees_a and (world["debt_b"].code in key) is sees_b
    bad = c.get("/api/warnings/?kind=nonsense")
    assert bad.status_code == 400 and "预警类型" in bad.json()["kind"][0]

    report = c.get("/api/reports/aging/?dimension=unit&as_of=2025-06-30")
    assert report.status_code == 200
    by_unit = {row["label"]: row["total"] for row in report.json()["rows"]}
    if sees_all_figures(user):
        assert by_unit == {"第一分公司": "1000.00", "第二分公司": "500.00"}
    elif role in ("handler", "responsible"):
        assert by_unit == {"第一分公司": "1000.00"}  # their own debts only
    elif role == "handler_b":
        assert by_unit == {"第二分公司": "500.00"}
    else:
        assert by_unit == {}
    assert c.get("/api/reports/aging/?as_of=2025-02-30").json()["as_of"][0].startswith("截止日期")
    assert c.get("/api/reports/aging/?dimension=x").status_code == 400


def test_warnings_and_reports_need_login(world):
    assert api().get("/api/warnings/").status_code in (401, 403)
    assert api().get("/api/reports/aging/").status_code in (401, 403)
