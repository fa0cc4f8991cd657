"""Approval chain of a clearing plan (rule R6.3; its deadline R6.2) on viewflow:

经办人提交 (deadline 31 January; a late plan is flagged) → 清欠小组审批: approve, reject, or
return for rework → the handler revises and resubmits → 清欠小组 again.

Uses viewflow's own Process model (the plan is the process artifact), so it needs no tables
of its own. The class stays in this module: viewflow stores its path with every process and
task ("workflows/plan_flow.ClearingPlanFlow"). Its steps live in workflows.plans (nodes,
views, chain); decisions are made by workflows.plans.targets.
"""
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.lock import select_for_update_lock

from workflows.plans import chain
from workflows.plans import targets as plans
from workflows.plans.nodes import CommitteeReview, HandlerRevision, plan_of
from workflows.plans.views import PlanReviewView, PlanReviseView
from workflows.reports.scope import may_open_reports

APPROVE_PERMISSION = "workflows.approve_clearingplan"


class ClearingPlanFlow(flow.Flow):
    """清欠计划审批

    经办人提交年度清欠计划 → 清欠小组审批（批准/驳回/退回修改）。
    """

    process_title = _("清欠计划审批")
    process_description = _("经办人提交年度清欠计划 → 清欠小组审批（批准/驳回/退回修改）。")
    lock_impl = select_for_update_lock

    start = flow.StartHandle(this.start_plan).Next(this.review)
    review = (
        CommitteeReview(PlanReviewView.as_view())
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
        HandlerRevision(PlanReviseView.as_view())
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

    def has_view_permission(self, user, obj=None):
        return may_open_reports(user)


chain.register(ClearingPlanFlow)
