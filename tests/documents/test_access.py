"""documents.access over every object URL of the archive (pages, routes, API): an object the
user may not see is 404 — before any role is looked at, so the answer does not depend on
what the user could have done with it — and nothing is recorded or changed."""
import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from documents import services
from documents.catalogue import DocType
from documents.models import AccessLog, CaseFile, Document, HandoverExport, Seal
from documents.storage import archive_storage

from . import samples


@pytest.fixture
def doc(debt, people):
    return services.attach(debt, DocType.CONTRACT, samples.pdf(), people["handler"], title="购销合同")


@pytest.fixture
def job(org, people):
    name = archive_storage().save("handover/test.zip", ContentFile(b"PK\x05\x06" + b"\0" * 18))
    return HandoverExport.objects.create(unit=org["a"], requested_by=people["committee"], total=1, done=1,
                                         status=HandoverExport.Status.DONE, storage_name=name)


def _web(user):
    c = Client()
    c.force_login(user)
    return c


def _api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


# (name, who may use it in scope, request) — handler_b holds the handler role in unit B, so
# for every debt-scoped URL the only thing between them and debt A is the scope.
OBJECT_URLS = [
    ("case file page", "handler",
     lambda w: ("get", reverse("archive:case_file", kwargs={"debt_id": w["debt"].pk}), {})),
    ("download", "handler", lambda w: ("get", reverse("documents:download", kwargs={"pk": w["doc"].pk}), {})),
    ("preview", "handler", lambda w: ("get", reverse("documents:preview", kwargs={"pk": w["doc"].pk}), {})),
    ("export", "handler", lambda w: ("get", reverse("documents:export", kwargs={"debt_id": w["debt"].pk}), {})),
    ("upload", "handler", lambda w: ("post", reverse("documents:upload", kwargs={"debt_id": w["debt"].pk}),
                                     {"doc_type": "other", "file": samples.pdf("新.pdf", b"new")})),
    ("seal", "committee", lambda w: ("post", reverse("documents:seal", kwargs={"debt_id": w["debt"].pk}), {})),
    ("legal hold", "committee", lambda w: ("post", reverse("documents:legal_hold", kwargs={"debt_id": w["debt"].pk}),
                                           {"on": "on", "reason": "诉讼"})),
]


@pytest.mark.parametrize("name,insider,make", OBJECT_URLS, ids=[u[0] for u in OBJECT_URLS])
def test_out_of_scope_object_urls_are_404(name, insider, make, debt, doc, people):
    method, url, data = make({"debt": debt, "doc": doc})
    before = (Document.objects.count(), Seal.objects.count(), AccessLog.objects.count())
    response = getattr(_web(people["handler_b"]), method)(url, data)
    assert response.status_code == 404, name
    assert (Document.objects.count(), Seal.objects.count(), AccessLog.objects.count()) == before
    assert not CaseFile.objects.get(debt=debt).legal_hold
    # The same request from inside the scope is answered (the URL and the data are good); the
    # data are made again: an upload's file object was read to its end by the first request.
    method, url, data = make({"debt": debt, "doc": doc})
    assert getattr(_web(people[insider]), method)(url, data).status_code in (200, 302), name


def test_out_of_scope_without_the_role_is_404_not_403(debt, people):
    # handler_b may not seal anywhere; on another unit's debt the scope answers first.
    c = _web(people["handler_b"])
    assert c.post(reverse("documents:seal", kwargs={"debt_id": debt.pk})).status_code == 404
    # In scope, the same user kind is told they may not.
    assert _web(people["handler"]).post(reverse("documents:seal", kwargs={"debt_id": debt.pk})).status_code == 403


@pytest.mark.parametrize("route", ["documents:handover_progress", "documents:handover_download"])
def test_handover_jobs_are_404_to_all_but_committee_and_auditors(route, job, people):
    url = reverse(route, kwargs={"pk": job.pk})
    before = AccessLog.objects.count()
    for who in ("handler", "handler_b", "finance", "gm"):  # the job is unit A's: even unit A's handler
        assert _web(people[who]).get(url).status_code == 404, who
    assert AccessLog.objects.count() == before
    for who in ("committee", "auditor"):
        assert _web(people[who]).get(url).status_code == 200, who
    assert _web(people["committee"]).get(reverse(route, kwargs={"pk": job.pk + 1})).status_code == 404


def test_unfinished_handover_is_not_downloadable(job, people):
    HandoverExport.objects.filter(pk=job.pk).update(status=HandoverExport.Status.RUNNING)
    c = _web(people["committee"])
    assert c.get(reverse("documents:handover_download", kwargs={"pk": job.pk})).status_code == 404
    assert c.get(reverse("documents:handover_progress", kwargs={"pk": job.pk})).json()["status"] == "running"


def test_api_object_urls_are_404_out_of_scope(debt, doc, people):
    outsider, insider = _api(people["handler_b"]), _api(people["handler"])
    for url in (f"/api/documents/{doc.pk}/", f"/api/documents/{doc.pk}/download/"):
        assert outsider.get(url).status_code == 404, url
        assert insider.get(url).status_code == 200, url
    data = {"debt": debt.pk, "doc_type": DocType.OTHER, "title": "API", "file": samples.pdf("api.pdf", b"api")}
    assert outsider.post("/api/documents/", data, format="multipart").status_code == 404
    assert Document.objects.count() == 1
    assert not AccessLog.objects.filter(user=people["handler_b"]).exists()
    data["file"] = samples.pdf("api.pdf", b"api")
    assert insider.post("/api/documents/", data, format="multipart").status_code == 201


def test_api_refusal_keeps_its_message(debt, people):
    data = {"debt": debt.pk, "doc_type": DocType.OTHER, "file": samples.pdf()}
    refused = _api(people["auditor"]).post("/api/documents/", data, format="multipart")
    assert refused.status_code == 403 and refused.json()["detail"] == "审计人员只能查阅档案，不能修改"
    refused = _api(people["gm"]).post("/api/documents/", data, format="multipart")
    assert refused.status_code == 403 and refused.json()["detail"] == "没有上传档案文件的权限"
