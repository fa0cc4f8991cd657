"""The chain's lock (approvals.chain_lock): viewflow's NOWAIT row lock, retried after short,
doubling pauses. On PostgreSQL, with the row held by a real second transaction; the pauses are
recorded instead of slept (a schedule, not a time)."""
import itertools
import threading

import pytest
from django.db import connection
from viewflow.workflow.exceptions import FlowLockFailed

from approvals import chain_lock
from approvals.access import CHAIN_LOCK, _Chains
from approvals.authority import ensure_default_matrix

from .test_statement_budgets import start_write_off
from .test_write_off import bankrupt_debt

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_retries_start_within_tens_of_milliseconds_and_last_as_long_as_viewflows():
    pauses = [CHAIN_LOCK.pause(i) for i in range(CHAIN_LOCK.attempts - 1)]
    assert 0.01 <= pauses[0] <= 0.015   # viewflow's first is 0.4-0.8 s
    assert all(later > earlier for earlier, later in itertools.pairwise(pauses))
    assert 2.5 <= sum(pauses) <= 4.0


@pytest.fixture
def chain(on_postgres, org, people):
    ensure_default_matrix()   # a transactional test before this one flushed it
    process, _ = start_write_off(people, bankrupt_debt(org, people))
    return process


class Holder:
    """Another connection holding the chain's row in an open transaction until released."""

    def __init__(self, pk):
        self.held, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold, args=(pk,))

    def _hold(self, pk):
        try:
            with CHAIN_LOCK(_Chains, pk):
                self.held.set()
                self.release.wait(30)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.held.wait(10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(30)


def test_the_lock_is_taken_at_the_first_retry_after_the_holder_commits(chain, monkeypatch):
    slept = []
    with Holder(chain.pk) as holder:
        def pause(seconds):
            slept.append(seconds)
            if len(slept) == 2:   # the holder commits during the second pause
                holder.release.set()
                holder.thread.join(30)
        monkeypatch.setattr(chain_lock.time, "sleep", pause)
        with CHAIN_LOCK(_Chains, chain.pk):
            got_it = True
    assert got_it and len(slept) == 2 and slept[0] < 0.02


def test_a_lock_held_throughout_fails_after_every_attempt(chain, monkeypatch):
    slept = []
    monkeypatch.setattr(chain_lock.time, "sleep", slept.append)
    with Holder(chain.pk), pytest.raises(FlowLockFailed), CHAIN_LOCK(_Chains, chain.pk):
        pytest.fail("the lock was taken while another transaction held the row")
    assert len(slept) == CHAIN_LOCK.attempts - 1
