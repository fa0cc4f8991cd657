import os
import subprocess
import sys
from pathlib import Path

from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password

from config import settings as production

ROOT = Path(__file__).resolve().parent.parent


def run_check(env_extra):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(env_extra)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_check({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_starts_with_a_secret_key():
    result = run_check({"DEBUG": "0", "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert ("en", "English") in settings.LANGUAGES
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_argon2_is_the_first_hasher_and_pbkdf2_still_verifies():
    """Rule R8.18 (the test settings hash with MD5 for speed; production's list is read here)."""
    hashers = production.PASSWORD_HASHERS
    assert hashers[0] == "workflows.hashers.Argon2idHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers


def test_a_pbkdf2_password_is_rehashed_as_argon2_at_the_next_login(client, django_user_model, settings):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    old = make_password("pw-Qingqian-2026", hasher=PBKDF2PasswordHasher())
    user = django_user_model.objects.create(username="old_hash", password=old)
    assert client.login(username="old_hash", password="pw-Qingqian-2026")
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert client.login(username="old_hash", password="pw-Qingqian-2026")


def _setting(name, env_extra):
    env = {k: v for k, v in os.environ.items()
           if k not in {"CELERY_BROKER_URL", "JOBS_CACHE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env_extra})
    code = f"import django; django.setup(); from django.conf import settings; print(repr(settings.{name}))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout.strip())  # our own repr() of a setting


def test_sessions_are_read_from_the_shared_redis_and_only_from_it():
    """With a Redis broker every web process shares, sessions are read from it and written through
    to the database (no session statement per request, issue 20); without one they stay in the
    database: a process-local cache would keep a session another process has logged out."""
    assert _setting("SESSION_ENGINE", {}) == "django.contrib.sessions.backends.db"
    with_redis = {"CELERY_BROKER_URL": "redis://127.0.0.1:6379/13"}
    assert _setting("SESSION_ENGINE", with_redis) == "workflows.sessions"
    caches = _setting("CACHES", with_redis)
    assert caches[_setting("SESSION_CACHE_ALIAS", with_redis)]["BACKEND"].endswith("RedisCache")
    assert _setting("SESSION_ENGINE", {"CELERY_BROKER_URL": "amqp://guest@localhost//"}) == \
        "django.contrib.sessions.backends.db"
