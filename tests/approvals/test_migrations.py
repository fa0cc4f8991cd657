"""Approvals migrations 0004 (roles 保管/验收人员) and 0005 (StepInfo.step) run both ways."""
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from approvals.models import Chain, StepInfo
from workflows import db_roles

from .helpers import overdue_debt, start

BEFORE = [("approvals", "0003_step_owner_copy")]


def migrate(targets):
    with db_roles.as_owner():  # schema changes are the owner's (issue 15)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
    db_roles.grant_configured()  # tables made again get the application role's grants, as after migrate


def latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "approvals"]


def step_columns():
    with connection.cursor() as c:
        return [col.name for col in connection.introspection.get_table_description(c, "approvals_stepinfo")]


@pytest.mark.django_db(transaction=True)
def test_roles_and_step_migrations_are_reversible(org, people):
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.VISIT, debt, reason="上门")
    info = StepInfo.objects.get(process=process)
    assert info.step == "head_approval"
    untouched = set(Group.objects.exclude(name__in=["custodian", "inspector"]).values_list("name", flat=True))
    try:
        migrate(BEFORE)
        assert "step" not in step_columns()
        assert not Group.objects.filter(name__in=["custodian", "inspector"]).exists()
        # Reverse removes just those two groups.
        assert set(Group.objects.values_list("name", flat=True)) == untouched
    finally:
        migrate(latest())
    assert "step" in step_columns()
    # Rows made before 0005 get their step from the task's node.
    assert StepInfo.objects.get(pk=info.pk).step == "head_approval"
    for code in ("custodian", "inspector"):
        group = Group.objects.get(name=code)
        perms = set(group.permissions.values_list("content_type__app_label", "codename"))
        assert ("workflows", "view_debt") in perms and ("approvals", f"role_{code}") in perms
