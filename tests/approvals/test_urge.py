"""催办 (rule R4.111): the requester or 清欠办 reminds the people an open step waits for, at most
once per step within QQ_URGE_INTERVAL_HOURS; recorded; overdue steps show the button highlighted."""
import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from approvals.models import Chain, ChainUrge, Notification, NotificationKind, StepInfo
from approvals.urge import chain_urge
from tests import factories as f
from workflows import roles

from .helpers import act, claim, client_for, open_task, overdue_debt, start

pytestmark = pytest.mark.django_db


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def api(user):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return c


def visit(org, people):
    debt = overdue_debt(org, people)
    response, process = start(people["handler"], Chain.VISIT, debt, reason="上门催收")
    assert response.status_code == 302
    return debt, process


def urge_url(process):
    return reverse("approvals:urge", args=[process.pk])


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_requester_urges_every_candidate_once_per_interval(org, people, settings,
                                                                 django_assert_max_num_queries):
    extra = [f.user(f"head_extra_{i}", roles.COMMITTEE_HEAD, org["hq"]) for i in range(4)]
    debt, process = visit(org, people)
    task = open_task(process, "head_approval")
    handler = client_for(people["handler"])
    page = text(handler.get(reverse("approvals:process", args=[process.pk])))
    assert f'id="urge-{task.pk}"' in page and 'class="qq-urge qq-urge--overdue"' not in page
    Notification.objects.all().delete()
    with django_assert_max_num_queries(60) as ctx:
        r = handler.post(urge_url(process), {"task": task.pk, "message": "客户下周出差，请尽快审批"})
    assert r.status_code == 302 and "已催办“清欠小组组长批准”，已通知 5 人" in said(r)
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "approvals_notification"')]
    assert len(inserts) == 1   # one bulk insert for the whole role, not one per person
    told = Notification.objects.filter(kind=NotificationKind.URGED)
    assert {n.user.username for n in told} == {"committee_head", *(u.username for u in extra)}
    assert all("客户下周出差，请尽快审批" in n.message and debt.code in n.message for n in told)
    urge = ChainUrge.objects.get()
    assert (urge.by, urge.task_id, urge.step, urge.notified) == (people["handler"], task.pk, "head_approval", 5)

    # Within the interval: refused, saying when it is next allowed; nothing recorded or sent.
    r = handler.post(urge_url(process), {"task": task.pk, "message": "再催"})
    again = timezone.localtime(urge.at + timedelta(hours=24)).strftime("%Y-%m-%d %H:%M")
    assert said(r)[-1] == f"步骤“清欠小组组长批准”在 24 小时内已催办过，{again} 后可再次催办"
    assert ChainUrge.objects.count() == 1 and told.count() == 5
    page = text(handler.get(reverse("approvals:process", args=[process.pk])))
    assert f"已催办，{again} 后可再次催办" in page
    history = page.split('id="urges"')[1].split("</ul>")[0]
    assert "清欠小组组长批准" in history and "客户下周出差，请尽快审批" in history and "通知 5 人" in history
    case_file = text(handler.get(reverse("archive:case_file", kwargs={"debt_id": debt.pk})))
    assert "上门催收计划 催办“清欠小组组长批准”（通知 5 人）" in case_file.split('id="timeline"')[1]

    # The interval is the setting's (rule R4.111, appendix A).
    settings.QQ_URGE_INTERVAL_HOURS = 0
    r = handler.post(urge_url(process), {"task": task.pk})
    assert r.status_code == 302 and ChainUrge.objects.count() == 2


def test_a_claimed_step_urges_its_holder_only_and_the_message_is_english_for_english(org, people):
    _, process = visit(org, people)
    f.user("head_extra", roles.COMMITTEE_HEAD, org["hq"])
    task = open_task(process, "head_approval")
    claim(people["committee_head"], task)
    Notification.objects.all().delete()
    chain_urge(process=process, task=task, user=people["committee"])   # 清欠办 may urge too
    assert [n.user for n in Notification.objects.filter(kind=NotificationKind.URGED)] == [people["committee_head"]]
    r = client_for(people["handler"]).post(urge_url(process), {"task": task.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert said(r)[0].startswith("Step “") and "was urged within the last 24 hours" in said(r)[0]


def test_only_the_requester_or_the_committee_may_urge(org, people):
    _, process = visit(org, people)
    task = open_task(process, "head_approval")
    gm = client_for(people["gm"])
    assert f'id="urge-{task.pk}"' not in text(gm.get(reverse("approvals:process", args=[process.pk])))
    r = gm.post(urge_url(process), {"task": task.pk})
    assert said(r) == ["只有申请人或清欠办可以催办"] and not ChainUrge.objects.exists()
    assert f'id="urge-{task.pk}"' in text(client_for(people["committee"]).get(
        reverse("approvals:process", args=[process.pk])))
    # another unit's handler does not see the debt at all
    assert client_for(people["handler_b"]).post(urge_url(process), {"task": task.pk}).status_code == 404
    assert api(people["handler_b"]).post(f"/api/chains/{process.pk}/urge/", {}).status_code == 404
    r = api(people["gm"]).post(f"/api/chains/{process.pk}/urge/", {}, format="json")
    assert r.status_code == 403 and "只有申请人或清欠办" in r.json()["detail"]


def test_an_overdue_step_shows_the_urge_button_highlighted(org, people):
    _, process = visit(org, people)
    task = open_task(process, "head_approval")
    StepInfo.objects.filter(task=task).update(due_at=timezone.now() - timedelta(hours=2))
    page = text(client_for(people["handler"]).get(reverse("approvals:process", args=[process.pk])))
    form = page.split(f'id="urge-{task.pk}"')[0].rsplit("<form", 1)[1]
    assert "qq-urge--overdue" in form and "已逾期" in page.split('id="open-steps"')[1].split("</ul>")[0]


def test_urge_over_the_api(org, people):
    _, process = visit(org, people)
    task = open_task(process, "head_approval")
    c = api(people["handler"])
    url = f"/api/chains/{process.pk}/urge/"
    first = c.post(url, {"message": "请尽快"}, format="json", HTTP_IDEMPOTENCY_KEY="u-1")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["task"], body["step"], body["by"], body["notified"], body["message"]) == (
        task.pk, "head_approval", "handler_a", 1, "请尽快")
    replay = c.post(url, {"message": "请尽快"}, format="json", HTTP_IDEMPOTENCY_KEY="u-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert ChainUrge.objects.count() == 1
    soon = c.post(url, {"task": task.pk}, format="json")
    assert soon.status_code == 429 and "后可再次催办" in soon.json()["detail"]
    assert c.post(url, {"task": 999999}, format="json").status_code == 400
    # a finished chain needs no reminder
    act(people["committee_head"], process, "head_approval", decision="reject", comment="不合理")
    over = c.post(url, {"task": task.pk}, format="json")
    assert over.status_code == 409 and "审批链已结束" in over.json()["detail"]
    assert "/urge/" in c.get("/api/schema/").content.decode()
