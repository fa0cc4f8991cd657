"""评论 (rule R4.120): a participant comments on a running chain without deciding; the comment
shows in the dossier and the case-file timeline and is told to the other participants."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import inbox
from approvals.models import Chain, ChainComment, Decision, Notification, NotificationKind
from documents.catalogue import DocType

from .helpers import act, client_for, files, open_task, overdue_debt, start, text

pytestmark = pytest.mark.django_db


def litigation(org, people):
    debt = overdue_debt(org, people)
    response, process = start(people["handler"], Chain.LITIGATION, debt, reason="拒不还款",
                              **files(DocType.LEGAL_RISK_ANALYSIS))
    assert response.status_code == 302
    return debt, process


def comment_url(process):
    return reverse("approvals:comment", args=[process.pk])


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_a_participant_comments_from_the_process_page_and_the_others_are_told(org, people):
    debt, process = litigation(org, people)
    page = text(client_for(people["handler"]).get(reverse("approvals:process", args=[process.pk])))
    assert 'id="comment-form"' in page and f'action="{comment_url(process)}"' in page
    decisions_before = Decision.objects.filter(process=process).count()
    task_before = open_task(process, "committee_review")
    back = reverse("approvals:process", args=[process.pk])
    r = client_for(people["handler"]).post(comment_url(process), {"text": "债务人已同意下周面谈", "next": back})
    assert r.status_code == 302 and r["Location"] == back
    comment = ChainComment.objects.get(process=process)
    assert comment.by == people["handler"] and comment.debt == debt
    # Told to the other participants (the step's candidates, 清欠办), not to its author.
    told = set(Notification.objects.filter(kind=NotificationKind.COMMENT).values_list("user__username", flat=True))
    assert told == {"committee", "committee_head"}
    note = Notification.objects.get(kind=NotificationKind.COMMENT, user=people["committee"])
    assert "债务人已同意下周面谈" in note.message and note.url == back
    # Not a decision: the chain has not moved.
    process.refresh_from_db()
    assert process.active and process.outcome == "running"
    assert Decision.objects.filter(process=process).count() == decisions_before
    assert open_task(process, "committee_review") == task_before and task_before.owner_id is None


def test_the_comment_shows_in_the_dossier_the_process_page_and_the_timeline(org, people):
    debt, process = litigation(org, people)
    client_for(people["committee_head"]).post(comment_url(process), {"text": "请核实债务人新地址"})
    task = open_task(process, "committee_review")
    page = text(client_for(people["committee"]).get(inbox.task_url(task)))
    path = page.split('id="dossier-path"')[1].split("</ol>")[0]
    # In time order with the decisions: after the request's submission.
    assert path.index("提交申请") < path.index("请核实债务人新地址")
    assert "qq-path--comment" in path and "committee_head" in path
    records = text(client_for(people["handler"]).get(reverse("approvals:process", args=[process.pk])))
    assert "请核实债务人新地址" in records.split('id="decisions"')[1].split("</ul>")[0]
    timeline = text(client_for(people["committee"]).get(reverse("archive:case_file", kwargs={"debt_id": debt.pk})))
    assert "qa-event-approval_comment" in timeline and "请核实债务人新地址" in timeline


def test_an_empty_or_overlong_comment_names_the_field_and_keeps_the_input(org, people):
    _debt, process = litigation(org, people)
    c = client_for(people["handler"])
    r = c.post(comment_url(process), {"text": "   "})
    assert r.status_code == 422 and 'id="text-errors"' in text(r) and "评论内容：必须填写" in text(r)
    long = "很长的评论" * 401
    r = c.post(comment_url(process), {"text": long})
    assert r.status_code == 422 and "评论内容：不能超过 2000 个字" in text(r) and long in r.content.decode()
    assert not ChainComment.objects.exists()


def test_the_comment_form_needs_the_csrf_token(org, people):
    _debt, process = litigation(org, people)
    c = Client(enforce_csrf_checks=True)
    c.force_login(people["handler"])
    assert c.post(comment_url(process), {"text": "x"}).status_code == 403
    assert not ChainComment.objects.exists()


def test_non_participants_get_404_even_with_the_debt_in_scope(org, people):
    _debt, process = litigation(org, people)
    # 审计 and the 总经理 see every unit but take no part yet; handler_b sees neither.
    for outsider in (people["auditor"], people["gm"], people["handler_b"]):
        assert client_for(outsider).get(comment_url(process)).status_code == 404
        assert client_for(outsider).post(comment_url(process), {"text": "x"}).status_code == 404
        assert api(outsider).post(f"/api/chains/{process.pk}/comments/", {"text": "x"}).status_code == 404
    assert 'id="comment-form"' not in text(client_for(people["auditor"]).get(
        reverse("approvals:process", args=[process.pk])))
    assert not ChainComment.objects.exists()
    # Once the chain reaches the 总经理's step, its candidates take part.
    act(people["committee"], process, "committee_review", comment="同意")
    assert client_for(people["gm"]).post(comment_url(process), {"text": "请法务部评估"}).status_code == 302
    # ... and who decided the first step still does.
    assert client_for(people["committee"]).get(comment_url(process)).status_code == 200


def test_a_comment_does_not_count_for_four_eyes(org, people):
    """Who commented may still decide a step: only a decision bars another step (R4.6)."""
    _debt, process = litigation(org, people)
    assert client_for(people["committee"]).post(comment_url(process), {"text": "先看看"}).status_code == 302
    assert act(people["committee"], process, "committee_review", comment="同意").status_code == 302
    assert open_task(process, "gm_signature") is not None


def test_no_comment_on_a_chain_that_ended(org, people):
    _debt, process = litigation(org, people)
    act(people["committee"], process, "committee_review", decision="reject", comment="证据不足")
    r = api(people["handler"]).post(f"/api/chains/{process.pk}/comments/", {"text": "补充"}, format="json")
    assert r.status_code == 403 and "已结束" in r.json()["detail"]
    assert 'id="comment-form"' not in text(client_for(people["handler"]).get(
        reverse("approvals:process", args=[process.pk])))


def test_api_comment(org, people):
    _debt, process = litigation(org, people)
    c = api(people["committee"])
    r = c.post(f"/api/chains/{process.pk}/comments/", {"text": ""}, format="json")
    assert r.status_code == 400 and r.json()["text"][0].startswith("评论内容")
    r = c.post(f"/api/chains/{process.pk}/comments/", {"text": "已电话联系"}, format="json")
    assert r.status_code == 201 and r.json()["by"] == "committee" and r.json()["text"] == "已电话联系"
    assert set(Notification.objects.filter(kind=NotificationKind.COMMENT).values_list("user__username", flat=True)) \
        == {"handler_a", "committee_head"}
    listed = api(people["handler"]).get(f"/api/chains/{process.pk}/comments/").json()
    assert [row["text"] for row in listed] == ["已电话联系"]
    task = open_task(process, "committee_review")
    detail = c.get(f"/api/tasks/{task.pk}/").json()
    assert [row["kind"] for row in detail["dossier"]["path"] if row["state"] == "done"] == ["submit", "comment"]
    schema = c.get("/api/schema/").content.decode()
    assert "/api/chains/{id}/comments/" in schema


def test_an_id_beyond_64_bits_is_no_chain(people):
    """The schema fuzzer's case: digits the database cannot hold answer 404, not 500."""
    r = api(people["committee"]).get("/api/chains/921240450773952250382234/comments/")
    assert r.status_code == 404
