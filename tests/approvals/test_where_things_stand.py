"""Where things stand (issue 19 item 3): the running-approval banner on the debt page, the process
page's links and attachments, 我发起的 and 已办, reasons in reject/return notifications, and
releasing a claimed task."""

import pytest
from django.urls import reverse
from viewflow.workflow.status import STATUS

from approvals import inbox
from approvals.models import Chain, Notification, NotificationKind

from .helpers import act, claim, client_for, files, open_task, overdue_debt, start, text

pytestmark = pytest.mark.django_db


def litigation(org, people):
    from documents.catalogue import DocType
    debt = overdue_debt(org, people)
    response, process = start(people["handler"], Chain.LITIGATION, debt, reason="拒不还款",
                              **files(DocType.LEGAL_RISK_ANALYSIS))
    assert response.status_code == 302
    return debt, process


def test_debt_page_shows_the_running_approval_and_the_process_links_back(org, people):
    debt, process = litigation(org, people)
    page = text(client_for(people["handler"]).get(reverse("debts:detail", kwargs={"pk": debt.pk})))
    banner = page.split('id="running-approval"')[1].split("</div>")[0]
    assert "审批进行中：诉讼" in banner and reverse("approvals:process", args=[process.pk]) in banner
    page = text(client_for(people["handler"]).get(reverse("approvals:process", args=[process.pk])))
    assert reverse("debts:detail", kwargs={"pk": debt.pk}) in page
    assert "法律风险分析 " + debt.code in page.split('id="process-documents"')[1]
    # after the chain ends, no banner
    act(people["committee"], process, "committee_review", decision="reject", comment="证据不足")
    page = text(client_for(people["handler"]).get(reverse("debts:detail", kwargs={"pk": debt.pk})))
    assert 'id="running-approval"' not in page


def test_my_requests_and_done_lists(org, people):
    debt, process = litigation(org, people)
    assert act(people["committee"], process, "committee_review", comment="同意起诉").status_code == 302
    mine = text(client_for(people["handler"]).get(reverse("approvals:requested")))
    assert debt.code in mine and "总经理签批起诉名单" in mine and "审批中" in mine
    assert debt.code not in text(client_for(people["handler_b"]).get(reverse("approvals:requested")))
    done = text(client_for(people["committee"]).get(reverse("approvals:done")))
    assert debt.code in done and "同意起诉" in done and "清欠小组审核" in done
    assert debt.code not in text(client_for(people["handler"]).get(reverse("approvals:done")))


def test_reject_and_return_notifications_carry_the_reason(org, people):
    _debt, process = litigation(org, people)
    act(people["committee"], process, "committee_review", decision="return", comment="请补充财产线索")
    returned = Notification.objects.get(user=people["handler"], kind=NotificationKind.RETURNED)
    assert "请补充财产线索" in returned.message
    _debt2, other = litigation(org, people)
    act(people["committee"], other, "committee_review", decision="reject", comment="已过诉讼时效")
    rejected = Notification.objects.get(user=people["handler"], kind=NotificationKind.REJECTED)
    assert "已过诉讼时效" in rejected.message and rejected.url == reverse("approvals:process", args=[other.pk])


def test_a_claimed_task_can_be_released(org, people):
    _debt, process = litigation(org, people)
    task = open_task(process, "committee_review")
    claim(people["committee"], task)
    task.refresh_from_db()
    assert task.owner == people["committee"]
    # somebody else may not release it
    assert client_for(people["legal"]).post(inbox.task_url(task), {"release": "1"}).status_code in (403, 404)
    response = client_for(people["committee"]).post(inbox.task_url(task), {"release": "1"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None
    assert task.step_info.owner_id is None
    assert "committee_review" in [s.step for s in inbox.open_steps(people["committee"], mine=False)]
