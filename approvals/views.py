"""Approval pages. Thin: they parse forms and call the services."""
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import generic
from viewflow.workflow.status import STATUS

from workflows.models import User
from workflows.roles import GM
from workflows.scoping import get_debt_for, sees_all_units

from . import added_signers, inbox, joint, meetings, registry, step_titles
from .access import (
    closed_message_for,
    get_process_for,
    get_process_to_comment,
    get_task_for,
    locked_task_for,
)
from .actions import why_cannot_start
from .batch import sign_batch, signable_groups
from .case_file import current_documents
from .chain_requests import start_chain
from .comments import chain_comment
from .conflicts import task_closed_response
from .copies import SORTS as COPY_SORTS
from .copies import copied_to, copy_ad_hoc, may_copy
from .decisions import decide
from .delegation import record_absence
from .dossier import dossier, records
from .exceptions import DecisionError
from .forms import (
    AddSignersForm,
    CommentForm,
    CopyForm,
    DecisionForm,
    DelegationForm,
    LitigationListForm,
    MeetingCloseForm,
    MeetingConveneForm,
    MeetingVoteForm,
    RequestForm,
    TransferForm,
    WithdrawForm,
)
from .litigation_list import open_proposals, sign_list, verify_list
from .models import (
    WITHDRAW_STEP,
    AddedSignMode,
    Chain,
    ChainProcess,
    Decision,
    Delegation,
    LitigationList,
    Notification,
    Outcome,
    Reassignment,
    Signature,
    StepInfo,
    WriteOffCondition,
)
from .participants import takes_part
from .reach import may_reassign, reassign, unreachable_steps
from .return_to import superseded_ids
from .signatures import coverage, verify
from .transfer import may_transfer, task_transfer, transfer_targets
from .urge import chain_urge, may_urge, next_allowed
from .withdraw import chain_withdraw, decided_after_submit, why_not_withdraw
from .working_days import working_days_covered


class TurboFormMixin:
    """An invalid form answers 422 to Turbo (its protocol for re-rendering a form in place)."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if self.request.META.get("HTTP_X_REQUEST_FRAMEWORK") == "Turbo":
            response.status_code = 422
        return response


def _apply_error(form, exc):
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc))


class StartView(TurboFormMixin, generic.FormView):
    """viewflow start view of every chain: /tasks/flows/<flow>/start/?debt=<pk>."""

    template_name = "approvals/start.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            debt_pk = int(request.GET.get("debt", ""))
        except ValueError:
            raise Http404("no debt") from None
        self.debt = get_debt_for(request.user, pk=debt_pk)
        self.flow_class = request.activation.flow_class
        return super().dispatch(request, *args, **kwargs)

    def requirements(self):
        """What the request needs for the condition chosen (or first offered): rule R4.103."""
        chain = self.flow_class.chain
        condition = self.request.POST.get("condition") or self.request.GET.get("condition") or ""
        if chain == Chain.WRITE_OFF and condition not in WriteOffCondition.values:
            condition = WriteOffCondition.values[0]
        return list(self.flow_class.request_required(SimpleNamespace(condition=condition, debt=self.debt)))

    def get_form_kwargs(self):
        requirements = self.requirements()
        current = current_documents(self.debt)
        present = {i: [d for d in current if d.doc_type in r.types] for i, r in enumerate(requirements, start=1)}
        return {**super().get_form_kwargs(), "chain": self.flow_class.chain, "requirements": requirements,
                "present": present}

    def get_form_class(self):
        return RequestForm

    def get_initial(self):
        # 谁抵债谁变现 (rule R4.31): the unit that took the goods sells them.
        return {"selling_unit": self.debt.unit_id} if self.flow_class.chain == Chain.DISPOSAL else {}

    def post(self, request, *args, **kwargs):
        if request.POST.get("refresh"):
            # The condition changed (without JavaScript: the 列出所需文件 button): show the
            # form again for it, with what was typed, and no errors.
            kwargs = self.get_form_kwargs()
            kwargs.pop("data", None), kwargs.pop("files", None)
            kwargs["initial"] = request.POST.dict()
            form = RequestForm(**kwargs)
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(debt=self.debt, chain_label=Chain(self.flow_class.chain).label,
                                         blocked=why_cannot_start(self.flow_class.chain, self.debt, self.request.user),
                                         **kwargs)

    def form_valid(self, form):
        try:
            process = start_chain(self.request.activation, self.request.user, self.debt,
                                  fields=form.process_fields(), attachments=form.cleaned_data["attachments"],
                                  request=self.request)
        except DecisionError as exc:
            _apply_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已提交%(chain)s申请 #%(pk)s") % {
            "chain": process.get_chain_display(), "pk": process.pk})
        return redirect("approvals:process", process.pk)


class DecisionView(TurboFormMixin, generic.FormView):
    """viewflow execute view of every human step."""

    template_name = "approvals/decide.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "step": self.request.activation.flow_task,
                "process": self.request.activation.process}

    def get_form_class(self):
        return DecisionForm

    def get_context_data(self, **kwargs):
        activation = self.request.activation
        process = activation.process
        step = activation.flow_task
        task = activation.task
        # 转交 (rule R4.130) sits beside the decision: the holder's task page is this one.
        if "transfer_form" not in kwargs and may_transfer(self.request.user, task):
            kwargs["transfer_form"] = TransferForm(targets=transfer_targets(task))
        context = super().get_context_data(
            process=process, task=task, step=step, debt=process.debt,
            info=StepInfo.objects.filter(task=task).first(),
            dossier=dossier(process, step, task_id=task.pk), waiting=added_signers.open_before(task),
            after=added_signers.pending_after(task),
            may_add=not (step.is_rework or getattr(step, "is_added", False) or joint.member_of(task)),
            # a 会签/或签 member's task says whose it is (rule R4.153)
            heading=step.title_for(task) if joint.member_of(task) else step.task_title,
            **participation(self.request, process), **kwargs)
        context["form"].settle_return_choice()   # rule R4.131: offered only where a step was passed
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        refused = getattr(self.request, "qq_password_refused", None)  # checked before the lock (R8.17)
        if refused is not None:
            form.add_error("password", str(refused))
            return self.form_invalid(form)
        try:
            record = decide(self.request.activation, self.request.user, decision=data["decision"],
                            comment=data.get("comment", ""), attachments=data["attachments"],
                            password=data.get("password", ""), extra=form.extra(), request=self.request,
                            covers=self.request.POST.get("covers", ""), return_to=data.get("return_to") or "",
                            verified=getattr(self.request, "qq_verified", None))
        except DecisionError as exc:
            _apply_error(form, exc)
            return self.form_invalid(form)
        if record.redo:
            messages.warning(self.request, record.redo)
            return redirect("approvals:inbox")
        messages.success(self.request, _("已办理：%(step)s") % {"step": self.request.activation.flow_task.task_title})
        return redirect("approvals:inbox")


class InboxView(LoginRequiredMixin, generic.TemplateView):
    template_name = "approvals/inbox.html"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        user = self.request.user
        show = self.request.GET.get("show", "all")
        steps = inbox.open_steps(user, mine=show in ("all", "mine"), claimable=show in ("all", "claimable"))
        chain = self.request.GET.get("chain", "")
        if chain in Chain.values:
            steps = steps.filter(chain=chain)
        if self.request.GET.get("overdue") == "1":
            steps = steps.filter(due_at__lt=timezone.now())
        q = self.request.GET.get("q", "").strip()
        if q:
            steps = steps.filter(debt__code__icontains=q) | steps.filter(debt__debtor__name__icontains=q)
        page = inbox.page_of(steps, self.request.GET.get("page"), self.paginate_by)
        now = timezone.now()
        rows = [{"info": s, "waiting": now - s.task.created, "overdue": s.due_at < now,
                 "mine": s.task.owner_id == user.pk, "url": inbox.task_url(s.task)} for s in page]
        return super().get_context_data(page=page, rows=rows, counts=inbox.request_counts(self.request),
                                        chains=Chain.choices, show=show, chain=chain, q=q,
                                        overdue=self.request.GET.get("overdue"), **kwargs)


class TaskView(LoginRequiredMixin, generic.TemplateView):
    """A task's summary with the claim button; the owner is sent on to the decision form."""

    template_name = "approvals/task.html"

    def get_task(self):
        task = get_task_for(self.request.user, self.kwargs["pk"])
        step = task.flow_task
        reason = step.why_not(self.request.user, task)
        if task.owner_id not in (None, self.request.user.pk):
            reason = reason or _("该任务已由他人认领")
        return task, step, reason

    def get(self, request, *args, **kwargs):
        task, _step, reason = self.get_task()
        if task.owner_id == request.user.pk and task.status == STATUS.ASSIGNED and reason is None:
            return HttpResponseRedirect(inbox.execute_url(task))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        task, step, reason = self.get_task()
        process = task.process.coerced
        return super().get_context_data(task=task, step=step, reason=reason, info=task.step_info,
                                        process=process, dossier=dossier(process, step, task_id=task.pk),
                                        **participation(self.request, process), **kwargs)

    def post(self, request, *args, **kwargs):
        """Claim: under the flow's lock, so of two people claiming at once exactly one wins.
        With release=1: hand a claimed task back to the role's queue (issue 19 item 3)."""
        if request.POST.get("release"):
            task = get_task_for(request.user, kwargs["pk"])
            with task.flow_task.flow_class.lock(task.process_id), transaction.atomic():
                task.refresh_from_db()
                step = task.flow_task
                if task.owner_id != request.user.pk or task.status != STATUS.ASSIGNED \
                        or not step.can_unassign(request.user, task):
                    raise PermissionDenied(_("只能释放自己认领、尚未办理的审批任务"))
                if meetings.open_meeting(task) is not None:
                    # Rule R4.140: the holder of a step whose meeting votes closes the vote first.
                    raise PermissionDenied(_("本步骤的会议正在表决，请先结束表决再释放任务"))
                step.activation_class(task).unassign()
            messages.success(request, _("已释放任务“%(step)s”，其他有权限的人员可以认领") % {"step": step.task_title})
            return redirect("approvals:inbox")
        # The lock first, then the task loaded once under it (issue 20 item 3); out of scope is
        # still 404 before anything else is said about the task (rule R8.5).
        with locked_task_for(request.user, kwargs["pk"]) as task:
            closed = closed_message_for(task)
            if closed:
                return task_closed_response(request, task.pk, closed)
            step = task.flow_task
            if not step.can_assign(request.user, task):
                reason = step.why_not(request.user, task) or _("该任务已由他人认领或已办结")
                raise PermissionDenied(reason)
            step.activation_class(task).assign(request.user)
        return HttpResponseRedirect(inbox.execute_url(task))


class TransferView(LoginRequiredMixin, generic.TemplateView):
    """转交 (rule R4.130): the holder hands the claimed task to an eligible person, with a reason.
    The form is on the decision page; this page shows it again with its errors and the input."""

    template_name = "approvals/transfer.html"

    def get_task(self):
        task = get_task_for(self.request.user, self.kwargs["pk"])   # out of scope: 404
        if not may_transfer(self.request.user, task):
            raise PermissionDenied(_("只有认领该任务、尚未办理的办理人可以转交"))
        return task

    def get_context_data(self, form=None, **kwargs):
        task = self.get_task()
        process = task.process.coerced
        form = form or TransferForm(targets=transfer_targets(task))
        return super().get_context_data(task=task, step=task.flow_task, process=process, info=task.step_info,
                                        form=form, **kwargs)

    def post(self, request, *args, **kwargs):
        task = self.get_task()
        form = TransferForm(request.POST, targets=transfer_targets(task))
        if form.is_valid():
            try:
                record = task_transfer(task=task, user=request.user, to_user=form.cleaned_data["to_user"],
                                       reason=form.cleaned_data["reason"])
            except DecisionError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("已将“%(step)s”转交给 %(user)s") % {"step": record.step_title,
                                                                           "user": record.to_user})
                return redirect("approvals:inbox")
        return self.render_to_response(self.get_context_data(form=form), status=422)


class ProcessView(LoginRequiredMixin, generic.TemplateView):
    template_name = "approvals/process.html"

    def get_context_data(self, **kwargs):
        process = get_process_for(self.request.user, self.kwargs["pk"])
        decisions = process.decisions.select_related("by", "on_behalf_of")
        superseded = superseded_ids(process)   # rule R4.132: a re-decided step's earlier signature
        signatures = [{"signature": s, "valid": verify(s), "coverage": coverage(s),
                       "superseded": s.decision_id in superseded}
                      for s in Signature.objects.filter(decision__process=process).select_related("decision", "signer")]
        open_steps = process.step_infos.filter(open=True).select_related("task", "task__owner")
        user = self.request.user
        # Rule R4.110: the withdraw button, for the requester while nothing after the request is decided.
        may_withdraw = user.pk == process.requested_by_id and why_not_withdraw(process, user) is None
        # Rule R4.111: an urge button per open step, highlighted when the step is overdue.
        open_steps = list(open_steps)
        for s in open_steps:  # the step's title in the reader's language, not the stored one
            s.title = (step_titles.shown(s.step_title) if step_titles.composed(s.step_title)   # R4.153
                       else str(getattr(s.task.flow_task, "task_title", "") or s.step_title))
        urging = process.active and may_urge(process, user)
        if urging:
            again = next_allowed([s.task_id for s in open_steps])
            for s in open_steps:
                s.urge_again_at = again.get(s.task_id)
        urges = process.urges.select_related("by", "process")[:20]
        return super().get_context_data(process=process, decisions=decisions, signatures=signatures,
                                        open_steps=open_steps, dossier=dossier(process), records=records(process),
                                        added=added_signers.of_process(process),
                                        meetings=meetings.meetings_of(process),
                                        may_withdraw=may_withdraw, urging=urging, urges=urges,
                                        **participation(self.request, process), **kwargs)


class UrgeView(LoginRequiredMixin, generic.View):
    """催办 (rule R4.111): POST from the process page; the answer is a message on that page."""

    def post(self, request, *args, **kwargs):
        process = get_process_for(request.user, kwargs["pk"])  # out of scope: 404
        info = StepInfo.objects.filter(process=process, task_id=request.POST.get("task") or 0).first()
        if info is None:
            raise Http404("no such step")
        try:
            urge = chain_urge(process=process, task=info.task, user=request.user,
                              message=request.POST.get("message", ""))
        except DecisionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已催办“%(step)s”，已通知 %(n)s 人") % {"step": urge.step_title,
                                                                          "n": urge.notified})
        return redirect("approvals:process", process.pk)


class WithdrawView(LoginRequiredMixin, TurboFormMixin, generic.FormView):
    """撤回 (rule R4.110): the requester withdraws the request with a reason."""

    template_name = "approvals/withdraw.html"
    form_class = WithdrawForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.process = get_process_for(request.user, kwargs["pk"])  # out of scope: 404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(process=self.process,
                                        refusal=why_not_withdraw(self.process, self.request.user),
                                        open_titles=[str(getattr(s.task.flow_task, "task_title", "") or s.step_title)
                                                     for s in self.process.step_infos.filter(open=True)
                                                     .select_related("task")], **kwargs)

    def form_valid(self, form):
        try:
            chain_withdraw(process=self.process, user=self.request.user, reason=form.cleaned_data["reason"])
        except DecisionError as exc:
            _apply_error(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("已撤回%(chain)s申请 #%(pk)s") % {
            "chain": self.process.get_chain_display(), "pk": self.process.pk})
        return redirect("approvals:process", self.process.pk)


class BatchSignView(LoginRequiredMixin, generic.TemplateView):
    """批量签署 (rule R4.104): choose tasks of one signed step, one password, one outcome each."""

    template_name = "approvals/batch.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(groups=signable_groups(self.request.user), **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            task_ids = [int(pk) for pk in request.POST.getlist("task")]
        except ValueError:
            raise Http404("no task") from None
        covers = {pk: request.POST.get(f"covers_{pk}", "") for pk in task_ids}
        try:
            outcomes = sign_batch(user=request.user, task_ids=task_ids, password=request.POST.get("password", ""),
                                  covers=covers, comment=request.POST.get("comment", ""), request=request)
        except DecisionError as exc:
            context = self.get_context_data(error=str(exc), group_key=request.POST.get("group", ""),
                                            selected=task_ids, comment=request.POST.get("comment", ""))
            response = self.render_to_response(context)
            response.status_code = 422 if request.META.get("HTTP_X_REQUEST_FRAMEWORK") == "Turbo" else 200
            return response
        return self.render_to_response(self.get_context_data(outcomes=outcomes,
                                                             signed=sum(1 for o in outcomes if o["ok"])))


class UnreachableView(LoginRequiredMixin, generic.TemplateView):
    """Tasks nobody can reach, for 清欠办主任, with the recorded reassign action (rule R4.106)."""

    template_name = "approvals/unreachable.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_reassign(request.user):
            raise PermissionDenied(_("只有清欠办主任可以查看和指派无人可办的任务"))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rows=unreachable_steps(), people=User.objects.filter(is_active=True).order_by("username"),
            done=Reassignment.objects.select_related("to_user", "by", "from_user", "process__debt")[:20], **kwargs)

    def post(self, request, *args, **kwargs):
        task = get_task_for(request.user, request.POST.get("task", "0") or 0)
        to = User.objects.filter(pk=request.POST.get("to") or 0, is_active=True).first()
        if to is None:
            messages.error(request, _("指派给：请选择一位在职人员"))
            return redirect("approvals:unreachable")
        try:
            reassign(task=task, to=to, by=request.user, reason=request.POST.get("reason", ""))
        except DecisionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已将“%(step)s”指派给 %(user)s") % {"step": task.flow_task.task_title,
                                                                         "user": to})
        return redirect("approvals:unreachable")


class RequestedView(LoginRequiredMixin, generic.TemplateView):
    """我发起的: the chains this user requested, newest first."""

    template_name = "approvals/requested.html"

    def get_context_data(self, **kwargs):
        # Rule R4.110: which of them may still be withdrawn, in the same query.
        decided = Exists(decided_after_submit(OuterRef("pk")))
        processes = (ChainProcess.objects.filter(requested_by=self.request.user)
                     .annotate(withdrawable=Q(active=True, outcome=Outcome.RUNNING) & ~decided)
                     .select_related("debt", "debt__debtor").order_by("-created", "-pk"))
        page = Paginator(processes, 25).get_page(self.request.GET.get("page"))
        for process in page:
            # the step's title in the reader's language (the stored one is the language of the day)
            node = process.flow_class.instance.node
            process.open_titles = [str(getattr(node(s.step), "task_title", "") or s.step_title)
                                   for s in process.step_infos.filter(open=True)]
        return super().get_context_data(page=page, **kwargs)


class DoneView(LoginRequiredMixin, generic.TemplateView):
    """已办: the decisions this user took on approval steps, newest first."""

    template_name = "approvals/done.html"

    def get_context_data(self, **kwargs):
        decisions = (Decision.objects.filter(by=self.request.user).exclude(step__in=["start", WITHDRAW_STEP])
                     .select_related("debt", "debt__debtor", "process", "on_behalf_of").order_by("-at", "-pk"))
        page = Paginator(decisions, 25).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)


class NotificationsView(LoginRequiredMixin, generic.TemplateView):
    template_name = "approvals/notifications.html"

    def get_context_data(self, **kwargs):
        notes = Notification.objects.filter(user=self.request.user)
        page = Paginator(notes, 25).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)

    def post(self, request, *args, **kwargs):
        Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return redirect("approvals:notifications")


class DelegationView(LoginRequiredMixin, TurboFormMixin, generic.FormView):
    template_name = "approvals/delegations.html"
    form_class = DelegationForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        mine = list(Delegation.objects.filter(user=self.request.user).select_related("delegate"))
        for_me = list(Delegation.objects.filter(delegate=self.request.user).select_related("user"))
        for d in mine + for_me:  # counted on the statutory calendar (rule R8.12)
            d.working_days = working_days_covered(d.starts, d.ends)
        acted = (Decision.objects.filter(on_behalf_of__isnull=False, by=self.request.user)
                 .select_related("on_behalf_of")[:50])
        return super().get_context_data(mine=mine, for_me=for_me, acted=acted, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            record_absence(self.request.user, data["delegate"], data["starts"], data["ends"], data["reason"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        messages.success(self.request, _("已登记委托（共 %(n)s 个工作日）") % {
            "n": working_days_covered(data["starts"], data["ends"])})
        return redirect("approvals:delegations")


class AddSignersView(LoginRequiredMixin, TurboFormMixin, generic.FormView):
    """加签 on a task the user holds (rules R4.156-R4.158): choose the people, before or after."""

    template_name = "approvals/add_signers.html"
    form_class = AddSignersForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.task = get_task_for(request.user, kwargs["pk"])
        self.process = self.task.process.coerced
        if self.task.owner_id != request.user.pk or getattr(self.task.flow_task, "is_added", False):
            raise PermissionDenied(_("只有已认领该任务的审批人可以加签"))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        people = added_signers.candidates(self.process, self.request.user).select_related("unit") \
            .prefetch_related("groups")
        return {**super().get_form_kwargs(), "people": people}

    def get_context_data(self, **kwargs):
        return super().get_context_data(task=self.task, step=self.task.flow_task, process=self.process,
                                        added=added_signers.of_process(self.process), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            rows = added_signers.add_signers(task=self.task, user=self.request.user, people=data["people"],
                                             mode=data["mode"], reason=data["reason"])
        except DecisionError as exc:
            _apply_error(form, exc)
            return self.form_invalid(form)
        names = "、".join(str(r.to_user) for r in rows)
        if data["mode"] == AddedSignMode.BEFORE:
            messages.success(self.request,
                             _("已加签：%(names)s。他们办理完毕后，本任务回到您的待办") % {"names": names})
            return redirect("approvals:inbox")
        messages.success(self.request, _("已后加签：%(names)s。您同意后，由他们办理，再进入下一步") % {"names": names})
        return HttpResponseRedirect(inbox.execute_url(self.task))


@login_required
def start_redirect(request, chain, debt_pk):
    """/approvals/start/<chain>/<debt>/ -> the chain's viewflow start page for that debt."""
    try:
        flow_class = registry.flow_for(chain)
    except LookupError:
        raise Http404("unknown chain") from None
    get_debt_for(request.user, pk=debt_pk)  # another unit's debt: 404 here already, not at the form
    url = flow_class.start.reverse("execute")
    condition = request.GET.get("condition", "")
    extra = f"&condition={condition}" if condition in WriteOffCondition.values else ""
    return HttpResponseRedirect(f"{url}?debt={int(debt_pk)}{extra}")


def _may_sign_lists(user):
    return user.is_authenticated and user.is_active and user.groups.filter(name=GM).exists()


class LitigationListView(LoginRequiredMixin, generic.TemplateView):
    """The 总经理 signs the litigation proposals of a period as one list (rule R4.62)."""

    template_name = "approvals/litigation_list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not _may_sign_lists(request.user):
            raise PermissionDenied(_("只有总经理可以签批强制性催收客户名单"))
        return super().dispatch(request, *args, **kwargs)

    def get_form(self):
        if self.request.method == "POST":
            return LitigationListForm(self.request.POST)
        today = timezone.localdate()
        data = {"start": self.request.GET.get("start") or today.replace(day=1).isoformat(),
                "end": self.request.GET.get("end") or today.isoformat()}
        return LitigationListForm(data)

    def get_context_data(self, form=None, chosen=None, **kwargs):
        form = form or self.get_form()
        rows = []
        if form.is_valid():
            tasks = open_proposals(self.request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"])
            processes = {p.pk: p for p in ChainProcess.objects.filter(pk__in=[t.process_id for t in tasks])
                         .select_related("debt__debtor", "debt__unit", "requested_by")}
            rows = [{"task": t, "process": processes[t.process_id],
                     "checked": chosen is None or t.process_id in chosen} for t in tasks]
        signed = LitigationList.objects.filter(signed_by=self.request.user).select_related("signed_by")[:10]
        return super().get_context_data(form=form, rows=rows, signed=signed, **kwargs)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        chosen = {int(v) for v in request.POST.getlist("process") if v.isdigit()}
        if form.is_valid():
            try:
                signed = sign_list(request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"],
                                   process_ids=sorted(chosen), password=form.cleaned_data["password"],
                                   request=request)
            except DecisionError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("已签批名单：%(n)s 项起诉申请") % {"n": len(signed.entries)})
                return redirect("approvals:litigation_list_detail", signed.pk)
        return self.render_to_response(self.get_context_data(form=form, chosen=chosen), status=422)


class LitigationListDetailView(LoginRequiredMixin, generic.TemplateView):
    template_name = "approvals/litigation_list_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        signed = LitigationList.objects.select_related("signed_by").filter(pk=self.kwargs["pk"]).first()
        # The list names debts of every unit: the group-level roles and its signer see it.
        if signed is None or not (sees_all_units(user) or signed.signed_by_id == user.pk):
            raise Http404("no such list")
        processes = signed.processes.select_related("debt__debtor")
        return super().get_context_data(signed=signed, valid=verify_list(signed), processes=processes, **kwargs)


def participation(request, process: ChainProcess) -> dict:
    """What the task and process pages offer besides deciding: the comment form to the chain's
    participants while it runs (rule R4.120), the copy link to its requester and approvers
    (rule R4.122)."""
    user = request.user
    return {"may_comment": process.active and takes_part(user, process), "may_copy": may_copy(user, process),
            "comment_form": CommentForm(), "here": request.get_full_path()}


def _back(request, process):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return HttpResponseRedirect(target)
    return redirect("approvals:process", process.pk)


class CommentView(LoginRequiredMixin, generic.TemplateView):
    """评论 (rule R4.120): the form on its own page, where an invalid one comes back with its
    errors and what was typed; the task and process pages post here. Non-participants: 404."""

    template_name = "approvals/comment.html"

    def get_context_data(self, **kwargs):
        process = get_process_to_comment(self.request.user, self.kwargs["pk"])
        kwargs.setdefault("form", CommentForm())
        return super().get_context_data(process=process, records=records(process),
                                        next=self.request.POST.get("next") or self.request.GET.get("next", ""),
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        process = get_process_to_comment(request.user, kwargs["pk"])
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                chain_comment(process=process, user=request.user, text=form.cleaned_data["text"])
            except DecisionError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("已发表评论"))
                return _back(request, process)
        return self.render_to_response(self.get_context_data(form=form), status=422)


class CopyView(LoginRequiredMixin, generic.TemplateView):
    """临时抄送 (rule R4.122): the requester or an approver chooses people to copy the chain to."""

    template_name = "approvals/copy.html"

    def get_process(self):
        process = get_process_for(self.request.user, self.kwargs["pk"])
        if not may_copy(self.request.user, process):
            raise PermissionDenied(_("只有申请人或审批人可以抄送"))
        return process

    def get_context_data(self, **kwargs):
        process = self.get_process()
        kwargs.setdefault("form", CopyForm())
        copies = process.copies.select_related("user", "by")
        return super().get_context_data(process=process, copies=copies,
                                        next=self.request.POST.get("next") or self.request.GET.get("next", ""),
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        process = self.get_process()
        form = CopyForm(request.POST)
        if form.is_valid():
            try:
                done = copy_ad_hoc(process=process, by=request.user, users=form.cleaned_data["users"],
                                   note=form.cleaned_data["note"])
            except DecisionError as exc:
                _apply_error(form, exc)
            else:
                messages.success(request, _("已抄送给 %(n)s 人") % {"n": len(done)})
                return _back(request, process)
        return self.render_to_response(self.get_context_data(form=form), status=422)


class CopiedView(LoginRequiredMixin, generic.TemplateView):
    """抄送我的 (rule R4.122): the chains copied to this user, newest first, sortable."""

    template_name = "approvals/copied.html"

    def get_context_data(self, **kwargs):
        sort = self.request.GET.get("sort", "-at")
        sort = sort if sort in COPY_SORTS else "-at"
        page = Paginator(copied_to(self.request.user, sort), 25).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, sort=sort, **kwargs)


class MeetingView(LoginRequiredMixin, generic.TemplateView):
    """An authority body's meeting on one task (rules R4.140-R4.147): the secretary records who
    is present and closes the voting; each present member votes here with their own password."""

    template_name = "approvals/meeting.html"

    def get_task(self):
        task = get_task_for(self.request.user, self.kwargs["pk"])
        if not meetings.is_meeting_step(task):
            raise Http404("not a meeting step")
        return task

    def get_context_data(self, convene_form=None, vote_form=None, close_form=None, error=None, **kwargs):
        task = self.get_task()
        user, step, process = self.request.user, task.flow_task, task.process.coerced
        meeting = meetings.open_meeting(task)
        members = meetings.members_for(task)
        secretary_refusal = None if task.owner_id == user.pk and step.why_not(user, task) is None else (
            step.why_not(user, task) or _("只有认领该任务的会议记录人可以召集和结束会议"))
        vote_refusal = meetings.why_cannot_vote(meeting, user) if meeting else None
        rule = meeting.rule if meeting else meetings.rule_of(step.role_for(process))
        return super().get_context_data(
            task=task, step=step, process=process, meeting=meeting, members=members,
            tally=meetings.count(meeting) if meeting else None, rule_text=meetings.describe_rule(rule),
            rule_note=rule.get("note", ""), is_secretary=secretary_refusal is None,
            secretary_refusal=secretary_refusal, vote_refusal=vote_refusal,
            present_names=[u for u in members.eligible if meeting and u.pk in meeting.present],
            past=[m for m in meetings.meetings_of(process) if m.status != "voting"],
            task_open=task.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED),
            convene_form=convene_form or MeetingConveneForm(members=members.eligible),
            vote_form=vote_form or MeetingVoteForm(), close_form=close_form or MeetingCloseForm(),
            dossier=dossier(process, step), error=error, **kwargs)

    def post(self, request, *args, **kwargs):
        task = self.get_task()
        action = request.POST.get("action")
        forms_ = {}
        try:
            if action == "convene":
                form = forms_["convene_form"] = MeetingConveneForm(
                    request.POST, members=meetings.members_for(task).eligible)
                # The service names who may not sit (rule R4.144); the form only redisplays.
                present = [int(pk) for pk in request.POST.getlist("present") if pk.isdigit()]
                meeting = meetings.convene(task=task, secretary=request.user, present=present, request=request)
                if meeting.status == "no_quorum":
                    messages.warning(request, _("出席人数未达法定人数，会议不能表决，本步骤保持待办，可重新召集：%(t)s")
                                     % {"t": meetings.tally_text({**meeting.tally, "for": 0, "against": 0,
                                                                 "abstain": 0, "not_voted": 0})})
                else:
                    messages.success(request, _("会议已召开，出席成员可以表决"))
            elif action in ("vote", "close"):
                meeting = meetings.open_meeting(task)
                if meeting is None:
                    raise DecisionError(_("会议表决已结束"))
                form_class = MeetingVoteForm if action == "vote" else MeetingCloseForm
                form = forms_[f"{action}_form"] = form_class(request.POST)
                if not form.is_valid():
                    raise DecisionError(_("表决：请选择同意、反对或弃权"), "vote")
                verified = meetings.verify_for(request.user, form.cleaned_data["password"], task_id=task.pk,
                                               request=request)
                if action == "vote":
                    meetings.cast_vote(meeting=meeting, member=request.user, vote=form.cleaned_data["vote"],
                                       opinion=form.cleaned_data["opinion"], verified=verified,
                                       covers=request.POST.get("covers"))
                    messages.success(request, _("已表决"))
                else:
                    meeting = meetings.close(meeting=meeting, secretary=request.user, verified=verified,
                                             request=request)
                    messages.success(request, _("表决已结束：%(result)s") % {"result": meeting.get_status_display()})
                    return redirect("approvals:process", task.process_id)
            else:
                raise Http404("no such action")
        except DecisionError as exc:
            form = next(iter(forms_.values()), None)
            if form is not None and exc.field in form.fields:
                form.add_error(exc.field, str(exc))
                error = None
            else:
                error = str(exc)
            response = self.render_to_response(self.get_context_data(error=error, **forms_))
            response.status_code = 422 if request.META.get("HTTP_X_REQUEST_FRAMEWORK") == "Turbo" else 200
            return response
        return redirect("approvals:meeting", task.pk)
