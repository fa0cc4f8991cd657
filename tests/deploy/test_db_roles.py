"""Two PostgreSQL roles (issue 15): the suite runs as the application role, which owns nothing,
holds no TRUNCATE, cannot change or delete append-only rows and cannot switch triggers off."""
import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from tests import factories as f
from tests.conftest import needs
from workflows import db_roles, lifecycle
from workflows.models import Debt, State

pytestmark = pytest.mark.postgres

# The tables the issue names, each with what the application role may not do there.
MUST_REFUSE = {
    "workflows_statechange": {"UPDATE", "DELETE"},
    "workflows_ledgerentry": {"UPDATE", "DELETE"},
    "workflows_authorisation": {"UPDATE", "DELETE"},  # UPDATE only of the consuming columns, below
    "workflows_debt": {"DELETE"},
    "approvals_decision": {"UPDATE", "DELETE"},
    "approvals_signature": {"UPDATE", "DELETE"},
    "documents_document": {"UPDATE", "DELETE"},
    "documents_accesslog": {"UPDATE", "DELETE"},
    "documents_seal": {"UPDATE", "DELETE"},
    "documents_casefile": {"DELETE"},
    "collection_stagechange": {"UPDATE", "DELETE"},
    "collection_instalmentpayment": {"UPDATE", "DELETE"},
    "collection_casecost": {"UPDATE", "DELETE"},
    "collection_feepayment": {"UPDATE", "DELETE"},
}


@pytest.fixture
def app_role(on_postgres):
    role = db_roles.app_role()
    if role is None:
        needs("two database roles (MIGRATE_DATABASE_URL for the owner, DATABASE_URL for the application)")
    return role


def rows(sql, params=None):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def test_the_suite_runs_as_an_application_role_that_owns_nothing(db, app_role):
    [(user, superuser, createrole, createdb)] = rows(
        "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user")
    assert (user, superuser, createrole, createdb) == (app_role, False, False, False)
    owned = rows("""SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)
                    UNION ALL SELECT proname FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = %s)
                    UNION ALL SELECT nspname FROM pg_namespace
                              WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = %s)""",
                 [app_role] * 3)
    assert owned == []
    [(debt_owner,)] = rows("SELECT tableowner FROM pg_tables WHERE tablename = 'workflows_debt'")
    assert debt_owner != app_role
    assert rows("SELECT has_schema_privilege(current_user, 'public', 'CREATE')") == [(False,)]


def test_no_truncate_anywhere(db, app_role):
    assert rows("""SELECT c.relname FROM pg_class c
                   WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                     AND (has_table_privilege(current_user, c.oid, 'TRUNCATE')
                          OR has_table_privilege(current_user, c.oid, 'TRIGGER'))""") == []
    for table in ("workflows_statechange", "documents_accesslog", "workflows_ledgerentry"):
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), \
                connection.cursor() as cur:
            cur.execute(f"TRUNCATE {table} CASCADE")


def test_append_only_tables_refuse_update_and_delete(db, app_role):
    for table, refused in MUST_REFUSE.items():
        for privilege in ("UPDATE", "DELETE"):
            [(held,)] = rows("SELECT has_table_privilege(current_user, %s, %s)", [table, privilege])
            assert held is (privilege not in refused), (table, privilege)
        assert rows("SELECT has_table_privilege(current_user, %s, 'INSERT')", [table]) == [(True,)]
    assert set(MUST_REFUSE) <= set(db_roles.restricted_tables())


def test_of_the_authorisation_only_the_consuming_columns_may_change(db, app_role):
    columns = dict(rows("""SELECT column_name, has_column_privilege(current_user, 'workflows_authorisation',
                                                                    column_name, 'UPDATE')
                           FROM information_schema.columns WHERE table_name = 'workflows_authorisation'"""))
    assert {c for c, may in columns.items() if may} == {"consumed_at", "consumed_txid"}
    assert {"debt_id", "target", "from_state", "approved_by_id", "source"} <= set(columns)


def test_pgtrigger_ignore_does_not_switch_a_trigger_off_for_the_application_role(org, people, app_role):
    debt = f.debt(org["a"], people["handler"])
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    [(trigger,)] = rows("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger_debt_state_follows_lifecycle_%%'")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SAVEPOINT probe")
        cur.execute("SET LOCAL pgtrigger.ignore = %s", ["{" + trigger + "}"])
        with pytest.raises(DatabaseError, match="without authorisation"):
            cur.execute("UPDATE workflows_debt SET state = 'written_off' WHERE id = %s", [debt.pk])
        cur.execute("ROLLBACK TO SAVEPOINT probe")
    assert Debt.objects.get(pk=debt.pk).state == State.OVERDUE


def _privileges():
    return sorted(rows("""SELECT table_name, privilege_type FROM information_schema.role_table_grants
                          WHERE grantee = current_user
                          UNION ALL SELECT table_name || '.' || column_name, privilege_type
                          FROM information_schema.column_privileges WHERE grantee = current_user"""))


def test_granting_is_idempotent(transactional_db, app_role):
    before = _privileges()
    assert ("workflows_statechange", "INSERT") in before
    assert ("workflows_statechange", "UPDATE") not in before
    call_command("grant_app_role", verbosity=0)
    call_command("grant_app_role", verbosity=0)
    assert _privileges() == before


def test_the_daily_run_refreshes_statistics_through_the_owners_function(db, app_role):
    with connection.cursor() as cur:
        cur.execute("SELECT qq_analyze('workflows_statechange')")
        cur.execute("SELECT reltuples >= 0 FROM pg_class WHERE relname = 'workflows_statechange'")
        assert cur.fetchone() == (True,)
    with pytest.raises(DatabaseError, match="not a table of the public schema"), transaction.atomic(), \
            connection.cursor() as cur:
        cur.execute("SELECT qq_analyze('pg_catalog.pg_class')")
