"""Two PostgreSQL roles (issue 15): the owner runs migrations, the application role runs the product.

- The **owner** (`MIGRATE_DATABASE_URL`) owns every table, sequence and function; `manage.py migrate`,
  `flush` and `restore` connect as the owner whenever it is configured (`as_owner`).
- The **application role** (`DATABASE_URL`, used by web, worker and beat) owns nothing, is no
  superuser, holds no TRUNCATE, REFERENCES or TRIGGER privilege anywhere, and may not UPDATE or
  DELETE the append-only tables (every `AppendOnlyModel`) nor DELETE the rows that are never
  deleted (models with `app_role_revoke`). Of the authorisation it may update only the consuming
  columns (`consumed_at`, `consumed_txid`).

`grant_app_role` sets exactly that, idempotently; `manage.py migrate` calls it after every run
(new tables get their grants) and `manage.py grant_app_role` runs it on its own. It also installs
pgtrigger's ignore function in a form that honours `pgtrigger.ignore` only for the owner, so the
application role cannot switch a protecting trigger off (pgtrigger re-creates that function with
each trigger it installs; this runs after every migrate, so the hardened form is the one left).

Without `MIGRATE_DATABASE_URL` (SQLite, a one-role development database) all of this is a no-op.
"""
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction

from workflows.append_only import AppendOnlyModel

APP_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"
# Columns of the authorisation the application role may update: consuming it (rule R3.5).
AUTHORISATION_CONSUMING_COLUMNS = ("consumed_at", "consumed_txid")

# pgtrigger's ignore check (pgtrigger/compiler.py, template v1) with two changes: the switch is
# honoured only when the current user is a member of the role that owns this function (the
# owner that ran the migrations), and the missing or empty setting is answered without entering
# an exception block (the clock relies on that path being cheap, see workflows.clock.run).
HARDENED_IGNORE_FUNCTION = """
CREATE OR REPLACE FUNCTION "public"._pgtrigger_should_ignore(trigger_name NAME)
RETURNS BOOLEAN AS $$
    DECLARE
        _raw TEXT;
        _pgtrigger_ignore TEXT[];
    BEGIN
        _raw := CURRENT_SETTING('pgtrigger.ignore', true);
        IF _raw IS NULL OR _raw = '' OR _raw = '{}' THEN
            RETURN FALSE;
        END IF;
        BEGIN
            _pgtrigger_ignore := _raw::TEXT[];
        EXCEPTION WHEN OTHERS THEN
            RETURN FALSE;
        END;
        IF NOT (trigger_name = ANY(_pgtrigger_ignore)) THEN
            RETURN FALSE;
        END IF;
        -- Issue 15: the application role cannot switch a protecting trigger off.
        RETURN pg_has_role(current_user, (SELECT p.proowner FROM pg_proc p
                                          WHERE p.oid = '"public"._pgtrigger_should_ignore(name)'::regprocedure),
                           'MEMBER');
    END;
$$ LANGUAGE plpgsql;
"""


def owner_settings() -> dict | None:
    """The owner's connection settings (MIGRATE_DATABASE_URL), or None when not configured."""
    return getattr(settings, "QQ_OWNER_DATABASE", None)


def app_role() -> str | None:
    """The application role's name when two roles are configured."""
    return getattr(settings, "QQ_APP_DB_ROLE", None) if owner_settings() else None


def app_password() -> str | None:
    return getattr(settings, "QQ_APP_DB_PASSWORD", None)


_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def _swap(alias: str, values: dict) -> dict:
    conn = connections[alias]
    conn.close()
    before = {key: conn.settings_dict.get(key) for key in _CREDENTIALS}
    conn.settings_dict.update({key: values.get(key) for key in _CREDENTIALS})
    return before


def connect_as_owner(alias: str = "default") -> dict | None:
    """Point the connection `alias` at the owner role (same database name); returns what it was,
    for `connect_as(alias, previous)`, or None when no owner is configured."""
    owner = owner_settings()
    if owner is None or connections[alias].vendor != "postgresql":
        return None
    return _swap(alias, owner)


def connect_as_app(alias: str = "default") -> dict | None:
    """Point the connection `alias` back at the application role (tests: after the owner made
    the test database)."""
    app = getattr(settings, "QQ_APP_DATABASE", None)
    if owner_settings() is None or app is None or connections[alias].vendor != "postgresql":
        return None
    return _swap(alias, app)


def connect_as(alias: str, previous: dict | None) -> None:
    if previous is not None:
        _swap(alias, previous)


@contextmanager
def as_owner(alias: str = "default") -> Iterator[bool]:
    """Run the block on a connection of the owner role; yields whether it switched. The
    connection is closed on entry and exit, so use it outside any open transaction."""
    previous = connect_as_owner(alias)
    try:
        yield previous is not None
    finally:
        connect_as(alias, previous)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def restricted_tables() -> dict[str, tuple[str, ...]]:
    """table -> privileges the application role does not get on it."""
    restricted = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        revoke = set(getattr(model, "app_role_revoke", ()))
        if issubclass(model, AppendOnlyModel):
            revoke |= {"UPDATE", "DELETE"}
        if revoke:
            restricted[model._meta.db_table] = tuple(sorted(revoke))
    return restricted


class RoleProblem(Exception):
    """The application role is not what least privilege asks for (and this cannot fix it)."""


def grant_app_role(connection, role: str, *, password: str | None = None) -> list[str]:
    """Give `role` exactly the application's privileges in `connection`'s database (run as the
    owner). Idempotent: every run leaves the same privileges. Returns the statements run."""
    done = []

    def run(sql, params=None):
        cursor.execute(sql, params)
        done.append(sql)

    q = _quote(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = %s",
                       [role])
        row = cursor.fetchone()
        if row is None:
            # Creating a role needs CREATEROLE (a DBA's step in production: deploy/postgres/roles.sql).
            run(f"CREATE ROLE {q} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
                + (" PASSWORD %s" if password else ""), [password] if password else None)
        elif any(row):
            raise RoleProblem(f"the application role {role} must not be a superuser nor have CREATEROLE, "
                              f"CREATEDB or BYPASSRLS")
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == role:
            raise RoleProblem(f"{role} is both the owner and the application role")
        cursor.execute("""
            SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = %s
            UNION ALL SELECT p.proname FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE r.rolname = %s
            UNION ALL SELECT n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE r.rolname = %s
        """, [role, role, role])
        owned = [name for (name,) in cursor.fetchall()]
        if owned:
            raise RoleProblem(f"the application role {role} owns {', '.join(sorted(owned)[:10])}: "
                              f"reassign them to the owner (REASSIGN OWNED BY {role} TO <owner>)")
        cursor.execute("SELECT current_database()")
        database = _quote(cursor.fetchone()[0])
        run(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {q}")
        run(f"REVOKE CREATE ON DATABASE {database} FROM {q}")
        run("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        run(f"REVOKE CREATE ON SCHEMA public FROM {q}")
        run(f"GRANT USAGE ON SCHEMA public TO {q}")
        run(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {q}")
        run("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC")
        run(f"GRANT {APP_PRIVILEGES} ON ALL TABLES IN SCHEMA public TO {q}")
        run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {q}")
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        existing = {name for (name,) in cursor.fetchall()}  # a partly migrated database lacks some
        for table, privileges in sorted(restricted_tables().items()):
            if table in existing:
                run(f"REVOKE {', '.join(privileges)} ON {_quote(table)} FROM {q}")
        columns = ", ".join(_quote(c) for c in AUTHORISATION_CONSUMING_COLUMNS)
        run(f"REVOKE UPDATE ON workflows_authorisation FROM {q}")
        run(f"GRANT UPDATE ({columns}) ON workflows_authorisation TO {q}")
        run(HARDENED_IGNORE_FUNCTION)
    return done


def grant_configured(alias: str = "default") -> list[str]:
    """grant_app_role for the configured application role over an owner connection (no-op
    without MIGRATE_DATABASE_URL)."""
    role = app_role()
    if role is None or connections[alias].vendor != "postgresql":
        return []
    with as_owner(alias):
        connection = connections[alias]
        # One transaction: a running site never sees the moment between REVOKE ALL and GRANT.
        with transaction.atomic(using=alias):
            done = grant_app_role(connection, role, password=app_password())
    return done
