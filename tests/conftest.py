import os

import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import translation

from tests import factories as f
from workflows import db_roles, holidays, roles


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Two roles (MIGRATE_DATABASE_URL set, as on CI): the owner creates and migrates the test
    database (migrate then grants the application role its privileges)..."""
    db_roles.connect_as_owner("default")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """...and every test then runs as the application role, as web, worker and beat do; the owner
    drops the database at the end. Without MIGRATE_DATABASE_URL (SQLite) nothing changes."""
    role = db_roles.app_role()
    if role is None or connections["default"].vendor != "postgresql":
        yield
        return
    with django_db_blocker.unblock():
        db_roles.connect_as_app("default")
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role
    yield
    with django_db_blocker.unblock():
        db_roles.connect_as_owner("default")


@pytest.fixture(autouse=True)
def _fresh_holiday_calendar():
    """Each test reads the working-day calendar from its own database (rule R8.12): the
    process-wide cache would carry another test's rows."""
    holidays.clear_cache()
    yield
    holidays.clear_cache()


@pytest.fixture
def org(db):
    """A group HQ with two subsidiaries; one has a branch below it."""
    hq = f.unit("HQ", "集团总部")
    a = f.unit("A", "第一分公司", parent=hq)
    a1 = f.unit("A1", "第一分公司一项目部", parent=a)
    b = f.unit("B", "第二分公司", parent=hq)
    return {"hq": hq, "a": a, "a1": a1, "b": b}


@pytest.fixture
def people(org):
    """One user per role; unit-scoped roles sit in unit A, group-level roles at HQ."""
    hq, a = org["hq"], org["a"]
    return {
        "handler": f.user("handler_a", roles.HANDLER, a),
        "handler_b": f.user("handler_b", roles.HANDLER, org["b"]),
        "responsible": f.user("resp_a", roles.RESPONSIBLE, a),
        "committee": f.user("committee", roles.COMMITTEE, hq),
        "committee_head": f.user("committee_head", roles.COMMITTEE_HEAD, hq),
        "finance": f.user("finance_a", roles.FINANCE, a),
        "tech": f.user("tech_a", roles.TECH, a),
        "legal": f.user("legal", roles.LEGAL, hq),
        "gm": f.user("gm", roles.GM, hq),
        "gm_office": f.user("gm_office", roles.GM_OFFICE, hq),
        "board": f.user("board", roles.BOARD, hq),
        "shareholders": f.user("shareholders", roles.SHAREHOLDERS, hq),
        "auditor": f.user("auditor", roles.AUDITOR, hq),
    }


def needs(what):
    """Skip on a newcomer's SQLite run; on CI (QQ_REQUIRE_SERVICES=1) a missing service fails."""
    if os.environ.get("QQ_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required on this run but not configured")
    pytest.skip(f"needs {what}: CI runs this on the PostgreSQL + Redis pass")


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        needs("PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        needs("Redis (REDIS_URL=redis://...)")
    return url


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the product's default language: a request in English (LocaleMiddleware
    activates it on the thread) must not leak into the next test's gettext (an export's labels)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
