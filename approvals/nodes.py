"""viewflow nodes for our chains: a start node for requesters and a decision step whose
outgoing path depends on the decision (approve / reject / return for rework).

The nodes take their views from flows.py (as viewflow's cookbook does): nodes never import views.
"""
from functools import update_wrapper

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.base import Edge
from viewflow.workflow.models import Process
from viewflow.workflow.nodes.end import EndActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import flow_finished, task_finished, task_started
from viewflow.workflow.status import PROCESS, STATUS

from workflows.models import User

from . import added_signers, four_eyes, inbox, joint, step_titles
from .access import closed_message_for, holders_open_task, load_task, task_visible_to
from .conflicts import closed_message, task_closed_response
from .delegation import delegate_for
from .exceptions import SignatureError
from .models import NAMED_ROLE, REDO, Decision, DecisionKind, NotificationKind, StepInfo
from .notifications import notify, notify_many
from .signatures import verify_password
from .working_days import due_for_new_step


def _password_before_lock(node, request, task_pk) -> None:
    """Rule R8.17 on the page, as in the API: the signing password of an approval is checked
    before the execute view takes the chain's lock, so a slow or wrong check never holds
    the chain's other approvers waiting. Only for the holder of the open task (anyone else is
    refused inside the lock and never gets this far; a closed task is answered 409 there); the
    proof or the refusal is left on the request for the decision view, and decide() does not
    check again. A failure is recorded outside any transaction, so rule R4.9's lockout counts
    it whatever the page does next."""
    if not node.signs(request.POST.get("decision")) or holders_open_task(request.user, task_pk) is None:
        return
    try:
        request.qq_verified = verify_password(request.user, request.POST.get("password", ""),
                                              task_id=task_pk, request=request)
    except SignatureError as exc:
        request.qq_password_refused = exc


def _open_or_409(view):
    """Wrap the assign route: a closed task answers 409, also when it closed while this request
    waited for the chain's lock (viewflow then refuses with PermissionDenied)."""

    def guarded(request, *args, **kwargs):
        task_pk = kwargs.get("task_pk")
        message = closed_message(task_pk) if request.user.is_authenticated and task_pk else None
        if message:
            return task_closed_response(request, task_pk, message)
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            message = closed_message(task_pk) if task_pk else None
            if message:
                return task_closed_response(request, task_pk, message)
            raise

    return update_wrapper(guarded, view)


def _execute_view(step, origin_view):
    """The execute route, in place of viewflow's wrap_view and the scope and 409 wrappers around
    it (issue 20 item 3): on a POST the chain's lock first, then the task loaded once with its
    process, chain process, debt, StepInfo and the user's four-eyes facts, then in the same
    order as before: out of scope 404 (rule R8.5, what access.check_flow_route answers), closed
    409, another flow's task 404, not the user's to complete 403. The eligibility found here is
    handed to decide() through the activation, under the same lock, so it is asked once per step."""

    def call(request, process_pk, task_pk, *args, **kwargs):
        user = request.user
        task = load_task(task_pk, for_user=user, deciding=request.method == "POST")
        if task is None or task.process_id != process_pk:
            raise Http404("No approval task matches the given query.")
        if user.is_authenticated:
            if not task_visible_to(user, task):
                raise Http404("No approval task matches the given query.")
            message = closed_message_for(task)
            if message:
                return task_closed_response(request, task_pk, message)
        if task.process.flow_class != step.flow_class:
            raise Http404("No task matches the given query.")
        activation = step.activation_class(task)
        request.activation = activation
        if not step.can_execute(user, task):
            raise PermissionDenied
        activation.eligible_user_pk = user.pk
        activation.start(request)
        return origin_view(request, *args, process_pk=process_pk, task_pk=task_pk, **kwargs)

    def view(request, *args, **kwargs):
        process_pk, task_pk = kwargs.pop("process_pk", None), kwargs.pop("task_pk", None)
        if process_pk is None or task_pk is None:
            raise ImproperlyConfigured("Task view URL path should contain <int:process_pk> and <int:task_pk>")
        try:
            if request.method == "POST":
                if request.user.is_authenticated:
                    _password_before_lock(step, request, task_pk)
                with step.flow_class.lock(process_pk):   # the lock's transaction holds the request's writes
                    return call(request, process_pk, task_pk, *args, **kwargs)
            return call(request, process_pk, task_pk, *args, **kwargs)
        except TransitionNotAllowed as exc:
            raise PermissionDenied(",".join(exc.args)) from exc

    view.checks_scope = True   # workflows.flow_routes: this view runs the scope check itself
    return update_wrapper(view, origin_view)


class StepActivation(ViewActivation):
    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        rule = joint.rule_of(flow_task, prev_activation.process) if not data else None
        if rule:
            # 会签/或签 (rule R4.150): one task per member, on the same token; viewflow activates the
            # first, the others are activated here.
            first = None
            for member_data in joint.tasks_for(rule):
                activation = super().create(flow_task, prev_activation, token, data=member_data, seed=seed)
                flow_task.on_created(activation)
                if first is None:
                    first = activation
                elif activation.activate.can_proceed():
                    activation.activate()
            return first
        activation = super().create(flow_task, prev_activation, token, data=data, seed=seed)
        flow_task.on_created(activation)
        return activation

    @Activation.status.super()
    def create_next(self):
        decision = (self.task.data or {}).get("decision", DecisionKind.APPROVE)
        node = self.flow_task._next
        token = self.task.token
        if getattr(self.flow_task, "is_added", False):
            # An added person decided (rule R4.157): what follows depends on the other added
            # people and the step they were added to, not on this node (it has no edges).
            yield from added_signers.settle(self)
            return
        if decision == DecisionKind.APPROVE and joint.member_of(self.task) and not joint.settle(self):
            return   # 会签 (rule R4.150): other members have not approved yet
        if decision == DecisionKind.APPROVE and (self.task.data or {}).get("after_signs"):
            after = added_signers.after_tasks(self)
            if after:
                # 后加签 (rule R4.157): the added people decide before the chain goes on.
                yield from after
                return
        if decision == REDO:
            # The step's guard refused the approval (rule R4.47): back to the step it names.
            node = self.flow_task._on_redo
        elif decision in (DecisionKind.REJECT, DecisionKind.RETURN, DecisionKind.RETURN_TO):
            if decision == DecisionKind.RETURN_TO:
                # Rule R4.131: back to the earlier step the approver chose (decisions.decide checked
                # it was passed in this run); it opens as a new task and the steps after it follow.
                node = self.flow_task.flow_class.instance.node(self.task.data["return_to"])
            else:
                node = self.flow_task._on_reject if decision == DecisionKind.REJECT else self.flow_task._on_return
            # A reject or return inside a parallel section (chain A's receipt signatures) ends
            # that section: the other signatures still open and the waiting join are cancelled,
            # and the chain goes on from the token before the split.
            self.cancel_other_branches()
            while token.is_split_token():
                token = token.get_base_split_token()
        if node is not None:
            self.created_next = node._create(self, token)   # decisions._goes_on reads it
            yield self.created_next

    def cancel_other_branches(self):
        others = (self.process.task_set.exclude(pk=self.task.pk)
                  .exclude(status__in=[STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED, STATUS.ERROR]))
        for task in others:
            task.flow_task.activation_class(task).cancel()


class ApprovalStep(flow.View):
    """A human decision step.

    view: the execute view (flows.py passes views.DecisionView.as_view());
    role: a role code, or a callable(process) -> role code (the authority body);
    unit_scoped: only people of the debt's unit may act;
    required: callable(process) -> [Requirement] checked before an approval completes;
    signature: approving needs the password again and is signed (SHA-256);
    effect: callable(process, user) run in the same transaction when this step approves;
    guard: callable(process) -> message or None, asked before an approval: a message refuses
        the approval and sends the chain to the node given by .Redo() (the message says why);
    decisions: the decisions this step offers;
    meeting: an authority body's step, which its meeting may decide by vote (rules R4.140-R4.147).
    """

    activation_class = StepActivation
    is_rework = False
    is_report = False
    _owner_permission_obj = None

    def __init__(self, view, *, title, role=None, unit_scoped=False, required=None, signature=False,
                 effect=None, guard=None,
                 decisions=(DecisionKind.APPROVE, DecisionKind.REJECT, DecisionKind.RETURN),
                 extra_fields=(), meeting=False, **kwargs):
        super().__init__(view, **kwargs)
        self.task_title = title
        self.role = role
        self.unit_scoped = unit_scoped
        self.required = required
        self.signature = signature
        self.effect = effect
        self.guard = guard
        self.decisions = tuple(decisions)
        self.extra_fields = tuple(extra_fields)
        self.meeting = meeting
        self._on_reject = None
        self._on_return = None
        self._on_redo = None

    def signs(self, decision: str) -> bool:
        """Only an approval is signed (rules R4.9, R4.11); rejecting or returning needs a reason."""
        return self.signature and decision == DecisionKind.APPROVE

    def Reject(self, node):
        self._on_reject = node
        return self

    def Return(self, node):
        self._on_return = node
        return self

    def Redo(self, node):
        self._on_redo = node
        return self

    def _resolve(self, instance):
        super()._resolve(instance)
        self._on_reject = this.resolve(instance, self._on_reject)
        self._on_return = this.resolve(instance, self._on_return)
        self._on_redo = this.resolve(instance, self._on_redo)

    def _outgoing(self):
        yield from super()._outgoing()
        if self._on_reject:
            yield Edge(src=self, dst=self._on_reject, edge_class="cond_false")
        if self._on_return:
            yield Edge(src=self, dst=self._on_return, edge_class="default")
        if self._on_redo:
            yield Edge(src=self, dst=self._on_redo, edge_class="default")

    @property
    def view_path(self):
        return path(f"<int:process_pk>/{self.name}/<int:task_pk>/execute/", _execute_view(self, self.view),
                    name="execute")

    def _get_urls(self):
        return [URLPattern(p.pattern, _open_or_409(p.callback), p.default_args, p.name)
                if isinstance(p, URLPattern) and p.name == "assign" else p
                for p in super()._get_urls()]

    # -- who -------------------------------------------------------------------------------
    def role_for(self, process):
        return self.role(process) if callable(self.role) else self.role

    def role_of(self, task):
        """The role that may take `task`: a 会签/或签 member's own (None for a named person's task,
        rule R4.150), else the step's."""
        member = joint.member_of(task)
        if member is not None:
            return member.get("role")
        return self.role_for(task.process.coerced)

    def requirements(self, process):
        return list(self.required(process)) if self.required else []

    def calc_owner_permission(self, activation):
        role = None if self.is_rework else self.role_of(activation.task)
        return four_eyes.role_permission(role) if role else None

    def calc_owner(self, activation):
        member = joint.member_of(activation.task)
        if member is not None and member.get("user"):
            # A named person's task (rule R4.150). One deleted since the submission leaves it unowned:
            # 清欠办主任 finds it among the unreachable tasks (R4.106) instead of a failed step.
            return User.objects.filter(pk=member["user"]).first()
        if not self.is_rework:
            return None
        requester = activation.process.requested_by
        delegate = delegate_for(requester)
        activation._on_behalf_of = requester if delegate else None
        return delegate or requester

    def why_not(self, user, task):
        member = joint.member_of(task)
        if member is None:
            return four_eyes.why_not(self, user, task)
        # The person named, or whom 清欠办主任 designated in their place (rule R4.106).
        if (member.get("user") and user is not None and user.is_authenticated
                and user.pk not in (member["user"], task.owner_id)):
            return _("此会签任务只能由指定人员办理")
        return four_eyes.why_not(self, user, task, named=bool(member.get("user"))) or joint.why_not_twice(user, task)

    def can_assign(self, user, task):
        if task.owner_id or task.status != "NEW":
            return False
        return self.why_not(user, task) is None

    def can_execute(self, user, task):
        # viewflow's is_owner(task.owner, user) without loading the owner: the same user by pk.
        return task.owner_id is not None and task.owner_id == user.pk and self.why_not(user, task) is None

    def can_unassign(self, user, task):
        # A named 会签 member's task is theirs; released, it would be in nobody's queue.
        if self.is_rework or (joint.member_of(task) or {}).get("user"):
            return False
        return super().can_unassign(user, task)

    # -- bookkeeping viewflow does not do ---------------------------------------------------
    def title_for(self, task) -> str:
        """The title a new task of this step is listed and announced under."""
        member = joint.member_of(task)
        if member is not None:
            return joint.title(str(self.task_title), member, task.owner if member.get("user") else None)
        return str(self.task_title)

    def on_created(self, activation):
        process = activation.process
        task = activation.task
        role = "" if self.is_rework else (self.role_of(task) or (NAMED_ROLE if joint.member_of(task) else ""))
        with step_titles.stored_language():   # not the language of the request that made the task
            title = self.title_for(task)
        StepInfo.objects.create(
            task=task, process=process, debt=process.debt, chain=process.chain, step_title=title,
            step=self.name,
            role=role, unit_id_scope=process.debt.unit_id if self.unit_scoped else None,
            due_at=due_for_new_step(timezone.now()), on_behalf_of=getattr(activation, "_on_behalf_of", None),
            owner_id=task.owner_id, requested_by_id=process.requested_by_id,
            joint_group=(joint.member_of(task) or {}).get("group", ""),
        )
        url = inbox.task_url(task)
        message = f"{process.get_chain_display()} {process.debt.code}：{self.title_for(task)}"
        if task.owner_id:
            kind = NotificationKind.RETURNED if self.is_rework and not self.is_report else NotificationKind.ASSIGNED
            if kind == NotificationKind.RETURNED:
                # The requester learns why (issue 19 item 3): the return's reason, rule R4.9.
                back = (Decision.objects.filter(process=process, decision=DecisionKind.RETURN)
                        .order_by("-at", "-pk").first())
                if back is not None and back.comment:
                    message = _("%(message)s（%(step)s 退回：%(reason)s）") % {
                        "message": message, "step": back.step_title, "reason": back.comment}
            notify(task.owner, kind, message, url)
        else:
            notify_many(inbox.candidates(self, task), NotificationKind.ASSIGNED, message, url)


class ReworkStep(ApprovalStep):
    """Back in the requester's inbox: resubmit (approve) or withdraw (reject)."""

    is_rework = True

    def __init__(self, view, **kwargs):
        kwargs.setdefault("title", _("修改后重新提交"))
        kwargs.setdefault("decisions", (DecisionKind.APPROVE, DecisionKind.REJECT))
        super().__init__(view, **kwargs)


class ReportStep(ReworkStep):
    """A document the requester's side writes in the course of the chain (chain B's written
    report of the reasons, after the appraisal, rule R4.32): in the requester's inbox, submit
    (approve) or withdraw (reject)."""

    is_report = True


class AddedSignStep(ApprovalStep):
    """A 加签 task (rules R4.156-R4.159): assigned to the one person added, who approves (signed)
    or rejects; no edges of its own — added_signers.settle says what follows."""

    is_added = True

    def __init__(self, view, **kwargs):
        kwargs.setdefault("title", _("加签"))
        kwargs.setdefault("signature", True)
        kwargs.setdefault("decisions", (DecisionKind.APPROVE, DecisionKind.REJECT))
        super().__init__(view, **kwargs)

    def role_for(self, process):
        return None

    def calc_owner_permission(self, activation):
        return None

    def calc_owner(self, activation):
        return User.objects.get(pk=activation.task.data["added_to"])

    def why_not(self, user, task):
        if user is None or not user.is_authenticated or not user.is_active:
            return _("请先登录")
        if task.owner_id != user.pk:
            return _("此加签任务只能由被加签人办理")
        process = task.process.coerced
        if user.pk == process.requested_by_id:
            return _("申请人不能审批自己的申请")
        if four_eyes.decided_elsewhere(process.pk, user, self.name).exists():
            return _("同一人在一个审批链中只能签署一个步骤")
        return None

    def can_unassign(self, user, task):
        return False

    def title_for(self, task):
        return f"{self.task_title}：{task.data['host_title']}"  # 加签：<the step> (R4.159)


class ChainStart(flow.Start):
    """Started from a debt by a person who may request transitions; the view checks the debt."""

    def can_execute(self, user, task=None):
        if not user.is_authenticated or not user.is_active:
            return False
        if task and task.status != "NEW":
            return False
        return user.has_perm("workflows.request_transition")


class ChainEndActivation(EndActivation):
    """viewflow's End in the statements the end of a chain needs (issue 20: the write-off's
    last step was 37): the end task written once, born done, instead of inserted new and then
    updated; the process finished by one UPDATE of viewflow's own table that also asks whether
    another task is still open (a 会签 branch, an added signer), instead of a count and then a
    save of the whole ChainProcess, whose own fields the deciding step has already written
    (decisions._close); and no savepoint of its own: the deciding step's transaction answers
    for it, as it does for the step."""

    def __hash__(self):
        # viewflow keeps activations in a set, hashed by their task's pk: this one has none yet.
        return id(self)

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        task = flow_task.flow_class.task_class(process=prev_activation.process, flow_task=flow_task, token=token)
        task.data = data if data is not None else {}
        task.seed = seed
        activation = cls(task)
        activation.previous_task = prev_activation.task  # linked once the task is written (complete)
        return activation

    @Activation.status.super()
    def activate(self):
        with self.exception_guard():
            self.task.started = timezone.now()
            # The end task is not written yet: every unfinished task of the process is another one.
            still_open = self.flow_class.task_class._default_manager.filter(
                process_id=OuterRef("pk"), finished__isnull=True)
            finished = timezone.now()
            self.finished_process = bool(Process._default_manager.filter(pk=self.process.pk).exclude(
                Exists(still_open)).update(status=PROCESS.DONE, finished=finished))
            if self.finished_process:
                self.process.status, self.process.finished = PROCESS.DONE, finished

    @Activation.status.super()
    def complete(self):
        self.task.finished = timezone.now()
        self.task.save()
        self.task.previous.add(self.previous_task)
        # viewflow's signals of an end, each once, with the task as written.
        task_started.send(sender=self.flow_class, process=self.process, task=self.task)
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)
        if self.finished_process:
            flow_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class ChainEnd(flow.End):
    """The end of a chain (approved or rejected), as viewflow's End, in fewer statements."""

    activation_class = ChainEndActivation
