"""The tamper-evident record (issue 15): the hash chains verify on a clean database, and every
UPDATE, DELETE or INSERT the owner makes by raw SQL on a chained row is detected and named."""
from contextlib import contextmanager
from datetime import date

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from approvals.models import Decision, DecisionKind, Signature
from approvals.signatures import sign
from tests import factories as f
from tests.conftest import needs
from workflows import audit, db_roles, ledger, lifecycle
from workflows.models import Authorisation, EntryKind, LedgerEntry, State, StateChange

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# table -> (model, a column to change, an SQL value for it)
TABLES = {
    "workflows_statechange": (StateChange, "reason", "'改过的原因'"),
    "workflows_ledgerentry": (LedgerEntry, "amount", "amount + 1"),
    "workflows_authorisation": (Authorisation, "reason", "'改过'"),
    "approvals_decision": (Decision, "comment", "'同意（改）'"),
    "approvals_signature": (Signature, "sha256", "repeat('0', 64)"),
}


@contextmanager
def owner():
    """A connection of the owner role (MIGRATE_DATABASE_URL; the one role when only one is set),
    committing each statement: what someone with the owner's credentials can do."""
    db = {**connection.settings_dict, **(db_roles.owner_settings() or {})}
    conn = psycopg2.connect(dbname=connection.settings_dict["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


@pytest.fixture
def history(on_postgres, org, people):
    """Committed rows in every chain, two or more per chain."""
    debt = f.debt(org["a"], people["handler"], amount="500.00")
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, "100.00", date(2025, 3, 1), by=people["handler"])
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    f.authorise(debt, State.LEGAL, people["gm"])  # left unused
    f.authorise(debt, State.WRITTEN_OFF, people["gm"])
    lifecycle.apply_transition(debt.pk, State.WRITTEN_OFF, by=people["gm"])
    ledger.post_entry(debt.pk, EntryKind.WRITE_OFF, "400.00", date(2025, 3, 2), by=people["gm"])
    for decision in Decision.objects.filter(debt=debt, decision=DecisionKind.APPROVE):
        sign(decision)
    return debt


def report():
    return audit.verify(app_role=db_roles.app_role())


def first_row(model, debt):
    if model is Signature:
        return Signature.objects.filter(decision__debt=debt).order_by("pk").first()
    return model.objects.filter(debt=debt).order_by("pk").first()


def test_a_clean_database_verifies(history):
    clean = report()
    assert clean.ok, [str(b) for b in clean.broken]
    assert clean.rows >= 12 and clean.chains >= 5
    call_command("verify_audit", verbosity=0)


def test_the_nightly_task_verifies_next_to_verify_archive(history, settings):
    from workflows.tasks import verify_audit_task

    assert verify_audit_task()["ok"] is True
    assert settings.CELERY_BEAT_SCHEDULE["workflows-verify-audit"]["task"] == "workflows.verify_audit"


@pytest.mark.parametrize("table", TABLES)
def test_an_owners_update_is_named(table, history):
    model, column, value = TABLES[table]
    row = first_row(model, history)
    with owner() as cur:
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cur.execute(f"UPDATE {table} SET {column} = {value} WHERE id = %s", [row.pk])
        cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    found = report()
    assert (found.first.table, found.first.row_id, found.first.code) == (table, row.pk, "hash")
    with pytest.raises(CommandError, match=rf"{table} 第 {row.pk} 行"):
        call_command("verify_audit", verbosity=0)


@pytest.mark.parametrize("table", TABLES)
def test_an_owners_update_that_recomputes_its_own_hash_breaks_the_next_link(table, history):
    model, column, value = TABLES[table]
    row = first_row(model, history)
    spec = {s.table: s for s in audit.chains()}[table]
    with owner() as cur:
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cur.execute(f"UPDATE {table} t SET {column} = {value} WHERE id = %s", [row.pk])
        cur.execute(f"UPDATE {table} t SET audit_hash = encode(sha256(convert_to('' || {spec.content('t')}, 'UTF8')),"
                    f" 'hex') WHERE id = %s", [row.pk])
        cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    found = report()
    assert found.first.table == table and found.first.code == "hash" and found.first.seq == 2
    assert found.first.row_id != row.pk


@pytest.mark.parametrize("table", TABLES)
def test_an_owners_delete_is_named(table, history):
    model, _, _ = TABLES[table]
    victim = first_row(model, history)
    if model is Decision:
        victim = Decision.objects.filter(debt=history, decision=DecisionKind.SUBMIT).order_by("pk").first()
    with owner() as cur:
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cur.execute(f"DELETE FROM {table} WHERE id = %s", [victim.pk])
        cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    found = report()
    assert found.first.table == table and found.first.code == "gap", str(found.first)
    assert str(found.first).endswith("已被删除") or "删除" in str(found.first)


def test_deleting_the_last_link_is_named_by_the_head(history):
    last = StateChange.objects.filter(debt=history).order_by("-pk").first()
    with owner() as cur:
        cur.execute("ALTER TABLE workflows_statechange DISABLE TRIGGER USER")
        cur.execute("DELETE FROM workflows_statechange WHERE id = %s", [last.pk])
        cur.execute("ALTER TABLE workflows_statechange ENABLE TRIGGER USER")
    found = report()
    assert [(b.table, b.code) for b in found.broken] == [("workflows_statechange", "tail_deleted")]


INSERT_OVERRIDES = {"workflows_statechange": {"authorisation_id": "NULL"}}


@pytest.mark.parametrize("table", TABLES)
def test_an_owners_insert_is_named(table, history):
    model, _, _ = TABLES[table]
    row = first_row(model, history)
    spec = {s.table: s for s in audit.chains()}[table]
    columns = [c.name for c in spec.columns if c.name != "id"]
    overrides = dict(INSERT_OVERRIDES.get(table, {}))
    if table == "approvals_signature":  # one signature per decision: sign the unsigned submission
        overrides["decision_id"] = str(Decision.objects.filter(debt=history, decision=DecisionKind.SUBMIT)
                                       .order_by("pk").first().pk)
    values = ", ".join(overrides.get(c, c) for c in columns)
    insert = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM {table} WHERE id = %s"
    with owner() as cur:
        # Around the trigger: the row has no link.
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER zz_qq_audit_chain")
        cur.execute(insert, [row.pk])
        cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER zz_qq_audit_chain")
    found = report()
    assert (found.first.table, found.first.code) == (table, "no_link"), str(found.first)
    if db_roles.app_role() is None:
        needs("two database roles: with one role every insert is the application's")
    with owner() as cur:
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        cur.execute(f"DELETE FROM {table} WHERE audit_seq IS NULL")
        cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cur.execute(insert, [row.pk])  # through the trigger: linked, but not by the application
    found = report()
    assert (found.first.table, found.first.code) == (table, "role"), str(found.first)
    assert "由数据库角色" in str(found.first)


# Columns of a chained model that are deliberately outside the chain's content, and why.
NOT_CHAINED = {
    # Consumed once, by design; the state change that consumed it is chained.
    "workflows_authorisation": {"consumed_at", "consumed_by_id", "consumed_txid"},
}


@pytest.mark.parametrize("table", TABLES)
def test_every_column_of_a_chained_row_is_in_its_content(table):
    """A field added to a chained model must enter the chain (as an "added" column) or be named
    above: the returned_to of a return to a chosen step (R4.131) was once outside the hash."""
    model = TABLES[table][0]
    spec = {s.table: s for s in audit.chains()}[table]
    chained = {c.name for c in spec.columns}
    columns = {field.column for field in model._meta.concrete_fields}
    assert columns - chained - NOT_CHAINED.get(table, set()) == set()


def test_an_owners_change_of_the_step_returned_to_is_named(history):
    """returned_to came after decisions were linked: links without it still verify, a decision
    that has it is chained over it, and the owner changing it breaks that link."""
    decision = Decision.objects.filter(debt=history, decision=DecisionKind.APPROVE).order_by("pk").first()
    returned = Decision.objects.create(debt=history, chain=decision.chain, step="gm", step_title="总经理批示",
                                       decision=DecisionKind.RETURN_TO, by=decision.by, comment="补材料",
                                       process=decision.process, returned_to="review")
    assert report().ok
    with owner() as cur:
        cur.execute("UPDATE approvals_decision SET returned_to = 'submit' WHERE id = %s", [returned.pk])
    found = report()
    assert (found.first.table, found.first.row_id, found.first.code) == ("approvals_decision", returned.pk, "hash")
