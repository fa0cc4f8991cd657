"""Approval chains over the API: the write-off chain end to end, four-eyes, roles and units."""
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from approvals.models import Decision, Outcome
from documents.catalogue import DocType
from tests import factories as f
from tests.approvals.helpers import PASSWORD, files, overdue_debt
from workflows import roles
from workflows.models import EntryKind, State


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}


def api(user):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return c


def bankrupt_debt(org, people, amount="120000.00"):
    from datetime import date
    return overdue_debt(org, people, amount=amount, bankrupt=True, bankrupt_on=date(2024, 5, 1))


def start_write_off(people, debt):
    data = {"chain": "write_off", "debt": debt.pk, "reason": "破产财产已分配完毕", "condition": "bankrupt",
            **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING)}
    return api(people["handler"]).post("/api/chains/", data, format="multipart")


def open_task_id(process_id, client):
    return client.get(f"/api/chains/{process_id}/").json()["open_tasks"][0]


def claim_and_decide(user, task_id, **data):
    c = api(user)
    claimed = c.post(f"/api/tasks/{task_id}/claim/")
    if claimed.status_code != 200:
        return claimed
    return c.post(f"/api/tasks/{task_id}/complete/", data, format="multipart")


def test_write_off_chain_end_to_end_over_the_api(org, people):
    debt = bankrupt_debt(org, people)
    started = start_write_off(people, debt)
    assert started.status_code == 201, started.content
    process_id = started.json()["id"]

    committee_inbox = api(people["committee"]).get("/api/tasks/?show=claimable").json()["results"]
    task_id = open_task_id(process_id, api(people["handler"]))
    assert task_id in [t["id"] for t in committee_inbox]
    assert task_id not in [t["id"] for t in api(people["handler"]).get("/api/tasks/").json()["results"]]

    assert claim_and_decide(people["committee"], task_id, decision="approve", comment="证据齐全").status_code == 200
    task_id = open_task_id(process_id, api(people["gm"]))
    # Approving without the password is refused, the field is named and nothing is decided.
    refused = claim_and_decide(people["gm"], task_id, decision="approve", comment="同意")
    assert refused.status_code == 400 and "password" in refused.json()
    assert api(people["gm"]).post(f"/api/tasks/{task_id}/complete/",
                                  {"decision": "approve", "comment": "同意", "password": PASSWORD}).status_code == 200
    task_id = open_task_id(process_id, api(people["gm_office"]))
    done = claim_and_decide(people["gm_office"], task_id, decision="approve", password=PASSWORD,
                            **files(DocType.MEETING_RESOLUTION))
    assert done.status_code == 200, done.content
    # Finance files and books it (rule R4.48); the body's approval booked nothing.
    assert done.json()["outcome"] == Outcome.RUNNING
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE
    task_id = open_task_id(process_id, api(people["finance"]))
    done = claim_and_decide(people["finance"], task_id, decision="approve", comment="已备案并列销")
    assert done.status_code == 200, done.content
    assert done.json()["outcome"] == Outcome.APPROVED and done.json()["open_tasks"] == []

    debt.refresh_from_db()
    assert debt.state == State.WRITTEN_OFF and debt.written_off_amount == Decimal("120000.00")
    assert debt.entries.filter(kind=EntryKind.WRITE_OFF).count() == 1
    assert list(Decision.objects.filter(process_id=process_id).values_list("step", "by__username")) == [
        ("start", "handler_a"), ("committee_review", "committee"), ("gm_instruction", "gm"),
        ("authority_approval", "gm_office"), ("finance_filing", "finance_a")]


def test_four_eyes_over_the_api(org, people):
    debt = bankrupt_debt(org, people)
    process_id = start_write_off(people, debt).json()["id"]
    task_id = open_task_id(process_id, api(people["handler"]))
    # The requester may not take the review of their own request, whatever roles they hold.
    people["handler"].groups.add(*__import__("django.contrib.auth.models", fromlist=["Group"]).Group.objects.filter(
        name=roles.COMMITTEE))
    own = api(people["handler"]).post(f"/api/tasks/{task_id}/claim/")
    assert own.status_code == 403 and "申请人不能审批自己的申请" in own.json()["detail"]
    # Wrong role.
    assert api(people["finance"]).post(f"/api/tasks/{task_id}/claim/").status_code == 403
    # One person signs one step: someone holding committee and gm approves the review, then
    # may neither see nor take the gm step.
    both = f.user("both", [roles.COMMITTEE, roles.GM], org["hq"])
    assert claim_and_decide(both, task_id, decision="approve", comment="ok").status_code == 200
    gm_task = open_task_id(process_id, api(people["gm"]))
    assert gm_task not in [t["id"] for t in api(both).get("/api/tasks/").json()["results"]]
    barred = api(both).post(f"/api/tasks/{gm_task}/claim/")
    assert barred.status_code == 403 and "只能签署一个步骤" in barred.json()["detail"]
    # Completing a task someone else holds is refused too.
    assert api(people["gm"]).post(f"/api/tasks/{gm_task}/claim/").status_code == 200
    other = api(people["gm_office"]).post(f"/api/tasks/{gm_task}/complete/", {"decision": "reject", "comment": "x"})
    assert other.status_code == 403
    # Reject needs a reason, named on its field.
    no_reason = api(people["gm"]).post(f"/api/tasks/{gm_task}/complete/", {"decision": "reject"})
    assert no_reason.status_code == 400 and "comment" in no_reason.json()
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE


def test_tasks_outside_the_unit_are_404(org, people):
    debt = bankrupt_debt(org, people)
    process_id = start_write_off(people, debt).json()["id"]
    task_id = open_task_id(process_id, api(people["handler"]))
    assert api(people["handler_b"]).post(f"/api/tasks/{task_id}/claim/").status_code == 404
    assert api(people["handler_b"]).post(f"/api/tasks/{task_id}/complete/", {"decision": "approve"}).status_code == 404
    assert api(people["handler_b"]).get(f"/api/tasks/{task_id}/").status_code == 404
    assert task_id not in [t["id"] for t in api(people["handler_b"]).get("/api/tasks/").json()["results"]]
    assert api(people["handler_b"]).get(f"/api/chains/{process_id}/").status_code == 404
    # The same task and chain, read by someone whose units hold the debt.
    assert api(people["committee"]).get(f"/api/chains/{process_id}/").json()["open_tasks"] == [task_id]
    other_unit = f.debt(org["b"], people["handler_b"])
    assert api(people["handler"]).post("/api/chains/", {"chain": "write_off", "debt": other_unit.pk,
                                                        "reason": "x"}).status_code == 404
    assert APIClient().get("/api/tasks/").status_code in (401, 403)
