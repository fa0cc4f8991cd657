"""加签: an approver asks one or more people of any role to sign their step (rules R4.156-R4.159).

前加签 (before): the added people decide first, then the step comes back to its holder, who
decides as usual. 后加签 (after): the holder approves, then the added people decide before the
chain moves on. Either way each added person gets a task of the chain's `added_signer` node
assigned to them; their decision is a Decision of the chain (signed when they approve), counts for
four eyes (one person one step, never the requester) and appears wherever decisions do. An added
person's 驳回 rejects the chain, as the step's own holder's would. Adding never removes a step:
the host step is still decided by its holder (before) or was already (after).

This module cannot import nodes (the nodes call `settle`); it reaches the flow's nodes through
the process's flow class.
"""
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import User

from . import inbox
from .exceptions import AddSignRefused
from .models import ADDED_NODE, AddedSign, AddedSignMode, ChainProcess, Decision, DecisionKind, NotificationKind
from .notifications import notify

MAX_ADDED = 5
_OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def candidates(process: ChainProcess, host: User) -> QuerySet[User]:
    """Whom the holder may add: active people holding any role, not the requester (R4.5), not
    the holder, nobody with a decision in this chain (R4.6: one person one step) and nobody
    already added to it and not yet done."""
    decided = Decision.objects.filter(process=process).exclude(decision=DecisionKind.SUBMIT).values("by_id")
    pending = AddedSign.objects.filter(Q(task__status__in=_OPEN) | Q(task__isnull=True, host_task__status__in=_OPEN),
                                       process=process)
    return (User.objects.filter(is_active=True, groups__isnull=False).distinct()
            .exclude(pk__in=[process.requested_by_id, host.pk])
            .exclude(pk__in=decided).exclude(pk__in=pending.values("to_user_id"))
            .order_by("unit__code", "username"))


def open_before(task: Task) -> list[AddedSign]:
    """The before-signs of `task` whose added person has not decided: its holder waits (R4.157)."""
    if not (task.data or {}).get("before_signs"):
        return []
    return list(AddedSign.objects.filter(host_task=task, mode=AddedSignMode.BEFORE, task__status__in=_OPEN)
                .select_related("to_user"))


def pending_after(task: Task) -> list[AddedSign]:
    """The after-signs asked on `task` whose tasks are not made yet (made when it is approved)."""
    if not (task.data or {}).get("after_signs"):
        return []
    return list(AddedSign.objects.filter(host_task=task, mode=AddedSignMode.AFTER, task__isnull=True)
                .select_related("to_user"))


def of_process(process: ChainProcess) -> list[AddedSign]:
    return list(process.added_signs.select_related("by", "to_user", "task"))


def add_signers(*, task: Task, user: User, people: Iterable[User], mode: str, reason: str) -> list[AddedSign]:
    """The holder of `task` adds `people` to its step. Raises AddSignRefused (nothing saved)."""
    people = list(dict.fromkeys(people))
    if not reason.strip():
        raise AddSignRefused(_("请填写加签理由"), "reason")
    if not people:
        raise AddSignRefused(_("请选择至少一名加签人"), "people")
    if len(people) > MAX_ADDED:
        raise AddSignRefused(_("一次最多加签 %(n)s 人") % {"n": MAX_ADDED}, "people")
    if mode not in AddedSignMode.values:
        raise AddSignRefused(_("请选择加签方式"), "mode")
    flow_class = task.flow_task.flow_class
    with flow_class.lock(task.process_id), transaction.atomic():
        task.refresh_from_db()
        step = task.flow_task
        process = task.process.coerced
        if task.status not in (STATUS.ASSIGNED, STATUS.STARTED) or not process.active:
            raise AddSignRefused(_("该任务已办结，不能加签"))
        if getattr(step, "is_added", False) or step.is_rework:
            raise AddSignRefused(_("此步骤不能加签"))
        if (task.data or {}).get("joint"):
            # Rule R4.153: a 会签/或签 step names its signers already; its members decide it.
            raise AddSignRefused(_("会签/或签步骤不能加签"))
        if not step.can_execute(user, task):
            raise AddSignRefused(step.why_not(user, task) or _("请先认领该任务"))
        # Rule R4.158: the effect step's approval is the chain's final act (it books the
        # write-off), so nobody can sign after it; ask before instead.
        if mode == AddedSignMode.AFTER and (step.effect is not None or step.guard is not None):
            raise AddSignRefused(_("本步骤同意后即执行审批结果，不能后加签；请使用前加签"), "mode")
        allowed = set(candidates(process, user).filter(pk__in=[p.pk for p in people]).values_list("pk", flat=True))
        refused = [p for p in people if p.pk not in allowed]
        if refused:
            why = _("不能加签：%(names)s（申请人、本人、已在本审批链中签署或已被加签的人员不能加签）")
            raise AddSignRefused(why % {"names": "、".join(map(str, refused))}, "people")
        rows = [AddedSign.objects.create(process=process, host_task=task, host_step=step.name,
                                         host_title=str(step.task_title), mode=mode, by=user, to_user=p,
                                         reason=reason.strip())
                for p in people]
        # Flags on the host task, so that deciding a step nobody was added to costs no query.
        flag = "before_signs" if mode == AddedSignMode.BEFORE else "after_signs"
        task.data = {**(task.data or {}), flag: True}
        Task.objects.filter(pk=task.pk).update(data=task.data)
        if mode == AddedSignMode.BEFORE:
            activation = step.activation_class(task)
            for row in rows:
                _make_task(process, activation, row)
        return rows


def _make_task(process, prev_activation, row: AddedSign):
    node = process.flow_class.instance.node(ADDED_NODE)
    activation = node._create(prev_activation, prev_activation.task.token,
                              data={"added_sign": row.pk, "added_to": row.to_user_id, "host_title": row.host_title})
    if activation.activate.can_proceed():
        activation.activate()
    AddedSign.objects.filter(pk=row.pk).update(task=activation.task)
    row.task = activation.task
    return activation


def after_tasks(host_activation) -> list:
    """Called as the host step's approval completes (nodes.StepActivation.create_next): the
    after-signs' tasks, made now, instead of the next step (rule R4.157)."""
    process = host_activation.process.coerced
    return [_make_task(process, host_activation, row) for row in pending_after(host_activation.task)]


def settle(added_activation) -> list:
    """An added person decided (their task is done): what follows, as viewflow activations.

    驳回 rejects the chain: the other open tasks are cancelled and the host step's reject path
    taken. 同意 by the last open added person of a before-sign hands the step back to its holder
    (told); of an after-sign, the chain goes on where the host step's approval leads."""
    task = added_activation.task
    row = AddedSign.objects.select_related("host_task").get(pk=(task.data or {})["added_sign"])
    host_task = row.host_task
    host_step = host_task.flow_task
    process = added_activation.process.coerced
    decision = (task.data or {}).get("decision")
    if decision == DecisionKind.REJECT:
        for other in process.task_set.filter(status__in=_OPEN).exclude(pk=task.pk):
            other.flow_task.activation_class(other).cancel()
        return [host_step._on_reject._create(added_activation, host_task.token)] if host_step._on_reject else []
    still_open = AddedSign.objects.filter(host_task=host_task, mode=row.mode, task__status__in=_OPEN).exclude(
        task=task).exists()
    if still_open:
        return []
    if row.mode == AddedSignMode.BEFORE:
        notify(host_task.owner, NotificationKind.ASSIGNED,
               _("%(chain)s %(debt)s：加签人已全部同意，请办理“%(step)s”") % {
                   "chain": process.get_chain_display(), "debt": process.debt.code, "step": row.host_title},
               inbox.task_url(host_task))
        return []
    host_activation = host_step.activation_class(host_task)
    return [host_step._next._create(host_activation, host_task.token)] if host_step._next else []
