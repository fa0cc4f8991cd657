"""The approval inbox: my tasks and the tasks I may claim through my roles, in one query
over StepInfo (our own table, indexed for it) joined to viewflow's task."""
from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User
from workflows.roles import LABELS
from workflows.scoping import unit_ids_in_scope

from .four_eyes import Step, decided_elsewhere, eligible_users
from .models import StepInfo

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def task_url(task: Task) -> str:
    return reverse("approvals:task", args=[task.pk])


def execute_url(task: Task) -> str:
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


def user_roles(user: User) -> list[str]:
    return list(user.groups.filter(name__in=list(LABELS)).values_list("name", flat=True))


def open_steps(user: User, *, mine: bool = True, claimable: bool = True) -> QuerySet[StepInfo]:
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


def page_of(steps: QuerySet[StepInfo], number: int | str | None, per_page: int = PER_PAGE) -> Page:
    """One page, in two steps: ids from StepInfo alone (its indexes answer that), then the 25
    rows with their debt, debtor, process and task. Joining first would join every match."""
    page = Paginator(steps.order_by("due_at", "pk").values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {s.pk: s for s in StepInfo.objects.filter(pk__in=ids).select_related(
        "task", "task__owner", "debt", "debt__debtor", "process")}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def counts(user: User) -> dict[str, int]:
    mine = open_steps(user, claimable=False).count()
    claimable = open_steps(user, mine=False).count()
    overdue = open_steps(user).filter(due_at__lt=timezone.now()).count()
    return {"mine": mine, "claimable": claimable, "overdue": overdue}


def candidates(step: Step, task: Task) -> QuerySet[User]:
    """Users who could claim a new task (notified when it appears): one query, whatever the
    size of the role (four_eyes.eligible_users; why_not still decides on the server)."""
    return eligible_users(step, task.process.coerced).order_by("pk")
