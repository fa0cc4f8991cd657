"""StepInfo follows its task (migration 0027): the database copies the task's owner and open
flag in the statement that changes the task, whatever path changed it, with no receiver in
Python; the migration runs both ways."""
import pytest
from django.db import connection
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.models import Chain, StepInfo

from .helpers import act, claim, open_task, overdue_debt, start
from .test_migrations import latest, migrate


def trigger_installed() -> bool:
    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            c.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'qq_step_info_follows_task'")
        else:
            c.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'qq_step_info_follows_task'")
        return c.fetchone() is not None


@pytest.mark.django_db
def test_a_queryset_update_of_the_task_moves_its_step_info(org, people):
    """No post_save is sent by .update(): only the trigger can have written StepInfo."""
    _, process = start(people["handler"], Chain.VISIT, overdue_debt(org, people), reason="上门")
    task = open_task(process, "head_approval")
    info = StepInfo.objects.get(task=task)
    assert info.open and info.owner_id is None
    Task.objects.filter(pk=task.pk).update(owner=people["committee_head"], status=STATUS.ASSIGNED)
    info.refresh_from_db()
    assert info.open and info.owner_id == people["committee_head"].pk
    Task.objects.filter(pk=task.pk).update(status=STATUS.CANCELED)
    info.refresh_from_db()
    assert not info.open and info.owner_id == people["committee_head"].pk
    Task.objects.filter(pk=task.pk).update(owner=None, status=STATUS.NEW)
    info.refresh_from_db()
    assert info.open and info.owner_id is None


@pytest.mark.django_db
def test_claim_and_decision_move_the_step_info_without_writing_it_themselves(org, people):
    _, process = start(people["handler"], Chain.VISIT, overdue_debt(org, people), reason="上门")
    task = open_task(process, "head_approval")
    claim(people["committee_head"], task)
    info = StepInfo.objects.get(task=task)
    assert info.open and info.owner_id == people["committee_head"].pk
    act(people["committee_head"], process, "head_approval")
    info.refresh_from_db()
    assert not info.open and info.owner_id == people["committee_head"].pk


@pytest.mark.django_db(transaction=True)
def test_the_trigger_migration_is_reversible(org, people):
    assert trigger_installed()
    try:
        migrate([("approvals", "0026_i18_joint_group")])
        assert not trigger_installed()
    finally:
        migrate(latest())
    assert trigger_installed()
