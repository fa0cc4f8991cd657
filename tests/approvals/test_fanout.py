"""The candidate fan-out of a new task (issue 20 item 2): the people who may claim it are found
in one query and notified with one bulk insert, so the statements of creating a task do not
grow with the size of the role; the set is exactly the one why_not lets claim (R4.5-R4.7)."""
import pytest
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from approvals import inbox
from approvals.models import Chain, Notification, NotificationChannel
from documents.catalogue import DocType
from tests import factories as f

from .helpers import PASSWORD, act, files, open_task, overdue_debt, start
from .test_write_off import bankrupt_debt, request_write_off

pytestmark = pytest.mark.django_db


def _members(prefix, n, role, unit):
    return [f.user(f"{prefix}_{i:02d}", role, unit) for i in range(n)]


def _started_visit(org, people):
    debt = overdue_debt(org, people)
    with CaptureQueriesContext(connection) as ctx:
        r, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
    assert r.status_code == 302
    return process, len(ctx.captured_queries)


def test_creating_a_task_costs_the_same_with_5_and_with_40_in_the_role(org, people):
    # people already holds one committee_head; 4 more make 5 ...
    _members("head_small", 4, "committee_head", org["hq"])
    _started_visit(org, people)  # fills the process-wide caches (content types, calendar) first
    small, small_count = _started_visit(org, people)
    assert Notification.objects.filter(kind="assigned", message__contains=small.debt.code).count() == 5
    # ... and 35 more make 40.
    _members("head_large", 35, "committee_head", org["hq"])
    large, large_count = _started_visit(org, people)
    assert Notification.objects.filter(kind="assigned", message__contains=large.debt.code).count() == 40
    assert large_count == small_count, (small_count, large_count)


def test_the_fan_out_is_who_why_not_lets_claim(org, people):
    """Unit scope, the requester, inactive users and four eyes, checked against why_not for a
    unit-scoped step (财务部备案 of a write-off) with people on both sides of each line."""
    debt = bankrupt_debt(org, people)
    finance = people["finance"]
    above = f.user("finance_hq", "finance", org["hq"])          # a unit above the debt's: in scope
    below = f.user("finance_a1", "finance", org["a1"])          # a unit below: out of scope
    other = f.user("finance_b", "finance", org["b"])            # a sibling unit: out of scope
    gone = f.user("finance_gone", "finance", org["a"], is_active=False)
    # Holds finance and committee: signs the review, so four eyes bars them from the filing.
    signer = f.user("committee_fin", ["committee", "finance"], org["a"])
    # Sees every unit (a group-level role) although their own unit is B.
    wide = f.user("finance_wide", ["finance", "committee_head"], org["b"])
    _, process = request_write_off(people, debt)
    assert act(signer, process, "committee_review").status_code == 302
    assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    assert act(people["gm_office"], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    task = open_task(process, "finance_filing")
    step = task.flow_task
    notified = set(Notification.objects.filter(kind="assigned", url=inbox.task_url(task))
                   .values_list("user__username", flat=True))
    assert notified == {finance.username, above.username, wide.username}
    every = [finance, above, below, other, gone, signer, wide, people["handler"]]
    assert {u.username for u in every if step.why_not(u, task) is None} == notified
    assert set(inbox.candidates(step, task).values_list("username", flat=True)) == notified


def test_the_requester_holding_the_role_is_not_notified(org, people):
    debt = overdue_debt(org, people)
    requester = f.user("head_requester", ["committee", "committee_head"], org["hq"])
    start(requester, Chain.VISIT, debt, reason="上门")
    assert not requester.notifications.filter(kind="assigned").exists()
    assert people["committee_head"].notifications.filter(kind="assigned").exists()


def test_delivery_after_commit_only_to_those_with_mail_or_a_channel(org, people, monkeypatch):
    sent = []
    monkeypatch.setattr("approvals.notifications.apprise.Apprise.notify",
                        lambda self, **kw: sent.append(kw["title"]) or True)
    by_mail = f.user("head_mail", "committee_head", org["hq"], email="head@example.com")
    by_chat = f.user("head_chat", "committee_head", org["hq"])
    NotificationChannel.objects.create(user=by_chat, url="wecombot://key", active=True)
    muted = f.user("head_muted", "committee_head", org["hq"])
    NotificationChannel.objects.create(user=muted, url="wecombot://key2", active=False)
    debt = overdue_debt(org, people)
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        start(people["handler"], Chain.VISIT, debt, reason="上门")
    # Nothing went out inside the transaction ...
    assert mail.outbox == [] and sent == []
    for callback in callbacks:
        callback()
    # ... and after it, the mail to the one with an address and the chat to the one with a channel.
    assert [m.to for m in mail.outbox] == [["head@example.com"]]
    assert len(sent) == 1 and debt.code in sent[0]
    for person in (by_mail, by_chat, muted, people["committee_head"]):
        assert person.notifications.filter(kind="assigned", message__contains=debt.code).count() == 1



@pytest.mark.parametrize("active", [True, False])
def test_the_requester_with_a_channel_read_with_the_task_is_told_the_chain_ended(org, people, monkeypatch, active):
    """The requester's channel is read with the deciding step's task (access.load_task), not asked
    again when the chain's end notifies them: an active channel still carries the message, an
    inactive one does not."""
    sent = []
    monkeypatch.setattr("approvals.notifications.apprise.Apprise.notify",
                        lambda self, **kw: sent.append(kw["title"]) or True)
    assert not people["handler"].email
    NotificationChannel.objects.create(user=people["handler"], url="wecombot://requester", active=active)
    debt = overdue_debt(org, people)
    r, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
    assert r.status_code == 302
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert act(people["committee_head"], process, "head_approval").status_code == 302
    note = people["handler"].notifications.get(kind="approved", message__contains=debt.code)
    told = [title for title in sent if note.message[:20] in title]
    assert told == ([f"[清欠] {note.message[:60]}"] if active else [])
