"""Every allowed and every forbidden edge of the debt lifecycle (rule R3.1)."""
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError, IntegrityError

from tests import factories as f
from workflows import exceptions, ledger, lifecycle
from workflows.exceptions import AppendOnlyError
from workflows.models import GATED_TARGETS, Debt, EntryKind, State, StateChange

ALL = list(State)
# Rule R3.1, written out independently of the model so a wrong edge in the model fails here.
EDGES = {
    State.OVERDUE: {State.NORMAL},
    State.VISIT: {State.OVERDUE},
    State.LEGAL: {State.OVERDUE, State.VISIT},
    State.SETTLED_IN_KIND: {State.OVERDUE, State.VISIT, State.LEGAL},
    State.WRITTEN_OFF: {State.OVERDUE, State.VISIT, State.LEGAL},
    State.CLEARED: {State.NORMAL, State.OVERDUE, State.VISIT, State.LEGAL, State.WRITTEN_OFF},
    State.SEALED: {State.CLEARED, State.SETTLED_IN_KIND},
}
# How to reach each state from normal through allowed edges.
PATHS = {
    State.NORMAL: [],
    State.OVERDUE: [State.OVERDUE],
    State.VISIT: [State.OVERDUE, State.VISIT],
    State.LEGAL: [State.OVERDUE, State.LEGAL],
    State.SETTLED_IN_KIND: [State.OVERDUE, State.SETTLED_IN_KIND],
    State.WRITTEN_OFF: [State.OVERDUE, State.WRITTEN_OFF],
    State.CLEARED: [State.CLEARED],
    State.SEALED: [State.CLEARED, State.SEALED],
}


def file_seal_items(debt, user):
    from django.core.files.base import ContentFile

    from documents.catalogue import DocType
    from documents.services import attach
    from workflows.demo import demo_pdf

    for doc_type in (DocType.INVESTIGATION_RECORD, DocType.ORIGINAL_VOUCHERS, DocType.CONCLUSIVE_REPORT):
        attach(debt, doc_type, ContentFile(demo_pdf(doc_type.value), name=f"{doc_type.value}.pdf"), user)


def drive(debt, user, target):
    if target == State.SEALED:
        # Sealing is the archive's gated edge: the 建档 items, the archive's authorisation and its
        # seal, which the database wants at commit (issue 15).
        from documents.services import seal_case_file

        file_seal_items(debt, user)
        seal_case_file(debt, user)
        return StateChange.objects.filter(debt=debt).latest("pk")
    if target in GATED_TARGETS:
        f.authorise(debt, target, user)
    if target == State.CLEARED and debt.balance:
        kind = EntryKind.RECOVERY if debt.state == State.WRITTEN_OFF else EntryKind.PAYMENT
        ledger.post_entry(debt.pk, kind, debt.balance, date(2025, 3, 1), by=user, clear_on_zero=False)
    return lifecycle.apply_transition(debt.pk, target, by=user)


def debt_in(state, people, org):
    debt = f.debt(org["a"], people["handler"])
    for step in PATHS[state]:
        drive(debt, people["committee"], step)
        debt.refresh_from_db()
    assert debt.state == state
    return debt


def test_the_model_has_exactly_the_domain_edges():
    for target, sources in EDGES.items():
        assert lifecycle.allowed_sources(target) == {s.value for s in sources}, target


@pytest.mark.parametrize("source", ALL)
@pytest.mark.parametrize("target", list(EDGES))
def test_each_edge_allowed_or_refused(source, target, people, org):
    debt = debt_in(source, people, org)
    if source in EDGES[target]:
        change = drive(debt, people["committee"], target)
        debt.refresh_from_db()
        assert debt.state == target
        assert (change.from_state, change.to_state) == (source, target)
    else:
        # Refused at the authorisation already for a gated edge, and by the transition itself.
        if target in GATED_TARGETS:
            with pytest.raises(exceptions.LifecycleError):
                f.authorise(debt, target, people["committee"])
        with pytest.raises(exceptions.LifecycleError):
            lifecycle.apply_transition(debt.pk, target, by=people["committee"])
        debt.refresh_from_db()
        assert debt.state == source


def test_sealing_only_through_the_archive(people, org):
    from documents.services import case_file_for, is_sealed

    debt = debt_in(State.CLEARED, people, org)
    f.authorise(debt, State.SEALED, people["committee"])
    with pytest.raises(exceptions.GatedTransitionError, match="建档"):   # no 建档 items, wrong source
        lifecycle.apply_transition(debt.pk, State.SEALED)
    file_seal_items(debt, people["handler"])
    with pytest.raises(exceptions.GatedTransitionError, match="档案中完成"):  # items there, still not the archive
        lifecycle.apply_transition(debt.pk, State.SEALED)
    debt.refresh_from_db()
    assert debt.state == State.CLEARED and not is_sealed(case_file_for(debt))


@pytest.mark.parametrize("target", sorted(GATED_TARGETS))
def test_gated_edge_refused_without_authorisation(target, people, org):
    source = next(iter(EDGES[target]))
    debt = debt_in(source, people, org)
    before = StateChange.objects.filter(debt=debt).count()
    with pytest.raises(exceptions.GatedTransitionError, match="授权"):
        lifecycle.apply_transition(debt.pk, target, by=people["handler"])
    debt.refresh_from_db()
    assert debt.state == source
    assert StateChange.objects.filter(debt=debt).count() == before


def test_authorisation_is_for_one_debt_and_one_edge_and_consumed_once(people, org):
    debt = debt_in(State.OVERDUE, people, org)
    other = debt_in(State.OVERDUE, people, org)
    f.authorise(other, State.VISIT, people["committee"])
    f.authorise(debt, State.LEGAL, people["committee"])
    with pytest.raises(exceptions.GatedTransitionError):
        lifecycle.apply_transition(debt.pk, State.VISIT)  # the visit authorisation is another debt's
    change = lifecycle.apply_transition(debt.pk, State.LEGAL, by=people["committee"])
    assert change.authorisation.consumed_at is not None
    assert change.authorisation.debt_id == debt.pk


def test_authorisation_only_for_gated_targets(people, org):
    debt = f.debt(org["a"], people["handler"])
    with pytest.raises(exceptions.LifecycleError):
        f.authorise(debt, State.OVERDUE, people["committee"])


def test_state_cannot_be_assigned_directly(people, org):
    debt = f.debt(org["a"], people["handler"])
    with pytest.raises(AttributeError):
        debt.state = State.WRITTEN_OFF


def test_fsm_method_called_in_shell_without_authorisation_is_refused(people, org):
    from django_fsm import TransitionNotAllowed

    debt = debt_in(State.OVERDUE, people, org)
    with pytest.raises(TransitionNotAllowed):
        debt.write_off()


def test_bulk_update_to_gated_state_refused(people, org):
    debt = debt_in(State.OVERDUE, people, org)
    with pytest.raises(exceptions.GatedTransitionError):
        Debt.objects.filter(pk=debt.pk).update(state=State.WRITTEN_OFF)
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE


def test_debts_are_never_deleted(people, org):
    debt = debt_in(State.WRITTEN_OFF, people, org)
    with pytest.raises(exceptions.DebtDeletionRefused):
        debt.delete()
    with pytest.raises(exceptions.DebtDeletionRefused):
        Debt.objects.filter(pk=debt.pk).delete()
    assert Debt.objects.filter(pk=debt.pk).exists()


def test_conflict_when_state_changed_since_seen(people, org):
    debt = debt_in(State.OVERDUE, people, org)
    f.authorise(debt, State.VISIT, people["committee"])
    lifecycle.apply_transition(debt.pk, State.VISIT, expected_state=State.OVERDUE)
    f.authorise(debt, State.LEGAL, people["committee"])
    with pytest.raises(exceptions.TransitionConflict):
        lifecycle.apply_transition(debt.pk, State.LEGAL, expected_state=State.OVERDUE)
    debt.refresh_from_db()
    assert debt.state == State.VISIT


def test_history_rows_are_append_only_in_the_orm(people, org):
    debt = debt_in(State.OVERDUE, people, org)
    change = StateChange.objects.get(debt=debt)
    assert (change.by, change.from_state, change.to_state) == (people["committee"], "normal", "overdue")
    change.reason = "edited"
    with pytest.raises(AppendOnlyError):
        change.save()
    with pytest.raises(AppendOnlyError):
        change.delete()
    with pytest.raises(AppendOnlyError):
        StateChange.objects.filter(pk=change.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        StateChange.objects.all().delete()


@pytest.mark.postgres
def test_history_is_append_only_in_postgres_itself(people, org, on_postgres):
    debt = debt_in(State.OVERDUE, people, org)
    change = StateChange.objects.get(debt=debt)
    for sql in (f"UPDATE workflows_statechange SET reason = 'x' WHERE id = {change.pk}",
                f"DELETE FROM workflows_statechange WHERE id = {change.pk}",
                f"DELETE FROM workflows_ledgerentry WHERE debt_id = {debt.pk}",
                f"UPDATE workflows_ledgerentry SET amount = 1 WHERE debt_id = {debt.pk}"):
        # The trigger refuses it; as the application role, so does the missing privilege (issue 15).
        with pytest.raises(DatabaseError, match=r"Cannot|permission denied"), transaction.atomic(), \
                connection.cursor() as cur:
            cur.execute(sql)
    assert StateChange.objects.get(pk=change.pk).reason == change.reason


@pytest.mark.postgres
def test_raw_sql_cannot_reach_a_gated_state_in_postgres(people, org, on_postgres):
    debt = debt_in(State.OVERDUE, people, org)
    f.authorise(debt, State.WRITTEN_OFF, people["committee"])  # not consumed
    with pytest.raises(IntegrityError, match="without authorisation"), transaction.atomic(), \
            connection.cursor() as cur:
        cur.execute(f"UPDATE workflows_debt SET state = 'written_off' WHERE id = {debt.pk}")
    with pytest.raises(DatabaseError, match=r"Cannot|permission denied"), transaction.atomic(), \
            connection.cursor() as cur:
        cur.execute(f"DELETE FROM workflows_debt WHERE id = {debt.pk}")
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE


@pytest.mark.postgres
@pytest.mark.parametrize("source,target", [
    (State.SEALED, State.NORMAL),           # backwards, ungated target
    (State.WRITTEN_OFF, State.CLEARED),     # clearing with money still owed
    (State.OVERDUE, State.CLEARED),
    (State.OVERDUE, State.NORMAL),
    (State.CLEARED, State.OVERDUE),
    (State.NORMAL, State.CLEARED),          # only normal→overdue skips the check, nothing else from normal
])
def test_raw_sql_cannot_leave_the_lifecycle_in_postgres(source, target, people, org, on_postgres):
    debt = debt_in(source, people, org)
    if source == State.SEALED:
        pass  # balance 0: even then sealed is final
    with pytest.raises(IntegrityError, match=r"may not (move|be cleared)"), transaction.atomic(), \
            connection.cursor() as cur:
        cur.execute(f"UPDATE workflows_debt SET state = '{target}' WHERE id = {debt.pk}")
    debt.refresh_from_db()
    assert debt.state == source


@pytest.mark.postgres
def test_raw_sql_follows_ungated_edges_in_postgres(people, org, on_postgres):
    """The daily clock's set-based SQL moves normal→overdue; clearing needs a zero balance."""
    debt = f.debt(org["a"], people["handler"], amount="10.00")
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE workflows_debt SET state = 'overdue' WHERE id = {debt.pk}")
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, "10.00", date(2025, 3, 1), clear_on_zero=False)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"UPDATE workflows_debt SET state = 'cleared' WHERE id = {debt.pk}")
    debt.refresh_from_db()
    assert debt.state == State.CLEARED


@pytest.mark.postgres
def test_raw_sql_cannot_insert_a_debt_in_another_state(people, org, on_postgres):
    debt = f.debt(org["a"], people["handler"])
    with pytest.raises(IntegrityError, match="registered in state normal"), transaction.atomic(), \
            connection.cursor() as cur:
        cur.execute(
            "INSERT INTO workflows_debt (code, debtor_id, contract_id, category, unit_id, handler_id,"
            " responsible_id, due_date, state, key_monitoring, balance, written_off_amount, created_at)"
            f" SELECT 'X-1', debtor_id, contract_id, category, unit_id, handler_id, responsible_id, due_date,"
            f" 'written_off', false, 0, 0, now() FROM workflows_debt WHERE id = {debt.pk}")


def test_orm_bulk_paths_cannot_touch_the_state(people, org):
    from django.db.models import Value

    debt = debt_in(State.OVERDUE, people, org)
    for attempt in (
        lambda: Debt.objects.filter(pk=debt.pk).update(state=Value("written_off")),
        lambda: Debt.objects.filter(pk=debt.pk).update(state="normal"),
        lambda: Debt._base_manager.filter(pk=debt.pk).update(state="legal"),
        lambda: Debt.objects.bulk_update([Debt(pk=debt.pk, state="visit")], ["state"]),
    ):
        with pytest.raises(exceptions.GatedTransitionError):
            attempt()
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE


def test_a_debt_is_registered_normal(people, org):
    template = f.debt(org["a"], people["handler"])
    fields = dict(debtor=template.debtor, contract=template.contract, category="receivable", unit=template.unit,
                  handler=template.handler, responsible=template.handler, due_date=template.due_date)
    with pytest.raises(exceptions.GatedTransitionError):
        Debt.objects.create(code="X-2", state=State.WRITTEN_OFF, **fields)
    with pytest.raises(exceptions.GatedTransitionError):
        Debt.objects.bulk_create([Debt(code="X-3", state=State.SEALED, **fields)])
    assert not Debt.objects.filter(code__in=["X-2", "X-3"]).exists()


def test_saving_a_stale_copy_cannot_change_the_state(people, org):
    from django_fsm import ConcurrentTransition

    debt = debt_in(State.OVERDUE, people, org)
    with pytest.raises((ConcurrentTransition, exceptions.GatedTransitionError)):
        Debt(pk=debt.pk, code=debt.code, debtor=debt.debtor, contract=debt.contract, category=debt.category,
             unit=debt.unit, handler=debt.handler, responsible=debt.responsible, due_date=debt.due_date,
             state=State.VISIT).save()
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE


def test_authorisation_is_for_the_edge_it_was_approved_on(people, org):
    """Approved while overdue for →legal; after the debt moved to visit it no longer applies."""
    debt = debt_in(State.OVERDUE, people, org)
    f.authorise(debt, State.LEGAL, people["committee"])
    f.authorise(debt, State.VISIT, people["committee"])
    lifecycle.apply_transition(debt.pk, State.VISIT)
    with pytest.raises(exceptions.GatedTransitionError):
        lifecycle.apply_transition(debt.pk, State.LEGAL)
    debt.refresh_from_db()
    assert debt.state == State.VISIT


def test_authorisation_refused_for_an_edge_the_debt_cannot_take(people, org):
    debt = f.debt(org["a"], people["handler"])  # normal: →written_off is no edge from here
    with pytest.raises(exceptions.LifecycleError, match="不能转为"):
        f.authorise(debt, State.WRITTEN_OFF, people["committee"])


@pytest.mark.parametrize("field", ["unit", "debtor", "contract"])
def test_a_written_off_debt_cannot_be_moved_on_any_orm_path(field, people, org, caplog):
    """Rule R3.10: its unit, debtor and contract stay; every attempt is logged; nothing half-done."""
    debt = debt_in(State.WRITTEN_OFF, people, org)
    other = f.debt(org["b"], people["handler_b"])                 # an open debt that may be moved
    elsewhere = {"unit": org["b"], "debtor": other.debtor, "contract": other.contract}[field]
    with pytest.raises(exceptions.WrittenOffDebtImmovable, match=debt.code):
        Debt.objects.filter(pk__in=[debt.pk, other.pk]).update(**{field: elsewhere})
    with pytest.raises(exceptions.WrittenOffDebtImmovable):
        Debt.objects.filter(pk=debt.pk).update(**{f"{field}_id": elsewhere.pk})
    copy = Debt.objects.get(pk=debt.pk)
    setattr(copy, field, elsewhere)
    with pytest.raises(exceptions.WrittenOffDebtImmovable):
        Debt.objects.bulk_update([copy], [field])
    with pytest.raises(exceptions.WrittenOffDebtImmovable):
        copy.save()
    with pytest.raises(ValidationError) as form_error:
        copy.clean()
    assert field in form_error.value.message_dict
    fresh = Debt.objects.get(pk=debt.pk)
    assert getattr(fresh, f"{field}_id") == getattr(debt, f"{field}_id")
    assert Debt.objects.get(pk=other.pk).unit == org["b"]       # the mixed update did nothing
    assert sum("refused: moving written-off debts" in r.getMessage() for r in caplog.records) == 4
    # an open debt still moves
    Debt.objects.filter(pk=other.pk).update(unit=org["a"])
    assert Debt.objects.get(pk=other.pk).unit == org["a"]


@pytest.mark.postgres
def test_raw_sql_cannot_move_a_written_off_debt_in_postgres(people, org, on_postgres):
    debt = debt_in(State.WRITTEN_OFF, people, org)
    for sql in (f"UPDATE workflows_debt SET unit_id = {org['b'].pk} WHERE id = {debt.pk}",
                f"UPDATE workflows_debt SET debtor_id = {f.debtor().pk} WHERE id = {debt.pk}"):
        with pytest.raises(IntegrityError, match="keeps its unit"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql)
    assert Debt.objects.get(pk=debt.pk).unit == org["a"]
