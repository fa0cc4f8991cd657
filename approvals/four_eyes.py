"""Who may take and complete a step (DOMAIN §4, rules for every chain), checked on the server.

- the requester never approves their own request;
- one person signs at most one step of a chain;
- a step of a role holds for people holding that role (group);
- a unit-scoped role's step is only for people of the debt's unit (or a unit above it).
"""
from django.utils.translation import gettext as _

from workflows.scoping import unit_ids_in_scope

from .models import Decision, DecisionKind


def decided_elsewhere(process_id, user, step_name):
    """Decisions `user` took on another step of the chain (their request itself does not count).
    The inbox uses the same query with OuterRefs, so it leaves out what why_not refuses."""
    return (Decision.objects.filter(process_id=process_id, by=user)
            .exclude(step=step_name).exclude(decision=DecisionKind.SUBMIT))


def role_permission(role):
    return f"approvals.role_{role}"


def holds_role(user, role):
    return user.groups.filter(name=role).exists()


def why_not(step, user, task):
    """None when `user` may act on `task` of `step`, else the reason in Chinese."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _("请先登录")
    process = task.process.coerced
    if step.is_rework:
        from .delegation import delegate_for
        if user.pk == process.requested_by_id or (task.owner_id == user.pk and
                                                  delegate_for(process.requested_by) == user):
            return None
        return _("只有申请人可以修改并重新提交")
    if user.pk == process.requested_by_id:
        return _("申请人不能审批自己的申请")
    role = step.role_for(process)
    if not role or not holds_role(user, role):
        return _("您不具有此步骤所需的角色")
    if step.unit_scoped:
        scope = unit_ids_in_scope(user)
        if scope is not None and process.debt.unit_id not in scope:
            return _("此步骤仅限债权所属单位的人员办理")
    if decided_elsewhere(process.pk, user, step.name).exists():
        return _("同一人在一个审批链中只能签署一个步骤")
    return None
