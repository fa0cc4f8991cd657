"""The claim's lock (access.task_under_lock): the row the chain's flow lock takes, found by the
task, the task then loaded under it. On PostgreSQL, with real concurrent transactions."""
import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from approvals import inbox
from approvals.access import task_under_lock
from approvals.authority import ensure_default_matrix
from approvals.models import ChainProcess

from .helpers import client_for, open_task
from .test_statement_budgets import start_write_off
from .test_write_off import bankrupt_debt

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting_task(on_postgres, org, people):
    ensure_default_matrix()   # a transactional test before this one flushed it
    process, _ = start_write_off(people, bankrupt_debt(org, people))
    return process, open_task(process, "committee_review")


def test_a_claim_waits_for_the_chains_flow_lock_and_then_wins(people, waiting_task):
    """Whoever holds the chain's flow lock (viewflow's, as a decision or a cancel takes it) makes
    the claim's NOWAIT fail; it retries as the flow lock does and claims once the holder is done."""
    process, task = waiting_task
    held, released = threading.Event(), threading.Event()

    def hold():
        try:
            with process.flow_class.lock(process.pk):
                held.set()
                time.sleep(1.0)
                released.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    c = client_for(people["committee"])
    response = c.post(inbox.task_url(task))
    holder.join(30)
    assert released.is_set() and response.status_code == 302
    task.refresh_from_db()
    assert task.owner_id == people["committee"].pk


def test_the_claims_lock_holds_the_chain_row(people, waiting_task):
    """While the claim's lock is held, another transaction's NOWAIT on the chain process's row
    fails: it is the row the flow's lock takes."""
    process, task = waiting_task
    refused = []

    def probe():
        try:
            with transaction.atomic():
                ChainProcess.objects.select_for_update(nowait=True).filter(pk=process.pk).exists()
        except DatabaseError:
            refused.append(True)
        finally:
            connection.close()

    with task_under_lock(task.pk, people["committee"]) as loaded:
        assert loaded.pk == task.pk and loaded.process.chainprocess.debt_id == process.debt_id
        t = threading.Thread(target=probe)
        t.start()
        t.join(30)
    assert refused == [True]
