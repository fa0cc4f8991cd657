"""Operations: /healthz, logs with the request id (text and JSON), error reporting, metrics,
notifications delivered after commit by Celery (mail and chat channels), housekeeping."""
import io
import json
import logging
import logging.config
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.utils import timezone

from approvals import notifications
from approvals.models import Notification, NotificationChannel, NotificationKind
from approvals.tasks import purge_read_notifications
from config import logs
from tests import factories as f
from workflows.tasks import clear_expired_sessions

ROOT = Path(__file__).resolve().parents[2]


def subprocess_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", **extra})
    return env


# --- /healthz -----------------------------------------------------------------------------

def test_healthz_answers_anonymous_with_each_check_and_no_data(db, org, people):
    f.debt(org["a"], people["handler"], code="SECRET-DEBT-1")
    response = Client().get("/healthz", HTTP_ACCEPT="text/plain")
    text = response.content.decode()
    assert response.status_code == 200, text
    for check in ("Database", "Cache(alias='default')", "Cache(alias='jobs')", "ArchiveStorage"):
        assert check in text
    assert text.count(": OK") == len(text.strip().splitlines())
    assert "SECRET-DEBT-1" not in text and "handler" not in text


def test_healthz_names_the_broken_part(db, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "archive": {
        "BACKEND": "documents.storage.ArchiveFileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "archive")}}}
    (tmp_path / "archive").write_text("a file where the archive mount should be")
    response = Client().get("/healthz", HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    problem = response.json()["ArchiveStorage(alias='archive')"]
    assert problem == "Unavailable: archive directory missing or not writable"


@pytest.mark.redis
def test_healthz_reaches_the_broker(db, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    ok = Client().get("/healthz", HTTP_ACCEPT="application/json")
    assert ok.status_code == 200 and any(k.startswith("Redis") for k in ok.json())
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    down = Client().get("/healthz", HTTP_ACCEPT="application/json")
    assert down.status_code == 500


# --- logs -----------------------------------------------------------------------------------

def _logged_during_request(config, incoming=None):
    stream = io.StringIO()
    config["handlers"]["console"]["stream"] = stream
    config["handlers"]["console"]["class"] = "logging.StreamHandler"
    logging.config.dictConfig({**config, "root": {**config["root"], "level": "INFO"}})
    try:
        def view(request):
            logging.getLogger("qq.test").info("审批已提交")
            from django.http import HttpResponse
            return HttpResponse("ok")

        class Request:
            META = {"HTTP_X_REQUEST_ID": incoming} if incoming else {}

        response = logs.RequestIdMiddleware(view)(Request())
    finally:
        from django.conf import settings
        logging.config.dictConfig(settings.LOGGING)
    return stream.getvalue(), response


def test_every_log_line_has_time_level_logger_and_request_id():
    line, response = _logged_during_request(logs.logging_config(level="INFO", json=False), incoming="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    assert " INFO qq.test [abc-123] 审批已提交" in line
    assert line[:4].isdigit() and line[10] == " "  # 2026-12-01 09:00:00,000 ...


def test_a_forged_request_id_is_replaced():
    line, response = _logged_during_request(logs.logging_config(level="INFO", json=False),
                                            incoming="x\nFAKE LOG LINE")
    assert "FAKE" not in line and len(response["X-Request-ID"]) == 32


def test_json_logs_are_one_object_per_line():
    line, response = _logged_during_request(logs.logging_config(level="INFO", json=True))
    record = json.loads(line)
    assert record["level"] == "INFO" and record["logger"] == "qq.test" and record["message"] == "审批已提交"
    assert record["request_id"] == response["X-Request-ID"] and "time" in record


# --- error reporting and metrics ------------------------------------------------------------

def test_sentry_is_off_without_a_dsn_and_on_with_one():
    probe = ("import django; django.setup(); import sentry_sdk; "
             "print(sentry_sdk.get_client().is_active())")
    off = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=subprocess_env(), capture_output=True,
                         text=True, timeout=60)
    on = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60,
                        env=subprocess_env(SENTRY_DSN="http://public@127.0.0.1:9/1"))
    assert off.stdout.strip() == "False", off.stderr
    assert on.stdout.strip() == "True", on.stderr


def test_sentry_events_carry_the_request_id():
    from config.sentry import _tag_request

    token = logs.request_id.set("rid-42")
    try:
        assert _tag_request({}, {})["tags"]["request_id"] == "rid-42"
    finally:
        logs.request_id.reset(token)


def test_metrics_only_when_switched_on():
    probe = ("import django; django.setup(); from django.test import Client; "
             "r = Client().get('/metrics', HTTP_HOST='localhost'); "
             "print(r.status_code, b'django_http_requests' in r.content)")
    off = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=subprocess_env(), capture_output=True,
                         text=True, timeout=60)
    on = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=subprocess_env(QQ_PROMETHEUS="1"),
                        capture_output=True, text=True, timeout=60)
    assert off.stdout.split()[-1] == "False", off.stderr
    assert on.stdout.split() == ["200", "True"], on.stderr


# --- notifications ----------------------------------------------------------------------------

@pytest.fixture
def person(org):
    user = f.user("notified", "committee", org["hq"])
    user.email = "notified@example.com"
    user.save()
    return user


def test_delivery_waits_for_commit_and_a_rollback_tells_nobody(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.notify(person, NotificationKind.ASSIGNED, "坏账核销 D-1：清欠办审核")
    assert mail.outbox == []  # nothing sent inside the transaction
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["notified@example.com"]]


def test_with_a_broker_delivery_is_a_celery_task(person, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/1"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []
    monkeypatch.setattr(notifications.current_app, "send_task", lambda name, args: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        note = notifications.notify(person, NotificationKind.ASSIGNED, "诉讼 D-2：总经理签批")
    assert sent == [("approvals.deliver_notification", [note.pk])] and mail.outbox == []
    from approvals.tasks import deliver_notification
    assert deliver_notification.name == "approvals.deliver_notification"
    assert deliver_notification.run(note.pk) == {"mail": True}


def test_a_chat_channel_gets_the_message_through_apprise(person, monkeypatch, settings):
    settings.QQ_SITE_URL = "https://qingqian.example.com"
    NotificationChannel.objects.create(user=person, url="wecombot://0123456789abcdef")
    posted = []
    monkeypatch.setattr(notifications.apprise.Apprise, "notify",
                        lambda self, title, body: posted.append((len(self), title, body)) or True)
    note = notifications.notify(person, NotificationKind.ASSIGNED, "以物抵债 D-3：技术工程部鉴定",
                                url="/approvals/task/7/")
    assert notifications.deliver(note.pk) == {"mail": True, "channel": True}
    assert posted == [(1, "[清欠] 以物抵债 D-3：技术工程部鉴定",
                       "以物抵债 D-3：技术工程部鉴定\nhttps://qingqian.example.com/approvals/task/7/")]


def test_a_channel_url_apprise_does_not_know_is_refused(person):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="通知地址无法识别"):
        NotificationChannel(user=person, url="not-a-channel").full_clean()


def test_a_mail_outage_is_logged_not_raised(person, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(notifications, "send_mail", down)
    note = Notification.objects.create(user=person, kind=NotificationKind.ASSIGNED, message="x")
    assert notifications.deliver(note.pk) == {"mail": False}
    assert "mail to notified@example.com failed" in caplog.text


# --- housekeeping -----------------------------------------------------------------------------

def test_old_read_notifications_and_expired_sessions_go(person, settings):
    settings.QQ_NOTIFICATION_KEEP_DAYS = 180
    old = timezone.now() - timedelta(days=181)
    kept_unread = Notification.objects.create(user=person, kind="assigned", message="unread", created_at=old)
    gone = Notification.objects.create(user=person, kind="assigned", message="read", created_at=old, read_at=old)
    recent = Notification.objects.create(user=person, kind="assigned", message="recent", read_at=timezone.now())
    assert purge_read_notifications.run() == 1
    assert set(Notification.objects.values_list("pk", flat=True)) == {kept_unread.pk, recent.pk}
    assert not Notification.objects.filter(pk=gone.pk).exists()
    Session.objects.create(session_key="expired", session_data="", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="live", session_data="", expire_date=timezone.now() + timedelta(days=1))
    assert clear_expired_sessions.run() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
