"""Inbox, notifications, delegation, deadlines and escalation (clock moved with time-machine)."""
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from approvals import inbox
from approvals.delegation import record_absence
from approvals.escalation import escalate_overdue
from approvals.models import Chain, Decision, Notification, StepInfo
from approvals.tasks import escalate_overdue_steps
from approvals.working_days import add_working_days
from tests import factories as f

from .helpers import act, client_for, open_task, overdue_debt, start

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_working_days_skip_weekends():
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=SH)
    assert add_working_days(friday, 1) == datetime(2026, 3, 9, 10, 0, tzinfo=SH)
    assert add_working_days(friday, 3) == datetime(2026, 3, 11, 10, 0, tzinfo=SH)
    saturday = datetime(2026, 3, 7, 9, 0, tzinfo=SH)
    assert add_working_days(saturday, 1) == datetime(2026, 3, 9, 9, 0, tzinfo=SH)


def test_inbox_lists_claimable_and_mine_with_counts(org, people):
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
    head = people["committee_head"]
    assert inbox.counts(head)["claimable"] == 1
    assert inbox.counts(people["committee"])["claimable"] == 0   # not their role
    assert inbox.counts(people["handler"])["claimable"] == 0     # own request
    page = client_for(head).get("/approvals/inbox/")
    body = page.content.decode()
    assert debt.code in body and debt.debtor.name in body and "上门催收计划" in body
    assert "清欠小组组长批准" in body
    # claim: now it is mine
    client_for(head).post(inbox.task_url(open_task(process, "head_approval")))
    assert inbox.counts(head) == {"mine": 1, "claimable": 0, "overdue": 0}
    filtered = client_for(head).get("/approvals/inbox/?chain=write_off").content.decode()
    assert debt.code not in filtered
    assert people["committee_head"].notifications.filter(kind="assigned").exists()


def test_inbox_paginates(org, people):
    for _ in range(27):
        d = overdue_debt(org, people)
        start(people["handler"], Chain.VISIT, d, reason="x")
    head = people["committee_head"]
    first = client_for(head).get("/approvals/inbox/").content.decode()
    assert "第 1 / 2 页" in first
    second = client_for(head).get("/approvals/inbox/?page=2").content.decode()
    assert second.count("清欠小组组长批准") == 2


def test_notification_mail_and_page(org, people):
    people["committee_head"].email = "head@example.com"
    people["committee_head"].save()
    debt = overdue_debt(org, people)
    with pytest.MonkeyPatch.context():
        from django.test.utils import CaptureQueriesContext  # noqa: F401
    from django.test import TestCase
    with TestCase.captureOnCommitCallbacks(execute=True):
        start(people["handler"], Chain.VISIT, debt, reason="上门")
    assert any("head@example.com" in m.to for m in mail.outbox)
    page = client_for(people["committee_head"]).get("/approvals/notifications/").content.decode()
    assert debt.code in page


def test_escalation_when_clock_moves(org, people):
    with time_machine.travel(datetime(2026, 3, 6, 10, 0, tzinfo=SH), tick=False):  # a Friday
        debt = overdue_debt(org, people)
        _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
        info = StepInfo.objects.get(task=open_task(process, "head_approval"))
        assert info.due_at == datetime(2026, 3, 11, 10, 0, tzinfo=SH)
        assert escalate_overdue() == 0
    with time_machine.travel(datetime(2026, 3, 11, 9, 59, tzinfo=SH), tick=False):
        assert escalate_overdue() == 0
    with time_machine.travel(datetime(2026, 3, 11, 10, 1, tzinfo=SH), tick=False):
        page = client_for(people["committee_head"]).get("/approvals/inbox/").content.decode()
        assert "qq-overdue" in page
        assert escalate_overdue_steps.delay().get() == 1
        assert escalate_overdue() == 0     # once only
    info.refresh_from_db()
    assert info.escalated_to == people["committee_head"]
    note = Notification.objects.get(user=people["committee_head"], kind="escalated")
    assert debt.code in note.message


def test_escalation_to_superior(org, people):
    boss = f.user("gm_deputy", "committee_head", org["hq"])
    head = people["committee_head"]
    head.superior = boss
    head.save()
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=SH), tick=False):
        debt = overdue_debt(org, people)
        _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
        client_for(head).post(inbox.task_url(open_task(process, "head_approval")))
    with time_machine.travel(datetime(2026, 3, 9, 10, 0, tzinfo=SH), tick=False):
        assert escalate_overdue() == 1
    task = open_task(process, "head_approval")
    assert task.owner == boss
    assert boss.notifications.filter(kind="escalated").exists()
    assert head.notifications.filter(kind="escalated").exists()


def test_delegation_of_returned_task(org, people):
    colleague = f.user("handler_a2", "handler", org["a"])
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
    now = timezone.now()
    # A delegate must hold the same role.
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError):
        record_absence(people["handler"], people["gm"], now - timedelta(hours=1), now + timedelta(days=5))
    record_absence(people["handler"], colleague, now - timedelta(hours=1), now + timedelta(days=5), "出差")
    act(people["committee_head"], process, "head_approval", decision="return", comment="补充计划")
    task = open_task(process, "rework")
    assert task.owner == colleague
    assert act(colleague, process, "rework", comment="已补充").status_code == 302
    d = Decision.objects.get(process=process, step="rework")
    assert d.by == colleague and d.on_behalf_of == people["handler"]
    page = client_for(colleague).get("/approvals/delegations/").content.decode()
    assert "代" in page and "修改后重新提交" in page


def test_delegation_hands_over_claimed_tasks(org, people):
    head2 = f.user("head2", "committee_head", org["hq"])
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
    client_for(people["committee_head"]).post(inbox.task_url(open_task(process, "head_approval")))
    now = timezone.now()
    r = client_for(people["committee_head"]).post("/approvals/delegations/", {
        "delegate": head2.pk, "starts": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "reason": "休假"})
    assert r.status_code == 302
    assert open_task(process, "head_approval").owner == head2
    assert act(head2, process, "head_approval").status_code == 302
    d = Decision.objects.get(process=process, step="head_approval")
    assert d.on_behalf_of == people["committee_head"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_users_same_task_one_wins(on_postgres, org, people):
    head2 = f.user("head2", "committee_head", org["hq"])
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
    task = open_task(process, "head_approval")
    barrier = threading.Barrier(2)
    results = {}

    def claim(user):
        try:
            c = client_for(user)
            barrier.wait()
            results[user.username] = c.post(inbox.task_url(task)).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (people["committee_head"], head2)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(results.values()) == [302, 403], results
    task.refresh_from_db()
    winner = task.owner

    # The winner submits twice at once (two tabs): exactly one decision is recorded.
    barrier2 = threading.Barrier(2)
    codes = []

    def submit():
        try:
            c = client_for(winner)
            barrier2.wait()
            codes.append(c.post(inbox.execute_url(task), {"decision": "approve", "comment": ""}).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert sorted(codes) == [302, 409], codes   # rule R4.20: the second submit finds the task closed
    assert Decision.objects.filter(process=process, step="head_approval").count() == 1
    debt.refresh_from_db()
    assert debt.state == "visit"


__all__ = ["date"]
