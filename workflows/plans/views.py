"""Pages of clearing plans, the quarterly assessment with its reward/penalty lists, and collection
costs with designated hard debts. Thin: the work is in workflows.plans.targets / rewards; every
query is scoped by workflows.reports.scope."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views import generic

from workflows.exceptions import AssessmentError, PlanError, QuarterlyReportError
from workflows.models import ClearingPlan, CollectionCost, Debt, HardDebt, ItemKind, PlanState, QuarterAssessment
from workflows.plans import chain, quarterly, rewards
from workflows.plans import targets as plans
from workflows.reports import excel as excel_export
from workflows.reports.scope import report_debts, sees_all_figures
from workflows.reports.views import ROWS_PER_PAGE, XLSX, ReportAccess, TurboFormMixin, quarter_from


def _plan_form_values(post):
    return post.get("annual_target", ""), [post.get(f"m{i}", "") for i in range(1, 13)]


class PlanListView(ReportAccess, TurboFormMixin, generic.TemplateView):
    """Plans of a year: the handler edits and submits their own; 清欠小组 and the others who
    see every figure get the whole list with progress."""

    template_name = "workflows/reports_plans.html"

    def year(self):
        try:
            return int(self.request.GET.get("year") or self.request.POST.get("year") or timezone.localdate().year)
        except ValueError:
            return timezone.localdate().year

    def get_context_data(self, **kwargs):
        user, year = self.request.user, self.year()
        own = ClearingPlan.objects.filter(handler=user, year=year).prefetch_related("targets").first()
        visible = plans.plans_for(user).filter(year=year).order_by("handler__username", "pk")
        page = Paginator(visible, ROWS_PER_PAGE).get_page(self.request.GET.get("page"))
        done_by = plans.recovered_by_handler([p.handler_id for p in page.object_list], year,
                                             until=timezone.localdate())
        rows = []
        for plan in page.object_list:
            done = done_by.get(plan.handler_id, plans.ZERO)
            rows.append({"plan": plan, "done": done,
                         "rate": (done / plan.annual_target * 100).quantize(plans.ZERO) if plan.annual_target else None,
                         "review": chain.open_review_task(plan) if plan.state == PlanState.SUBMITTED else None})
        targets = {t.month: t.amount for t in own.targets.all()} if own else {}
        values = kwargs.pop("values", None) or {
            "annual_target": own.annual_target if own else "",
            "months": [targets.get(m, "") for m in range(1, 13)],
        }
        return super().get_context_data(
            year=year, own=own, rows=rows, page_obj=page, may_plan=plans.may_plan(user), values=values,
            may_review=user.groups.filter(name__in=plans.APPROVER_ROLES).exists(),
            month_range=range(1, 13), deadline=plans.submission_deadline(year),
            editable=(own is None or own.state in (PlanState.DRAFT, PlanState.REJECTED)),
            revise_task=chain.open_revise_task(own) if own else None, **kwargs)

    def post(self, request, *args, **kwargs):
        user, year = request.user, self.year()
        if not plans.may_plan(user):
            raise PermissionDenied
        annual, months = _plan_form_values(request.POST)
        try:
            with transaction.atomic():
                plan = plans.save_plan(user, year, annual, months)
                if request.POST.get("action") == "submit":
                    revise = chain.open_revise_task(plan)
                    if revise is not None:
                        raise PlanError(_("此计划被退回修改，请在待办任务中重新提交"))
                    chain.submit(plan, user)
        except PlanError as exc:
            context = self.get_context_data(form_error=str(exc),
                                            values={"annual_target": annual, "months": months})
            return self.invalid(context)
        messages.success(request, _("计划已提交清欠小组审批") if request.POST.get("action") == "submit"
                         else _("计划已保存"))
        return HttpResponseRedirect(f"{request.path}?year={year}")


class PlanDetailView(ReportAccess, generic.DetailView):
    template_name = "workflows/reports_plan_detail.html"
    context_object_name = "plan"

    def get_queryset(self):
        return plans.plans_for(self.request.user).prefetch_related("targets")

    def get_context_data(self, **kwargs):
        plan = self.object
        return super().get_context_data(progress=plans.progress(plan), quarters=plans.quarter_targets(plan),
                                        review=chain.open_review_task(plan), **kwargs)


class PlanReviewView(TurboFormMixin, generic.TemplateView):
    """viewflow execute view of the 清欠小组 step (request.activation is set by viewflow)."""

    template_name = "workflows/reports_plan_review.html"

    def get_context_data(self, **kwargs):
        plan = self.request.activation.process.artifact
        return super().get_context_data(plan=plan, progress=plans.progress(plan),
                                        quarters=plans.quarter_targets(plan), task=self.request.activation.task,
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        activation = request.activation
        plan = ClearingPlan.objects.select_for_update().get(pk=activation.process.artifact_object_id)
        decision, note = request.POST.get("decision", ""), request.POST.get("note", "")
        try:
            with transaction.atomic():
                plans.decide(plan, request.user, decision, note)
        except PlanError as exc:
            return self.invalid(self.get_context_data(form_error=str(exc), note=note))
        activation.process.data = {**activation.process.data, "decision": decision, "decided_by": request.user.pk,
                                   "note": note}
        activation.process.save(update_fields=["data"])
        activation.execute()
        messages.success(request, _("已办理：%(p)s") % {"p": plan})
        return HttpResponseRedirect(reverse("reports:plans") + f"?year={plan.year}")


class PlanReviseView(TurboFormMixin, generic.TemplateView):
    """viewflow execute view of the handler's rework step: edit and resubmit."""

    template_name = "workflows/reports_plan_revise.html"

    def get_context_data(self, **kwargs):
        plan = self.request.activation.process.artifact
        targets = {t.month: t.amount for t in plan.targets.all()}
        values = kwargs.pop("values", None) or {"annual_target": plan.annual_target,
                                                "months": [targets.get(m, "") for m in range(1, 13)]}
        return super().get_context_data(plan=plan, values=values, month_range=range(1, 13), **kwargs)

    def post(self, request, *args, **kwargs):
        activation = request.activation
        plan = activation.process.artifact
        annual, months = _plan_form_values(request.POST)
        try:
            with transaction.atomic():
                plan = plans.save_plan(request.user, plan.year, annual, months)
                plans.mark_submitted(plan, request.user)
        except PlanError as exc:
            return self.invalid(self.get_context_data(form_error=str(exc),
                                                      values={"annual_target": annual, "months": months}))
        activation.process.data = {**activation.process.data, "decision": "", "resubmitted": True}
        activation.process.save(update_fields=["data"])
        activation.execute()
        messages.success(request, _("计划已重新提交清欠小组审批"))
        return HttpResponseRedirect(reverse("reports:plans") + f"?year={plan.year}")


# --- quarterly assessment ------------------------------------------------------------------

class AssessmentListView(ReportAccess, generic.ListView):
    template_name = "workflows/reports_assessments.html"
    paginate_by = ROWS_PER_PAGE
    model = QuarterAssessment

    def get_queryset(self):
        return QuarterAssessment.objects.select_related("approved_by", "computed_by")

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        return super().get_context_data(may_compute=rewards.may_compute(self.request.user), this_year=today.year,
                                        quarters=[1, 2, 3, 4], **kwargs)

    def post(self, request, *args, **kwargs):
        if not rewards.may_compute(request.user):
            raise PermissionDenied
        year, quarter, error = quarter_from(request.POST)
        if error:
            messages.error(request, error)
            return HttpResponseRedirect(reverse("reports:assessments"))
        try:
            assessment = rewards.compute_assessment(year, quarter, by=request.user)
        except AssessmentError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(reverse("reports:assessments"))
        messages.success(request, _("已计算：%(a)s") % {"a": assessment})
        return HttpResponseRedirect(reverse("reports:assessment", args=[assessment.pk]))


class AssessmentDetailView(ReportAccess, generic.DetailView):
    template_name = "workflows/reports_assessment.html"
    model = QuarterAssessment
    context_object_name = "assessment"

    def get_context_data(self, **kwargs):
        user, assessment = self.request.user, self.object
        lines = rewards.lines_for(assessment, user)
        items = assessment.items.select_related("debt", "person")
        if not sees_all_figures(user):
            items = items.filter(person=user)
        return super().get_context_data(
            lines=lines, items=items[:200], item_count=items.count(), kinds=ItemKind,
            may_approve=rewards.may_decide(user) and assessment.computed_by_id != user.pk
            and assessment.state == "draft",
            may_export=sees_all_figures(user), **kwargs)

    def post(self, request, *args, **kwargs):
        assessment = self.get_object()
        try:
            rewards.approve_assessment(assessment, by=request.user)
        except AssessmentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("清欠小组已批准：%(a)s") % {"a": assessment})
        return HttpResponseRedirect(reverse("reports:assessment", args=[assessment.pk]))


def assessment_export(request, pk):
    if not request.user.is_authenticated:
        return HttpResponseRedirect(f"{reverse('login')}?next={request.get_full_path()}")
    if not sees_all_figures(request.user):
        raise PermissionDenied
    assessment = get_object_or_404(QuarterAssessment, pk=pk)
    body = excel_export.assessment_workbook(assessment, rewards.lines_for(assessment, request.user),
                                            assessment.items.select_related("debt", "person"))
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="assessment-{assessment.year}-Q{assessment.quarter}.xlsx"')
    return response



# --- collection costs and designated hard debts ----------------------------------------------

class CostsView(ReportAccess, TurboFormMixin, generic.ListView):
    """清欠费用 recorded against debts the user may see (a handler: their own), and the list of
    designated hard debts; 清欠小组 designates, anyone who works the debt records a cost."""

    template_name = "workflows/reports_costs.html"
    paginate_by = ROWS_PER_PAGE

    def get_queryset(self):
        return (CollectionCost.objects.filter(debt__in=report_debts(self.request.user).values("pk"))
                .select_related("debt", "recorded_by").order_by("-date", "-pk"))

    def get_context_data(self, **kwargs):
        user = self.request.user
        hard = HardDebt.objects.filter(debt__in=report_debts(user).values("pk")).select_related("debt",
                                                                                              "designated_by")
        return super().get_context_data(hard_debts=hard[:100], may_designate=rewards.may_decide(user),
                                        values=kwargs.pop("values", {}), today=timezone.localdate(), **kwargs)

    def _debt(self, code):
        try:
            return report_debts(self.request.user).get(code=code.strip())
        except Debt.DoesNotExist:
            raise AssessmentError(_("债权编号：找不到您可以查看的债权“%(c)s”") % {"c": code}) from None

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "cost")
        values = request.POST.dict()
        try:
            with transaction.atomic():
                debt = self._debt(values.get("debt_code", ""))
                when = _parse_day(values.get("date", ""), _("日期"))
                if action == "hard":
                    if not rewards.may_decide(request.user):
                        raise PermissionDenied
                    rewards.designate_hard_debt(debt, when, values.get("resolution", ""), by=request.user)
                    done = _("已指定为难收欠款：%(c)s") % {"c": debt.code}
                else:
                    rewards.record_cost(debt.pk, values.get("amount", ""), when, values.get("description", ""),
                                        by=request.user)
                    done = _("已登记清欠费用：%(c)s") % {"c": debt.code}
        except AssessmentError as exc:
            self.object_list = self.get_queryset()
            return self.invalid(self.get_context_data(form_error=str(exc), form_action=action, values=values))
        messages.success(request, done)
        return HttpResponseRedirect(reverse("reports:costs"))


def _parse_day(raw, field):
    try:
        parsed = parse_date(raw or "")
    except ValueError:
        parsed = None
    if parsed is None:
        raise AssessmentError(_("%(f)s：“%(v)s”不是有效日期（格式：2025-06-30）") % {"f": field, "v": raw})
    return parsed


class QuarterlyReportsView(ReportAccess, TurboFormMixin, generic.TemplateView):
    """季度清欠报告 (rule R6.19): a responsible person submits the quarter's report with their
    analysis; everyone sees whose report is due, on time, late or missing."""

    template_name = "workflows/reports_quarterly.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        params = self.request.POST if self.request.method == "POST" else self.request.GET
        if "default" in kwargs:
            year, quarter = kwargs.pop("default")
        else:
            year, quarter, error = quarter_from(params)
            if error:
                kwargs.setdefault("form_error", error)
        rows = quarterly.status(user, year, quarter)
        own = next((r for r in rows if r.person.pk == user.pk), None)
        return super().get_context_data(
            year=year, quarter=quarter, rows=rows, own=own, may_report=quarterly.may_report(user),
            due_on=quarterly.due_date(year, quarter), values=kwargs.pop("values", {}),
            page_title=_("季度清欠报告"), **kwargs)

    def post(self, request, *args, **kwargs):
        year, quarter, error = quarter_from(request.POST)
        values = {"analysis": request.POST.get("analysis", "")}
        try:
            if error:
                raise QuarterlyReportError(error)
            report = quarterly.submit_report(person=request.user, year=year, quarter=quarter,
                                             analysis=values["analysis"])
        except QuarterlyReportError as exc:
            return self.invalid(self.get_context_data(form_error=str(exc), values=values,
                                                      default=(year, quarter)))
        messages.success(request, _("已上报 %(year)s 年第 %(q)s 季度清欠报告") % {"year": year, "q": quarter}
                         + (_("（逾期上报）") if report.late else ""))
        return HttpResponseRedirect(f"{reverse('reports:quarterly')}?year={year}&quarter={quarter}")
