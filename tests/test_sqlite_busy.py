"""The embedded default (SQLite) under a double click (issue 19 item 8): two requests that each
read and then write inside a transaction both succeed, one after the other, instead of the
second failing with "database is locked" (a 500). Run against a file database configured as
config.settings configures the default one."""
import threading
import time

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = [pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
                                 reason="the SQLite embedded default only"),
              pytest.mark.django_db]  # lets connections open; the databases here are files of their own


def wrapper(path, options):
    config = {**settings.DATABASES["default"], "NAME": str(path), "OPTIONS": options, "TEST": {}}
    config.setdefault("ATOMIC_REQUESTS", False)
    config.setdefault("AUTOCOMMIT", True)
    config.setdefault("CONN_MAX_AGE", 0)
    config.setdefault("CONN_HEALTH_CHECKS", False)
    config.setdefault("TIME_ZONE", None)
    alias = f"busy-{threading.get_ident()}"
    db = DatabaseWrapper(config, alias=alias)
    connections[alias] = db  # this thread's connection under that name, for transaction.atomic
    return db


def double_click(path, options):
    """Two 'requests' at once, each: read the counter, work a little (a PDF), write it back."""
    setup = wrapper(path, options)
    with setup.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS clicks (n integer)")
        c.execute("DELETE FROM clicks")
        c.execute("INSERT INTO clicks VALUES (0)")
    setup.close()
    errors, barrier = [], threading.Barrier(2)

    def request():
        db = wrapper(path, options)
        try:
            barrier.wait()
            with transaction.atomic(using=db.alias), db.cursor() as c:
                c.execute("SELECT n FROM clicks")
                n = c.fetchone()[0]
                time.sleep(0.3)
                c.execute("UPDATE clicks SET n = %s", [n + 1])
        except Exception as exc:  # what a view would turn into a 500
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check = wrapper(path, options)
    with check.cursor() as c:
        c.execute("SELECT n FROM clicks")
        total = c.fetchone()[0]
    check.close()
    return errors, total


def test_settings_begin_sqlite_transactions_immediately():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 20


def test_a_double_click_waits_instead_of_failing(tmp_path):
    errors, total = double_click(tmp_path / "immediate.sqlite3", dict(settings.DATABASES["default"]["OPTIONS"]))
    assert errors == [] and total == 2


def test_without_immediate_transactions_the_second_click_fails(tmp_path):
    """The control: the same work with SQLite's default (deferred) transactions fails fast, so
    the test above really depends on the setting."""
    options = {**settings.DATABASES["default"]["OPTIONS"]}
    options.pop("transaction_mode")
    errors, _total = double_click(tmp_path / "deferred.sqlite3", options)
    assert errors and "locked" in str(errors[0])
