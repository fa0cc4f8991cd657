"""Two simultaneous transitions of one debt: exactly one wins (PostgreSQL row lock)."""
import threading

import pytest
from django.db import connection

from tests import factories as f
from workflows import exceptions, lifecycle
from workflows.models import Debt, State, StateChange


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_one_winner(on_postgres):
    from workflows.roles import COMMITTEE, HANDLER

    unit = f.unit("CC", "并发单位")
    handler = f.user("cc_handler", HANDLER, unit)
    approver = f.user("cc_committee", COMMITTEE, unit)
    debt = f.debt(unit, handler)
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    f.authorise(debt, State.WRITTEN_OFF, approver)
    f.authorise(debt, State.SETTLED_IN_KIND, approver)

    barrier = threading.Barrier(2)
    results = {}

    def attempt(target):
        try:
            barrier.wait()
            lifecycle.apply_transition(debt.pk, target, by=approver, expected_state=State.OVERDUE)
            results[target] = "ok"
        except exceptions.LifecycleError as exc:
            results[target] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(t,)) for t in (State.WRITTEN_OFF, State.SETTLED_IN_KIND)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    winners = [t for t, r in results.items() if r == "ok"]
    losers = [r for r in results.values() if r != "ok"]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], exceptions.TransitionConflict)
    assert "他人" in str(losers[0])
    debt.refresh_from_db()
    assert debt.state == winners[0]
    assert StateChange.objects.filter(debt=debt, from_state=State.OVERDUE).count() == 1
    # The loser's authorisation is still unused, nothing of it changed.
    loser_target = ({State.WRITTEN_OFF, State.SETTLED_IN_KIND} - set(winners)).pop()
    assert debt.authorisations.get(target=loser_target).consumed_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_save_of_stale_instance_is_refused(on_postgres):
    """Belt and braces: a stale in-memory debt cannot overwrite a newer state (ConcurrentTransitionMixin)."""
    from django_fsm import ConcurrentTransition

    from workflows.roles import HANDLER

    unit = f.unit("CD", "并发单位2")
    handler = f.user("cd_handler", HANDLER, unit)
    debt = f.debt(unit, handler)
    stale = Debt.objects.get(pk=debt.pk)
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    stale.mark_overdue()
    with pytest.raises(ConcurrentTransition):
        stale.save()
