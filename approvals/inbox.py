"""The approval inbox: my tasks and the tasks I may claim through my roles, in one query
over StepInfo (our own table, indexed for it) joined to viewflow's task."""
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.lookups import Exact
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User
from workflows.roles import LABELS, roles_of
from workflows.scoping import unit_ids_in_scope

from .four_eyes import Step, decided_elsewhere, eligible_users
from .models import StepInfo

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def task_url(task: Task) -> str:
    return reverse("approvals:task", args=[task.pk])


def execute_url(task: Task) -> str:
    return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


def user_roles(user: User) -> list[str]:
    return sorted(r for r in roles_of(user) if r in LABELS)


def _conditions(user: User, *, mine: bool, claimable: bool) -> tuple[Q | None, Q | None]:
    """The two halves of the inbox: assigned to `user`, and claimable by them through their roles."""
    own = Q(owner=user) if mine else None
    claim = None
    if claimable:
        roles = user_roles(user)
        if roles:
            scope = unit_ids_in_scope(user)
            # Every approval step has a role; role "" is a rework step, owned by its requester.
            claim = Q(owner__isnull=True) & Q(role__in=roles) & ~Q(requested_by=user)
            if scope is not None:
                claim &= Q(unit_id_scope__isnull=True) | Q(unit_id_scope__in=scope)
    return own, claim


def _open_and_not_barred(user: User, conditions: Q) -> QuerySet[StepInfo]:
    # One person signs at most one step of a chain: a set-based NOT EXISTS, not a per-row check.
    # Rework steps (role "") are the requester's own and are not subject to it; that test sits
    # inside the subquery so PostgreSQL can still plan an anti-join instead of an OR'ed subplan.
    barred = Exists(decided_elsewhere(OuterRef("process_id"), user, OuterRef("step"))
                    .exclude(Exact(OuterRef("role"), Value(""))))
    # Rule R4.152 as joint.why_not_twice says it: another member's task of the same pass that the
    # user holds bars an unclaimed one, one they decided bars every other.
    same_pass = (StepInfo.objects.filter(joint_group=OuterRef("joint_group"), owner=user)
                 .exclude(joint_group="").exclude(pk=OuterRef("pk")))
    return (StepInfo.objects.filter(open=True).filter(conditions).filter(~barred)
            .exclude(Q(owner__isnull=True) & Exists(same_pass))
            .exclude(Exists(same_pass.filter(open=False, task__status="DONE"))))


def open_steps(user: User, *, mine: bool = True, claimable: bool = True) -> QuerySet[StepInfo]:
    """StepInfo rows of open tasks assigned to `user` or claimable by them, without the ones
    four-eyes bars them from (four_eyes.why_not still refuses them on the server)."""
    own, claim = _conditions(user, mine=mine, claimable=claimable)
    conditions = Q()
    for part in (own, claim):
        if part is not None:
            conditions |= part
    if not conditions:
        return StepInfo.objects.none()
    return _open_and_not_barred(user, conditions)


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
    """Mine, claimable and overdue (of both) in one statement over open_steps' rows."""
    own, claim = _conditions(user, mine=True, claimable=True)
    figures = {"mine": Count("pk", filter=own), "overdue": Count("pk", filter=Q(due_at__lt=timezone.now()))}
    if claim is not None:
        figures["claimable"] = Count("pk", filter=claim)
    found = _open_and_not_barred(user, own if claim is None else own | claim).aggregate(**figures)
    return {name: found.get(name) or 0 for name in ("mine", "claimable", "overdue")}


def request_counts(request: HttpRequest) -> dict[str, int]:
    """counts(request.user) once per request: the menu and the inbox page show the same figures
    (issue 20 item 3)."""
    if not hasattr(request, "_qq_approval_counts"):
        request._qq_approval_counts = counts(request.user)
    return request._qq_approval_counts


def candidates(step: Step, task: Task) -> QuerySet[User]:
    """Users who could claim a new task (notified when it appears): one query, whatever the
    size of the role (four_eyes.eligible_users; why_not still decides on the server)."""
    return eligible_users(step, task.process.coerced, task=task).order_by("pk")
