"""The outside probe's raw-SQL attempts (issue 15), each made with the application role's
credentials (the suite's connection on CI) and each refused by the database itself."""
from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from approvals.models import ChainProcess, Outcome
from tests import factories as f
from workflows import ledger, lifecycle
from workflows.models import Authorisation, Debt, EntryKind, State, StateChange

pytestmark = pytest.mark.postgres


@pytest.fixture
def overdue(on_postgres, org, people):
    debt = f.debt(org["a"], people["handler"], amount="234599.59")
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    return debt


def sql(*statements):
    """Run the statements in one transaction and commit it (deferred checks included)."""
    with transaction.atomic(), connection.cursor() as cur:
        for statement, params in statements:
            cur.execute(statement, params)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would check, now


def unchanged(debt, state=State.OVERDUE):
    fresh = Debt.objects.get(pk=debt.pk)
    assert fresh.state == state
    assert not StateChange.objects.filter(debt=debt).exclude(to_state=State.OVERDUE).exists()


INSERT_AUTHORISATION = (
    "INSERT INTO workflows_authorisation (debt_id, target, from_state, approved_by_id, approved_at, source, reason,"
    " consumed_at, consumed_txid) VALUES (%s, 'written_off', 'overdue', %s, now(), %s, '', {consumed})")


def test_an_authorisation_inserted_as_consumed_moves_nothing(overdue, people):
    with pytest.raises(DatabaseError, match="recorded unused"):
        sql((INSERT_AUTHORISATION.format(consumed="now(), txid_current()"),
             [overdue.pk, people["gm"].pk, "approvals:write_off:process:1"]),
            ("UPDATE workflows_debt SET state = 'written_off' WHERE id = %s", [overdue.pk]))
    unchanged(overdue)


def test_an_authorisation_consumed_by_hand_without_a_chain_moves_nothing(overdue, people):
    for source in ("seed", "approvals:write_off:process:999999"):
        with pytest.raises(DatabaseError, match=r"no approval chain|approved write_off chain"):
            sql((INSERT_AUTHORISATION.format(consumed="NULL, NULL"), [overdue.pk, people["gm"].pk, source]),
                (("UPDATE workflows_authorisation SET consumed_at = now(), consumed_txid = txid_current()"
                  " WHERE debt_id = %s"), [overdue.pk]),
                ("UPDATE workflows_debt SET state = 'written_off' WHERE id = %s", [overdue.pk]))
        unchanged(overdue)


def test_a_chain_that_is_not_approved_or_whose_decisions_are_missing_moves_nothing(overdue, people):
    authorisation = f.authorise(overdue, State.WRITTEN_OFF, people["gm"])
    process = ChainProcess.objects.get(pk=int(authorisation.source.rsplit(":", 1)[1]))
    consume_and_move = (
        ("UPDATE workflows_authorisation SET consumed_at = now(), consumed_txid = txid_current() WHERE id = %s",
         [authorisation.pk]),
        ("UPDATE workflows_debt SET state = 'written_off' WHERE id = %s", [overdue.pk]))
    ChainProcess.objects.filter(pk=process.pk).update(outcome=Outcome.RUNNING)
    with pytest.raises(DatabaseError, match="approved write_off chain"):
        sql(*consume_and_move)
    unchanged(overdue)
    # Approved, but the approver named on the authorisation decided nothing in it.
    ChainProcess.objects.filter(pk=process.pk).update(outcome=Outcome.APPROVED)
    with pytest.raises(DatabaseError, match="four eyes"):
        sql(("UPDATE approvals_chainprocess SET requested_by_id = %s WHERE process_ptr_id = %s",
             [people["gm"].pk, process.pk]), *consume_and_move)
    unchanged(overdue)
    # With the chain intact the same statements go through: the check is the chain, not the path.
    sql(*consume_and_move)
    assert Debt.objects.get(pk=overdue.pk).state == State.WRITTEN_OFF


def test_an_authorisation_changes_only_by_being_consumed_once(overdue, people):
    authorisation = f.authorise(overdue, State.WRITTEN_OFF, people["gm"])
    for statement in ("UPDATE workflows_authorisation SET consumed_at = now(), consumed_txid = 1 WHERE id = %s",
                      "DELETE FROM workflows_authorisation WHERE id = %s"):
        with pytest.raises(DatabaseError, match=r"consumed by the transaction|permission denied|Cannot"):
            sql((statement, [authorisation.pk]))
    lifecycle.apply_transition(overdue.pk, State.WRITTEN_OFF, by=people["gm"])
    with pytest.raises(DatabaseError, match="already consumed"):
        sql((("UPDATE workflows_authorisation SET consumed_at = now(), consumed_txid = txid_current()"
              " WHERE id = %s"), [authorisation.pk]))
    assert Authorisation.objects.get(pk=authorisation.pk).consumed_txid is not None


def test_clearing_checks_the_ledger_not_the_cached_balance(overdue):
    with pytest.raises(DatabaseError, match="do not sum to zero"):
        sql(("UPDATE workflows_debt SET balance = 0, state = 'cleared' WHERE id = %s", [overdue.pk]))
    unchanged(overdue)
    assert Debt.objects.get(pk=overdue.pk).balance == ledger.claim_balance_from_entries(overdue)
    ledger.post_entry(overdue.pk, EntryKind.PAYMENT, "234599.59", date(2025, 3, 1), clear_on_zero=False)
    sql(("UPDATE workflows_debt SET state = 'cleared' WHERE id = %s", [overdue.pk]))
    assert Debt.objects.get(pk=overdue.pk).state == State.CLEARED


def test_sealing_by_raw_sql_needs_the_archives_seal(on_postgres, org, people):
    debt = f.debt(org["a"], people["handler"], amount="10.00")
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, "10.00", date(2025, 3, 1))
    authorisation = f.authorise(debt, State.SEALED, people["committee"])
    with pytest.raises(DatabaseError, match="without the archive's seal"):
        sql(("UPDATE workflows_authorisation SET consumed_at = now(), consumed_txid = txid_current() WHERE id = %s",
             [authorisation.pk]),
            ("UPDATE workflows_debt SET state = 'sealed' WHERE id = %s", [debt.pk]))
    assert Debt.objects.get(pk=debt.pk).state == State.CLEARED


def test_pgtrigger_ignore_and_truncate_are_refused(overdue, people):
    """The other two probes; tests/deploy/test_db_roles.py holds them for every table."""
    with connection.cursor() as cur:
        cur.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger_state_change_append_only_%%'")
        trigger = cur.fetchone()[0]
    with pytest.raises(DatabaseError, match=r"permission denied|Cannot"):
        sql(("SET LOCAL pgtrigger.ignore = %s", ["{" + trigger + "}"]),
            ("DELETE FROM workflows_statechange WHERE debt_id = %s", [overdue.pk]))
    for table in ("workflows_statechange", "documents_accesslog"):
        with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
            sql((f"TRUNCATE {table} CASCADE", None))
    assert StateChange.objects.filter(debt=overdue).count() == 1
