"""The nodes of the clearing-plan chain (workflows.plan_flow): who may take and perform each step.
Four eyes (rule R6.3): the review step refuses the plan's handler even if they hold a 清欠小组
role; the revision step belongs to the handler alone."""
from viewflow.utils import is_owner
from viewflow.workflow import flow

from workflows.plans import targets as plans


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
