"""The clearing-plan chain as the plan pages and services see it.

The pages never import the flow (views never import flows: the flow imports its views), so
the flow registers itself here when workflows.plan_flow is imported (WorkflowsConfig.ready)."""
from django.http import Http404
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from workflows.models import ClearingPlan, User
from workflows.plans.targets import plans_for

_flow = None


def register(flow_class):
    global _flow
    _flow = flow_class


def flow_class():
    if _flow is None:  # pragma: no cover - WorkflowsConfig.ready() imports the flow
        raise RuntimeError("the clearing-plan flow is not registered (workflows.plan_flow)")
    return _flow


def submit(plan: ClearingPlan, by: User) -> Process:
    """The handler submits a draft plan: starts the chain (its first step: 清欠小组)."""
    return flow_class().start.run(plan=plan, by=by)


def _open_task(plan, node):
    return (Task.objects.filter(process__artifact_object_id=plan.pk, flow_task=node,
                                process__flow_class=flow_class(),
                                status__in=[STATUS.NEW, STATUS.ASSIGNED]).order_by("-pk").first())


def open_review_task(plan: ClearingPlan) -> Task | None:
    return _open_task(plan, flow_class().review)


def open_revise_task(plan: ClearingPlan) -> Task | None:
    return _open_task(plan, flow_class().revise)


def check_route(user: User, *, process_pk: int, task_pk: int | None = None) -> None:
    """viewflow's own routes of the plan chain (workflows.flow_routes): the plan must be one the
    user may see (plans_for: a handler their own), the task one of that process; else Http404."""
    plan_id = (Process.objects.filter(pk=process_pk, flow_class=flow_class())
               .values_list("artifact_object_id", flat=True).first())
    if plan_id is None or not plans_for(user).filter(pk=plan_id).exists():
        raise Http404("No clearing plan matches the given query.")
    if task_pk is not None and not Task.objects.filter(pk=task_pk, process_id=process_pk).exists():
        raise Http404("No clearing plan task matches the given query.")
