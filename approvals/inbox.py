"""The approval inbox: my tasks and the tasks I may claim through my roles, in one query
over StepInfo (our own table, indexed for it) joined to viewflow's task."""
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from workflows.roles import LABELS
from workflows.scoping import unit_ids_in_scope

from .four_eyes import decided_elsewhere
from .models import StepInfo

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def task_url(task):
    from .frontend import url

    return url("task", task.pk)


def execute_url(task):
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


def user_roles(user):
    return list(user.groups.filter(name__in=list(LABELS)).values_list("name", flat=True))


def open_steps(user, *, mine=True, claimable=True):
    """StepInfo rows of open tasks assigned to `user` or claimable by them, without the ones
    four-eyes bars them from (four_eyes.why_not still refuses them on the server)."""
    conditions = Q()
    if mine:
        conditions |= Q(owner=user)
    if claimable:
        roles = user_roles(user)
        if roles:
            scope = unit_ids_in_scope(user)
            # Every approval step has a role; role "" is a rework step, owned by its requester.
            claim = Q(owner__isnull=True) & Q(role__in=roles) & ~Q(requested_by=user)
            if scope is not None:
                claim &= Q(unit_id_scope__isnull=True) | Q(unit_id_scope__in=scope)
            conditions |= claim
    if not conditions:
        return StepInfo.objects.none()
    # One person signs at most one step of a chain: a set-based NOT EXISTS, not a per-row check.
    # Rework steps (role "") are the requester's own and are not subject to it; that test sits
    # inside the subquery so PostgreSQL can still plan an anti-join instead of an OR'ed subplan.
    barred = Exists(decided_elsewhere(OuterRef("process_id"), user, OuterRef("step"))
                    .exclude(Exact(OuterRef("role"), Value(""))))
    return StepInfo.objects.filter(open=True).filter(conditions).filter(~barred)


PER_PAGE = 25


def page_of(steps, number, per_page=PER_PAGE):
    """One page, in two steps: ids from StepInfo alone (its indexes answer that), then the 25
    rows with their debt, debtor, process and task. Joining first would join every match."""
    from django.core.paginator import Paginator

    page = Paginator(steps.order_by("due_at", "pk").values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {s.pk: s for s in StepInfo.objects.filter(pk__in=ids).select_related(
        "task", "task__owner", "debt", "debt__debtor", "process")}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def counts(user):
    mine = open_steps(user, claimable=False).count()
    claimable = open_steps(user, mine=False).count()
    overdue = open_steps(user).filter(due_at__lt=timezone.now()).count()
    return {"mine": mine, "claimable": claimable, "overdue": overdue}


def candidates(step, task):
    """Users who could claim a new task (notified when it appears)."""
    from workflows.models import User

    process = task.process.coerced
    role = step.role_for(process)
    users = User.objects.filter(is_active=True, groups__name=role)
    return [u for u in users.distinct()[:50] if step.why_not(u, task) is None]
