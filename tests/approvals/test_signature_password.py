"""The signing password (rule R4.9): compared exactly as typed, and locked for the user after
QQ_SIGNATURE_FAILURE_LIMIT wrong ones within the window; failures and the lock are recorded,
the user and the 清欠办主任 are told (issue 15 item 6)."""
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from approvals import access, decisions, inbox, signatures
from approvals.models import Chain, Decision, Notification, NotificationKind, SignatureFailure, SignatureLock

from .helpers import PASSWORD, act, client_for, open_task, overdue_debt, reload, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsourcing(org, people):
    """A chain waiting for the 总经理's signed decision."""
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.OUTSOURCING, debt, reason="久催不还", agency="某律师事务所")
    return process


def signed(process):
    return Decision.objects.filter(process=process, step="gm_decision").exists()


def test_the_password_is_compared_exactly_with_spaces_refused(people, outsourcing):
    for typed in (f" {PASSWORD} ", f"{PASSWORD} ", f" {PASSWORD}", PASSWORD.upper()):
        r = act(people["gm"], outsourcing, "gm_decision", password=typed)
        assert r.status_code == 200 and "密码不正确" in r.content.decode(), typed
    assert not signed(outsourcing)
    assert SignatureFailure.objects.filter(user=people["gm"]).count() == 4
    assert act(people["gm"], outsourcing, "gm_decision", password=PASSWORD).status_code == 302
    assert signed(outsourcing)


def test_a_password_with_spaces_is_a_different_password(org, people):
    """Someone whose password really has spaces signs with it, spaces and all."""
    spaced = f" {PASSWORD} "
    gm2 = people["gm"]
    gm2.set_password(spaced)
    gm2.save()
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.OUTSOURCING, debt, reason="久催不还", agency="某律师事务所")
    assert act(gm2, process, "gm_decision", password=PASSWORD).status_code == 200
    assert act(gm2, process, "gm_decision", password=spaced).status_code == 302


def test_five_wrong_passwords_lock_signing_for_fifteen_minutes(people, outsourcing):
    gm = people["gm"]
    for i in range(4):
        r = act(gm, outsourcing, "gm_decision", password=f"wrong-{i}")
        assert "密码不正确" in r.content.decode()
    assert not SignatureLock.objects.exists()
    fifth = act(gm, outsourcing, "gm_decision", password="wrong-5")
    assert fifth.status_code == 200 and "签署已锁定" in fifth.content.decode()
    lock = SignatureLock.objects.get(user=gm)
    assert lock.failures == 5 and lock.until - lock.at == timedelta(minutes=15)
    assert SignatureFailure.objects.filter(user=gm).count() == 5
    # Locked: even the right password is refused, and not checked (nothing more recorded).
    locked = act(gm, outsourcing, "gm_decision", password=PASSWORD)
    assert locked.status_code == 200 and "签署已锁定" in locked.content.decode()
    assert not signed(outsourcing) and SignatureFailure.objects.filter(user=gm).count() == 5
    # The user and the 清欠办主任 are told; nobody else.
    told = set(Notification.objects.filter(kind=NotificationKind.SIGNATURE_LOCKED).values_list("user", flat=True))
    assert told == {gm.pk, people["committee_head"].pk}
    # After the lock ends the right password signs again.
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert act(gm, outsourcing, "gm_decision", password=PASSWORD).status_code == 302
    assert signed(outsourcing)


def test_failures_spread_beyond_the_window_do_not_lock(people, outsourcing, settings):
    settings.QQ_SIGNATURE_FAILURE_LIMIT = 3
    start_at = timezone.now()
    for minutes in (0, 10, 20, 30):  # never three within 15 minutes
        with time_machine.travel(start_at + timedelta(minutes=minutes)):
            act(people["gm"], outsourcing, "gm_decision", password="wrong")
    assert not SignatureLock.objects.exists()
    with time_machine.travel(start_at + timedelta(minutes=31)):
        act(people["gm"], outsourcing, "gm_decision", password="wrong")  # 3 within 15 minutes: 20, 30, 31
    assert SignatureLock.objects.filter(user=people["gm"], failures=3).exists()


def test_the_lock_message_in_english(people, outsourcing):
    gm = people["gm"]
    c = client_for(gm)
    task = open_task(outsourcing, "gm_decision")
    c.post(f"/approvals/task/{task.pk}/")
    task.refresh_from_db()
    url = inbox.execute_url(task)
    for i in range(5):
        r = c.post(url, {"decision": "approve", "password": f"bad{i}"}, HTTP_ACCEPT_LANGUAGE="en")
    page = r.content.decode()
    assert "Signing is locked" in page and "签署已锁定" not in page


def test_the_api_keeps_the_failures_and_the_lock(people, outsourcing):
    gm = people["gm"]
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=gm)[0].key)
    task = open_task(outsourcing, "gm_decision")
    assert c.post(f"/api/tasks/{task.pk}/claim/").status_code == 200
    r = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve", "password": f" {PASSWORD} "})
    assert r.status_code == 400 and "password" in r.json()
    assert SignatureFailure.objects.filter(user=gm).count() == 1  # kept although the request was refused
    for _ in range(4):
        r = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve", "password": "x"})
    assert r.status_code == 400 and "签署已锁定" in r.json()["password"][0]
    assert SignatureLock.objects.filter(user=gm).exists()
    r = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve", "password": PASSWORD})
    assert r.status_code == 400 and reload(outsourcing).active


def test_the_api_checks_the_password_before_taking_the_chains_lock(people, outsourcing, monkeypatch):
    """Rule R8.17: a wrong password is refused (and recorded) without the chain's lock being taken."""
    gm = people["gm"]
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=gm)[0].key)
    task = open_task(outsourcing, "gm_decision")
    assert c.post(f"/api/tasks/{task.pk}/claim/").status_code == 200
    # The API takes the chain's lock as access.task_under_lock does, through viewflow's lock_scope.
    original = access.lock_scope
    taken = []

    def counting_lock(lock, flow_class, process_pk):
        taken.append(outsourcing.pk)
        return original(lock, flow_class, process_pk)

    monkeypatch.setattr(access, "lock_scope", counting_lock)
    r = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve", "password": "wrong"})
    assert r.status_code == 400 and "密码不正确" in r.json()["password"][0]
    assert taken == [] and SignatureFailure.objects.filter(user=gm).count() == 1 and not signed(outsourcing)
    r = c.post(f"/api/tasks/{task.pk}/complete/", {"decision": "approve", "password": PASSWORD})
    assert r.status_code == 200 and taken == [outsourcing.pk] and signed(outsourcing)
    assert SignatureFailure.objects.filter(user=gm).count() == 1  # the right password is checked once


def test_the_page_checks_the_password_before_taking_the_chains_lock(people, outsourcing, monkeypatch):
    """Rule R8.17 on the decision page: the password is compared while the chain's lock is not
    held; a wrong one is shown next to the field, recorded, and nothing is signed."""
    gm = people["gm"]
    c = client_for(gm)
    task = open_task(outsourcing, "gm_decision")
    task.owner = gm
    task.status = "ASSIGNED"
    task.save(update_fields=["owner", "status"])
    flow_class = task.flow_task.flow_class
    original_lock, original_check = flow_class.lock, signatures.check_password
    held, checked_while = [], []

    @contextmanager
    def watched_lock(process_pk):
        with original_lock(process_pk):
            held.append(process_pk)
            try:
                yield
            finally:
                held.pop()

    def watched_check(*args, **kwargs):
        checked_while.append(bool(held))
        return original_check(*args, **kwargs)

    monkeypatch.setattr(flow_class, "lock", staticmethod(watched_lock))
    monkeypatch.setattr(signatures, "check_password", watched_check)
    monkeypatch.setattr(decisions, "check_password", watched_check)
    url = inbox.execute_url(task)
    page = c.post(url, {"decision": "approve", "password": "wrong", "comment": "同意核销"})
    assert page.status_code == 200 and "密码不正确" in page.content.decode()
    assert "同意核销" in page.content.decode()  # what was typed is kept
    assert checked_while == [False] and not signed(outsourcing)
    assert SignatureFailure.objects.filter(user=gm).count() == 1
    page = c.post(url, {"decision": "approve", "password": PASSWORD, "comment": "同意核销"})
    assert page.status_code == 302 and signed(outsourcing)
    assert checked_while == [False, False]  # checked once, before the lock, never again inside
