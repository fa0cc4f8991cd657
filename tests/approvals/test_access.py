"""A task or a chain of a debt outside the user's units is 404 on every route that loads it
(approvals.access): our task and process pages and viewflow's own task routes alike, so that
nobody learns the debt code, debtor, chain or deadline of another unit's case."""
from datetime import timedelta

import pytest
from django.utils import timezone

from approvals.delegation import record_absence
from approvals.models import Chain, Decision
from tests import factories as f

from .helpers import act, client_for, open_task, overdue_debt, start

pytestmark = pytest.mark.django_db

TASK_ROUTES = ("index", "detail", "execute", "assign", "unassign", "cancel", "undo", "revive")


@pytest.fixture
def visit(org, people):
    """Unit A's debt with a visit plan waiting for the 清欠小组组长's approval."""
    debt = overdue_debt(org, people)
    debt.debtor.name = "大连某某机械厂"
    debt.debtor.save()
    response, process = start(people["handler"], Chain.VISIT, debt, reason="上门催收")
    assert response.status_code == 302
    return debt, process, open_task(process, "head_approval")


def test_another_units_handler_gets_404_for_the_task_and_the_chain(people, visit):
    debt, process, task = visit
    c = client_for(people["handler_b"])
    page = c.get(f"/approvals/task/{task.pk}/")
    assert page.status_code == 404
    assert debt.code not in page.content.decode() and "大连某某机械厂" not in page.content.decode()
    assert c.post(f"/approvals/task/{task.pk}/").status_code == 404          # claim
    assert c.get(f"/approvals/process/{process.pk}/").status_code == 404
    for route in TASK_ROUTES:
        url = task.flow_task.reverse(route, args=[process.pk, task.pk])
        assert c.get(url).status_code == 404, route
        assert c.post(url, {"decision": "approve", "comment": "x"}).status_code == 404, route
    task.refresh_from_db()
    assert task.owner_id is None and not Decision.objects.filter(task=task).exists()


def test_in_scope_users_still_see_the_task(people, visit):
    debt, process, task = visit
    # The requester (same unit) reads it, with the reason they may not act on it.
    own = client_for(people["handler"]).get(f"/approvals/task/{task.pk}/")
    assert own.status_code == 200
    assert debt.code in own.content.decode() and "申请人不能审批自己的申请" in own.content.decode()
    # The 清欠小组组长 (every unit) reads it and claims it.
    head = client_for(people["committee_head"])
    assert head.get(f"/approvals/task/{task.pk}/").status_code == 200
    assert head.get(task.flow_task.reverse("detail", args=[process.pk, task.pk])).status_code != 404
    assert head.post(f"/approvals/task/{task.pk}/").status_code == 302
    assert head.get(f"/approvals/process/{process.pk}/").status_code == 200


def test_a_task_handed_to_a_delegate_of_another_unit_is_theirs_to_read(org, people, visit):
    """The requester is away: the returned request goes to their delegate, who holds the same
    role in another unit. The task is assigned to them, so they read and resubmit it."""
    _debt, process, _ = visit
    now = timezone.now()
    record_absence(people["handler"], people["handler_b"], now - timedelta(hours=1), now + timedelta(days=3))
    returned = act(people["committee_head"], process, "head_approval", decision="return", comment="补充计划")
    assert returned.status_code == 302
    rework = open_task(process, "rework")
    assert rework.owner == people["handler_b"]
    c = client_for(people["handler_b"])
    assert c.get(f"/approvals/task/{rework.pk}/").status_code == 302          # on to the decision form
    assert act(people["handler_b"], process, "rework", comment="已补充").status_code == 302
    # The chain itself stays out of their scope.
    assert c.get(f"/approvals/process/{process.pk}/").status_code == 404
    other = f.user("handler_b2", "handler", org["b"])
    assert client_for(other).get(f"/approvals/task/{rework.pk}/").status_code == 404
