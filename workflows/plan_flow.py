"""Approval chain of a clearing plan (DOMAIN §6) on viewflow:

经办人提交 (deadline 31 January; a late plan is flagged) → 清欠小组审批: approve, reject, or
return for rework → the handler revises and resubmits → 清欠小组 again.

Uses viewflow's own Process model (the plan is the process artifact), so it needs no tables
of its own. Four eyes: the review step refuses the plan's handler even if they hold a 清欠小组
role; the revision step belongs to the handler alone. Decisions are made by workflows.plans.
"""
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.utils import is_owner
from viewflow.workflow import flow
from viewflow.workflow.lock import select_for_update_lock

from . import plans
from .report_scope import may_open_reports

APPROVE_PERMISSION = "workflows.approve_clearingplan"


def plan_of(process):
    return process.artifact


class CommitteeReview(flow.View):
    """清欠小组's decision; the handler of the plan may never take or perform it."""

    def can_assign(self, user, task):
        return task.owner_id is None and plans.may_approve(user, plan_of(task.process))

    def can_execute(self, user, task):
        return is_owner(task.owner, user) and plans.may_approve(user, plan_of(task.process))


class HandlerRevision(flow.View):
    def can_assign(self, user, task):
        return False

    def can_execute(self, user, task):
        return is_owner(task.owner, user) and user.pk == plan_of(task.process).handler_id


class ClearingPlanFlow(flow.Flow):
    """清欠计划审批

    经办人提交年度清欠计划 → 清欠小组审批（批准/驳回/退回修改）。
    """

    process_title = _("清欠计划审批")
    process_description = _("经办人提交年度清欠计划 → 清欠小组审批（批准/驳回/退回修改）。")
    lock_impl = select_for_update_lock

    start = flow.StartHandle(this.start_plan).Next(this.review)
    review = (
        CommitteeReview(this.review_view)
        .Annotation(title=_("清欠小组审批清欠计划"))
        .Permission(APPROVE_PERMISSION)
        .Next(this.route)
    )
    route = (
        flow.Switch()
        .Case(this.approved, lambda activation: activation.process.data.get("decision") == "approve")
        .Case(this.revise, lambda activation: activation.process.data.get("decision") == "return")
        .Default(this.rejected)
    )
    revise = (
        HandlerRevision(this.revise_view)
        .Annotation(title=_("经办人修改清欠计划"))
        .Assign(lambda activation: plan_of(activation.process).handler)
        .Next(this.review)
    )
    approved = flow.End()
    rejected = flow.End()

    def start_plan(self, activation, plan, by):
        plans.mark_submitted(plan, by)
        activation.process.artifact = plan
        activation.process.data = {"plan": plan.pk, "submitted_by": by.pk, "late": plan.submitted_late}
        return activation.process

    # The views live in report_views, which imports this module: resolve them on first use.
    def review_view(self, request, **kwargs):
        from .report_views import PlanReviewView

        return PlanReviewView.as_view()(request, **kwargs)

    def revise_view(self, request, **kwargs):
        from .report_views import PlanReviseView

        return PlanReviseView.as_view()(request, **kwargs)

    def has_view_permission(self, user, obj=None):
        return may_open_reports(user)


def submit(plan, by):
    """The handler submits a draft plan: starts the chain (its first step: 清欠小组)."""
    return ClearingPlanFlow.start.run(plan=plan, by=by)


def open_review_task(plan):
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    return (Task.objects.filter(process__artifact_object_id=plan.pk, flow_task=ClearingPlanFlow.review,
                                process__flow_class=ClearingPlanFlow,
                                status__in=[STATUS.NEW, STATUS.ASSIGNED]).order_by("-pk").first())


def open_revise_task(plan):
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    return (Task.objects.filter(process__artifact_object_id=plan.pk, flow_task=ClearingPlanFlow.revise,
                                process__flow_class=ClearingPlanFlow,
                                status__in=[STATUS.NEW, STATUS.ASSIGNED]).order_by("-pk").first())
