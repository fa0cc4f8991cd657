"""Batch signing (rule R4.104): one password entry, each task its own decision and signature
over its own versions, four eyes and required documents per task, no task half-done."""
import re
from datetime import date

import pytest
from django.urls import reverse
from viewflow.workflow.status import STATUS

from approvals.models import Chain, Decision, Signature
from documents import services as archive
from documents.catalogue import DocType
from documents.models import Document
from tests import factories as f
from workflows import roles

from .helpers import PASSWORD, act, client_for, files, open_task, overdue_debt, pdf, start

pytestmark = pytest.mark.django_db


def write_off_at(org, people, step="gm_instruction"):
    debt = overdue_debt(org, people, amount="120000.00", bankrupt=True, bankrupt_on=date(2024, 5, 1))
    data = {"reason": "破产财产已分配完毕", "condition": "bankrupt",
            **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING)}
    response, process = start(people["handler"], Chain.WRITE_OFF, debt, **data)
    assert response.status_code == 302
    assert act(people["committee"], process, "committee_review").status_code == 302
    if step == "authority_approval":
        assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    return debt, process, open_task(process, step)


def page_covers(c):
    html = c.get(reverse("approvals:batch")).content.decode()
    return html, dict(re.findall(r'name="covers_(\d+)" value="([0-9,]*)"', html))


def post(c, tasks, covers, password=PASSWORD, comment=""):
    data = {"task": [t.pk for t in tasks], "password": password, "comment": comment}
    data.update({f"covers_{t.pk}": covers.get(str(t.pk), "") for t in tasks})
    return c.post(reverse("approvals:batch"), data)


def test_three_write_offs_signed_with_one_password(org, people):
    items = [write_off_at(org, people) for _ in range(3)]
    c = client_for(people["gm"])
    html, covers = page_covers(c)
    for debt, _process, task in items:
        assert debt.code in html and str(task.pk) in covers
    response = post(c, [t for *_x, t in items], covers)
    body = response.content.decode()
    assert response.status_code == 200 and "已签署 3 项" in body
    for debt, process, task in items:
        decision = Decision.objects.get(process=process, step="gm_instruction")
        assert decision.by == people["gm"] and decision.task_id == task.pk
        own = set(Document.objects.filter(case_file__debt=debt).values_list("pk", flat=True))
        assert {d["id"] for d in Signature.objects.get(decision=decision).documents} == own
        assert open_task(process, "authority_approval") is not None
    assert Signature.objects.count() == 3


def test_a_wrong_password_decides_nothing_and_claims_nothing(org, people):
    items = [write_off_at(org, people) for _ in range(2)]
    c = client_for(people["gm"])
    _html, covers = page_covers(c)
    response = post(c, [t for *_x, t in items], covers, password="wrong")
    assert "密码不正确" in response.content.decode()
    assert not Decision.objects.filter(step="gm_instruction").exists()
    for *_x, task in items:
        task.refresh_from_db()
        assert task.status == STATUS.NEW and task.owner_id is None


def test_tasks_of_different_steps_are_not_signed_together(org, people):
    _d1, _p1, gm_task = write_off_at(org, people)
    _d2, _p2, body_task = write_off_at(org, people, step="authority_approval")
    c = client_for(people["gm_office"])
    response = post(c, [gm_task, body_task], {})
    assert "只能批量签署同一审批步骤的任务" in response.content.decode()
    assert not Decision.objects.filter(step__in=["gm_instruction", "authority_approval"],
                                       by=people["gm_office"]).exists()


def test_required_documents_and_changed_files_are_checked_per_task(org, people):
    ready_debt, ready, ready_task = write_off_at(org, people, step="authority_approval")
    _bare_debt, bare, bare_task = write_off_at(org, people, step="authority_approval")
    late_debt, late, late_task = write_off_at(org, people, step="authority_approval")
    for debt in (ready_debt, late_debt):
        archive.attach(debt, DocType.MEETING_RESOLUTION, pdf("resolution.pdf"), people["committee"])
    c = client_for(people["gm_office"])
    _html, covers = page_covers(c)
    archive.attach(late_debt, DocType.OTHER_EVIDENCE, pdf("late.pdf"), people["handler"])  # after the page
    response = post(c, [ready_task, bare_task, late_task], covers)
    body = re.sub(r"\s+", " ", response.content.decode())
    assert "已签署 1 项" in body
    outcomes = dict(re.findall(r'<tr data-task="(\d+)">.*?<td[^>]*class="qq-outcome--\w+">\s*(.*?)\s*</td>', body))
    assert outcomes[str(ready_task.pk)] == "已签署同意"
    assert "缺少必需文件" in outcomes[str(bare_task.pk)] and "会议批准文件" in outcomes[str(bare_task.pk)]
    assert "打开页面后案卷文件有变化" in outcomes[str(late_task.pk)]
    assert Decision.objects.filter(process=ready, step="authority_approval").exists()
    for process, task in ((bare, bare_task), (late, late_task)):
        assert not Decision.objects.filter(process=process, step="authority_approval").exists()
        task.refresh_from_db()
        assert task.status == STATUS.NEW and task.owner_id is None  # not half-done: not even claimed


def test_four_eyes_is_checked_per_task(org, people):
    # the GM also sits in 总经理办公会: where he signed the instruction he may not sign the approval
    from django.contrib.auth.models import Group
    people["gm"].groups.add(Group.objects.get(name=roles.GM_OFFICE))
    debt_a, mine, mine_task = write_off_at(org, people, step="authority_approval")
    archive.attach(debt_a, DocType.MEETING_RESOLUTION, pdf("r.pdf"), people["committee"])
    debt_b = overdue_debt(org, people, amount="90000.00", bankrupt=True, bankrupt_on=date(2024, 5, 1))
    _r, other = start(people["handler"], Chain.WRITE_OFF, debt_b, reason="破产", condition="bankrupt",
                      **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING))
    assert act(people["committee"], other, "committee_review").status_code == 302
    # someone else signs the instruction of the second: a second GM
    gm2 = f.user("gm2", roles.GM, org["hq"])
    assert act(gm2, other, "gm_instruction", password=PASSWORD).status_code == 302
    archive.attach(debt_b, DocType.MEETING_RESOLUTION, pdf("r2.pdf"), people["committee"])
    other_task = open_task(other, "authority_approval")
    c = client_for(people["gm"])
    html, covers = page_covers(c)
    assert f'name="task" value="{mine_task.pk}"' not in html  # not offered
    body = post(c, [mine_task, other_task], covers).content.decode()
    assert "同一人在一个审批链中只能签署一个步骤" in body and "已签署 1 项" in body
    assert not Decision.objects.filter(process=mine, step="authority_approval").exists()
    assert Decision.objects.filter(process=other, step="authority_approval", by=people["gm"]).exists()
