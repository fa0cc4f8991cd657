"""workflows.sessions: sessions read from Redis keep pages working while Redis is away, and a
logout never leaves the session alive in the cache."""
import pytest
from django.contrib.sessions.models import Session

from tests import factories as f
from workflows.sessions import SessionStore

pytestmark = pytest.mark.django_db

AWAY = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
HERE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "qq-test-sessions"}


@pytest.fixture
def sessions_in(settings):
    def use(cache):
        settings.CACHES = {**settings.CACHES, "sessions": cache}
        settings.SESSION_ENGINE = "workflows.sessions"
        settings.SESSION_CACHE_ALIAS = "sessions"
    return use


def saved_session():
    store = SessionStore()
    store["k"] = "v"
    store.save()
    return store


def test_login_and_pages_work_while_the_session_cache_is_away(client, org, sessions_in):
    sessions_in(AWAY)
    person = f.user("away", "committee", org["hq"])
    login = client.post("/accounts/login/", {"username": "away", "password": "pw-Qingqian-2026"})
    assert login.status_code == 302, login.content.decode()[:500]
    page = client.get("/approvals/inbox/")
    assert page.status_code == 200 and page.wsgi_request.user == person


def test_a_logout_while_the_cache_is_away_fails_and_ends_nothing_half(org, sessions_in):
    sessions_in(AWAY)
    store = saved_session()
    key = store.session_key
    with pytest.raises(Exception):  # noqa: B017 - the cache client's own connection error
        store.flush()
    assert Session.objects.filter(session_key=key).exists()   # still whole: a retry logs out


def test_a_logout_removes_the_session_from_the_cache_and_the_database(org, sessions_in):
    sessions_in(HERE)
    store = saved_session()
    key = store.session_key
    assert SessionStore(key).load() == {"k": "v"} and SessionStore().exists(key)
    store.flush()
    assert not Session.objects.filter(session_key=key).exists()
    assert not SessionStore().exists(key) and SessionStore(key).load() == {}
