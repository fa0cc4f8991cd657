"""R8.16: an API POST with an Idempotency-Key is done once; its first answer is replayed."""
import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from approvals.models import ChainProcess
from documents.catalogue import DocType
from tests import factories as f
from tests.api.test_api_approvals import bankrupt_debt, open_task_id
from tests.approvals.helpers import files
from workflows.models import IdempotencyKey, LedgerEntry
from workflows.tasks import clear_expired_sessions


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}


def api(user):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return c


PAYMENT = {"kind": "payment", "amount": "300.00", "date": "2025-03-01"}


def test_double_payment_with_one_key_is_booked_once(org, people):
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount="1000.00")
    c = api(people["finance"])
    url = f"/api/debts/{debt.pk}/entries/"
    first = c.post(url, PAYMENT, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    again = c.post(url, PAYMENT, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert LedgerEntry.objects.filter(debt=debt, kind="payment").count() == 1
    debt.refresh_from_db()
    assert str(debt.balance) == "700.00"
    # another key is another payment
    assert c.post(url, PAYMENT, format="json", HTTP_IDEMPOTENCY_KEY="pay-2").status_code == 201
    debt.refresh_from_db()
    assert str(debt.balance) == "400.00"
    # keys are per user: the same key from someone else is their own request
    assert IdempotencyKey.objects.filter(user=people["finance"]).count() == 2


def test_same_key_with_another_body_or_path_is_422(org, people):
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount="1000.00")
    other = f.debt(org["a"], people["handler"], people["responsible"], amount="1000.00")
    c = api(people["finance"])
    url = f"/api/debts/{debt.pk}/entries/"
    assert c.post(url, PAYMENT, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    changed = c.post(url, {**PAYMENT, "amount": "301.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert changed.status_code == 422 and "Idempotency-Key" in changed.json()["detail"]
    elsewhere = c.post(f"/api/debts/{other.pk}/entries/", PAYMENT, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert elsewhere.status_code == 422
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_refused_request_frees_its_key_for_the_corrected_retry(org, people):
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount="1000.00")
    c = api(people["finance"])
    url = f"/api/debts/{debt.pk}/entries/"
    too_much = c.post(url, {**PAYMENT, "amount": "5000.00"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert too_much.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert c.post(url, PAYMENT, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201


def test_chain_start_and_claim_replay_the_same_answer(org, people):
    debt = bankrupt_debt(org, people)
    c = api(people["handler"])

    def start():
        data = {"chain": "write_off", "debt": debt.pk, "reason": "破产财产已分配完毕", "condition": "bankrupt",
                **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING)}
        return c.post("/api/chains/", data, format="multipart", HTTP_IDEMPOTENCY_KEY="start-1")

    first, again = start(), start()
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert ChainProcess.objects.filter(debt=debt).count() == 1
    task_id = open_task_id(first.json()["id"], c)
    clerk = api(people["committee"])
    claimed = clerk.post(f"/api/tasks/{task_id}/claim/", HTTP_IDEMPOTENCY_KEY="claim-1")
    replay = clerk.post(f"/api/tasks/{task_id}/claim/", HTTP_IDEMPOTENCY_KEY="claim-1")
    assert claimed.status_code == replay.status_code == 200 and replay.json() == claimed.json()


def test_keys_past_their_hours_are_purged_nightly(org, people, settings):
    settings.QQ_IDEMPOTENCY_HOURS = 24
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount="1000.00")
    c = api(people["finance"])
    url = f"/api/debts/{debt.pk}/entries/"
    c.post(url, PAYMENT, format="json", HTTP_IDEMPOTENCY_KEY="old")
    c.post(url, PAYMENT, format="json", HTTP_IDEMPOTENCY_KEY="fresh")
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - datetime.timedelta(hours=25))
    clear_expired_sessions()
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    # once purged the key is free again: a new payment
    assert c.post(url, PAYMENT, format="json", HTTP_IDEMPOTENCY_KEY="old").json()["id"] not in (None,)
    assert LedgerEntry.objects.filter(debt=debt, kind="payment").count() == 3
