"""转交 (rule R4.130): the holder of a claimed task hands it to another person eligible for the
step, with a reason; role, unit and four eyes are checked at the moment of transfer; recorded,
notified, and shown in the chain's path, the process page and the case-file timeline."""
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from approvals import inbox
from approvals.models import Decision, Transfer
from tests import factories as f
from workflows import roles

from .helpers import act, claim, client_for, open_task
from .test_write_off import bankrupt_debt, request_write_off

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def api(user):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return c


def write_off(org, people):
    _, process = request_write_off(people, bankrupt_debt(org, people))
    return process


def test_holder_transfers_to_an_eligible_person_on_record(org, people):
    committee2 = f.user("committee2", roles.COMMITTEE, org["hq"], first_name="二", last_name="王")
    process = write_off(org, people)
    task = open_task(process, "committee_review")
    assert claim(people["committee"], task).status_code == 302
    c = client_for(people["committee"])
    page = text(c.get(inbox.execute_url(task)))
    # The form lists only the people who may take the step: not the holder, not the requester.
    form = page[page.index('id="transfer-form"'):]
    assert 'name="to_user"' in form and "committee2" in form
    assert "handler_a" not in form and 'value="%s"' % people["committee"].pk not in form
    assert 'name="csrfmiddlewaretoken"' in form

    r = c.post(reverse("approvals:transfer", args=[task.pk]), {"to_user": committee2.pk, "reason": "本人出差一周"})
    assert r.status_code == 302, text(r)[:2000]
    task.refresh_from_db()
    assert task.owner_id == committee2.pk and task.status == "ASSIGNED"
    assert task.step_info.owner_id == committee2.pk
    record = Transfer.objects.get(task=task)
    assert (record.from_user, record.to_user, record.reason, record.step) == (
        people["committee"], committee2, "本人出差一周", "committee_review")
    note = committee2.notifications.get(kind="assigned", message__contains="转交")
    assert "本人出差一周" in note.message and note.url == inbox.task_url(task)
    # The former holder can no longer decide it; the new holder can, in their own name.
    assert client_for(people["committee"]).get(inbox.execute_url(task)).status_code in (403, 404)
    page = text(client_for(committee2).get(inbox.execute_url(task)))
    assert "转交" in page and "本人出差一周" in page       # the chain's path shows the handover
    assert act(committee2, process, "committee_review", comment="证据齐全").status_code == 302
    decision = Decision.objects.get(process=process, step="committee_review")
    assert decision.by == committee2 and decision.on_behalf_of is None
    # The process page and the case file's timeline show it.
    history = text(client_for(people["handler"]).get(reverse("approvals:process", args=[process.pk])))
    assert "转交" in history and "本人出差一周" in history and f"→ {committee2}" in history
    timeline = text(client_for(people["committee"]).get(reverse("archive:case_file",
                                                                  kwargs={"debt_id": process.debt_id})))
    assert "转交给" in timeline and "本人出差一周" in timeline


def test_four_eyes_and_role_are_checked_at_the_moment_of_transfer(org, people):
    """Rules R4.5-R4.7 at the transfer: never to the requester, never to someone who decided
    another step of the chain, never to someone without the step's role; the message says why,
    names the field, and the input is kept."""
    both = f.user("both", [roles.COMMITTEE, roles.GM], org["hq"])
    people["handler"].groups.add(Group.objects.get(name=roles.GM))   # the requester holds the role
    gm2 = f.user("gm2", roles.GM, org["hq"])
    process = write_off(org, people)
    assert act(both, process, "committee_review", comment="证据齐全").status_code == 302
    task = open_task(process, "gm_instruction")
    assert claim(people["gm"], task).status_code == 302
    c = client_for(people["gm"])
    form = text(c.get(inbox.execute_url(task)))
    form = form[form.index('id="transfer-form"'):]
    assert "gm2" in form and "both" not in form and "handler_a" not in form

    url = reverse("approvals:transfer", args=[task.pk])
    r = c.post(url, {"to_user": both.pk, "reason": "请王总处理"})
    assert r.status_code == 422
    page = text(r)
    assert "转交给：" in page and "同一人在一个审批链中只能签署一个步骤" in page and 'id="to_user-errors"' in page
    assert "请王总处理" in page                                  # input kept
    r = c.post(url, {"to_user": people["handler"].pk, "reason": "请处理"})
    assert r.status_code == 422 and "申请人不能审批自己的申请" in text(r)
    r = c.post(url, {"to_user": people["legal"].pk, "reason": "请处理"})
    assert r.status_code == 422 and "您不具有此步骤所需的角色" in text(r)
    r = c.post(url, {"to_user": gm2.pk, "reason": "  "})
    assert r.status_code == 422 and "转交理由：必须填写" in text(r) and 'id="reason-errors"' in text(r)
    assert f'<option value="{gm2.pk}" selected' in r.content.decode()   # the choice kept
    assert not Transfer.objects.exists()
    task.refresh_from_db()
    assert task.owner_id == people["gm"].pk


def test_only_the_holder_transfers(org, people):
    committee2 = f.user("committee2", roles.COMMITTEE, org["hq"])
    process = write_off(org, people)
    task = open_task(process, "committee_review")
    url = reverse("approvals:transfer", args=[task.pk])
    data = {"to_user": committee2.pk, "reason": "出差"}
    # unclaimed: nobody holds it
    assert client_for(people["committee"]).post(url, data).status_code == 403
    assert claim(people["committee"], task).status_code == 302
    # another eligible person, in scope, who does not hold it
    assert client_for(committee2).post(url, data).status_code == 403
    assert client_for(committee2).get(url).status_code == 403
    # someone whose scope does not reach the debt: 404
    finance_b = f.user("finance_b", roles.FINANCE, org["b"])
    assert client_for(finance_b).post(url, data).status_code == 404
    # no CSRF token: refused
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["committee"])
    assert strict.post(url, data).status_code == 403
    assert not Transfer.objects.exists()
    # the holder's own page works and shows the form again
    assert client_for(people["committee"]).get(url).status_code == 200


def test_transfer_over_the_api(org, people):
    committee2 = f.user("committee2", roles.COMMITTEE, org["hq"])
    process = write_off(org, people)
    task = open_task(process, "committee_review")
    holder = api(people["committee"])
    assert holder.post(f"/api/tasks/{task.pk}/claim/").status_code == 200
    targets = holder.get(f"/api/tasks/{task.pk}/transfer-targets/").json()
    assert [t["username"] for t in targets] == ["committee2"]

    refused = holder.post(f"/api/tasks/{task.pk}/transfer/", {"to_user": people["handler"].pk, "reason": "x"},
                          format="json")
    assert refused.status_code == 400 and "申请人不能审批自己的申请" in refused.json()["to_user"][0]
    missing = holder.post(f"/api/tasks/{task.pk}/transfer/", {"to_user": committee2.pk}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()
    # not the holder: 403; out of scope: 404
    assert api(committee2).post(f"/api/tasks/{task.pk}/transfer/", {"to_user": committee2.pk, "reason": "x"},
                                format="json").status_code == 403
    finance_b = f.user("finance_b", roles.FINANCE, org["b"])
    assert api(finance_b).post(f"/api/tasks/{task.pk}/transfer/", {"to_user": committee2.pk, "reason": "x"},
                               format="json").status_code == 404

    done = holder.post(f"/api/tasks/{task.pk}/transfer/", {"to_user": committee2.pk, "reason": "休假"},
                       format="json")
    assert done.status_code == 200, done.content
    assert done.json()["owner"] == "committee2"
    detail = api(committee2).get(f"/api/tasks/{task.pk}/").json()
    row = next(p for p in detail["dossier"]["path"] if p["state"] == "transfer")
    assert row["comment"] == "休假" and row["to"] == str(committee2)
    # the new holder decides over the API
    decided = api(committee2).post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve"}, format="json")
    assert decided.status_code == 200, decided.content
