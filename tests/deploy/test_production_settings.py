"""Production settings: check --deploy passes, a missing key is refused, login throttling and
X-Accel-Redirect downloads work."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from documents import services
from documents.catalogue import DocType
from documents.models import AccessLog, Action
from tests import factories as f
from tests.documents import samples

ROOT = Path(__file__).resolve().parents[2]
KEY = "Qq-production-test-key-" + "abcdefghijklmnopqrstuvwxyz0123456789"


def manage(*args, **env_extra):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests in this process; a deployment has none.
    dropped = {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings_production", **env_extra})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=KEY,
                    ALLOWED_HOSTS="qingqian.example.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_missing_or_short_key():
    result = manage("check", SECRET_KEY="short")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_values():
    code = ("from django.conf import settings as s;"
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0,"
            " s.SECURE_SSL_REDIRECT, s.AUTHENTICATION_BACKENDS[0], 'csp.middleware.CSPMiddleware' in s.MIDDLEWARE,"
            " s.SECURE_PROXY_SSL_HEADER, s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'])")
    result = manage("shell", "--no-imports", "-c", code, SECRET_KEY=KEY, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("False True True True True axes.backends.AxesStandaloneBackend True "
                                     "('HTTP_X_FORWARDED_PROTO', 'https') [\"'self'\"]")


AXES_ON = dict(
    AXES_ENABLED=True, AXES_FAILURE_LIMIT=3,
    AUTHENTICATION_BACKENDS=["axes.backends.AxesStandaloneBackend", "workflows.backends.PermissionsBackend"],
)


def test_login_is_throttled_after_repeated_failures(org, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "axes.middleware.AxesMiddleware"]
    f.user("victim", "handler", org["a"], password="right-Password-2026")
    with override_settings(**AXES_ON):
        c = Client()
        url = "/accounts/login/"
        for _ in range(3):
            c.post(url, {"username": "victim", "password": "wrong"})
        # Even the right password is refused now.
        locked = c.post(url, {"username": "victim", "password": "right-Password-2026"})
        assert locked.status_code == 429
        assert "_auth_user_id" not in c.session
        # Another user from the same address is not locked out by victim's failures.
        f.user("other", "handler", org["a"], password="right-Password-2026")
        ok = Client().post(url, {"username": "other", "password": "right-Password-2026"})
        assert ok.status_code == 302


def test_password_validators_refuse_weak_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    with pytest.raises(ValidationError):
        validate_password("12345678")


@pytest.fixture
def archive_dir(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}


def test_x_accel_download_checks_access_and_logs(org, people, archive_dir, settings):
    settings.QQ_X_ACCEL = True
    settings.QQ_X_ACCEL_PREFIX = "/protected-archive/"
    debt = f.debt(org["a"], people["handler"])
    doc = services.attach(debt, DocType.CONTRACT, samples.pdf("合同.pdf"), people["handler"], title="合同")
    url = reverse("documents:download", kwargs={"pk": doc.pk})

    c = Client()
    c.force_login(people["auditor"])
    response = c.get(url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/protected-archive/" + doc.storage_name
    assert response.content == b""  # nginx sends the bytes
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert AccessLog.objects.filter(document=doc, user=people["auditor"], action=Action.DOWNLOAD).exists()

    # Outside the unit: 404 and no redirect header, nothing logged for that user.
    c.force_login(people["handler_b"])
    refused = c.get(url)
    assert refused.status_code == 404
    assert "X-Accel-Redirect" not in refused
    assert not AccessLog.objects.filter(document=doc, user=people["handler_b"]).exists()
    # Anonymous: sent to the login page.
    assert Client().get(url).status_code == 302


def test_api_schema_and_docs_need_a_login_in_production():
    """Issue 15 item 9: the schema names every endpoint and field; in production an anonymous
    visitor gets 401/403, a logged-in user (here one authenticated by the request) the schema."""
    code = (
        "from rest_framework.test import APIRequestFactory, force_authenticate;"
        "from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView;"
        "from workflows.models import User;"
        "rf = APIRequestFactory();"
        "views = {'schema': SpectacularAPIView.as_view(),"
        " 'docs': SpectacularSwaggerSplitView.as_view(url_name='api-schema')};"
        "anon = {k: v(rf.get('/api/' + k + '/', secure=True, HTTP_HOST='qingqian.example.com')).status_code"
        " for k, v in views.items()};"
        "r = rf.get('/api/schema/', secure=True, HTTP_HOST='qingqian.example.com');"
        "force_authenticate(r, user=User(username='reader', is_active=True));"
        "resp = SpectacularAPIView.as_view()(r); resp.render();"
        "print(anon['schema'], anon['docs'], resp.status_code, b'/api/debts/' in resp.content)"
    )
    result = manage("shell", "--no-imports", "-c", code, SECRET_KEY=KEY, ALLOWED_HOSTS="qingqian.example.com")
    assert result.returncode == 0, result.stderr
    schema, docs, logged_in, names_debts = result.stdout.split()
    assert schema in ("401", "403") and docs in ("401", "403")
    assert (logged_in, names_debts) == ("200", "True")
