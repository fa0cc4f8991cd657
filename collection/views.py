"""Collection pages (GET, in the viewflow site) and their form posts (plain routes).

Views stay thin: rules live in contacts / visits / letters / payment_plans / legal /
outsourcing, and every record is loaded through collection.access. Every view needs a login
and workflows.view_debt; a record of a debt outside the user's units answers 404; one the
user sees but may not act on answers 403 (the services check the role again)."""
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import TemplateView

from workflows.models import OPEN_STATES, State
from workflows.pagination import page_of, query_without_page
from workflows.scoping import debts_for

from . import access, confirmations, forms, legal, letters, outsourcing, payment_plans, permissions, visits
from .contacts import log_contact
from .exceptions import CollectionError
from .models import (
    Agency,
    ConfirmationRun,
    ConfirmationSettings,
    Contact,
    Engagement,
    Instalment,
    LegalCase,
    Letter,
    PaymentPlan,
    Stage,
    VisitReport,
)
from .permissions import Act

WORKED_STATES = [*OPEN_STATES, State.WRITTEN_OFF, State.SETTLED_IN_KIND]


class Access(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm("workflows.view_debt"):
            raise PermissionDenied(_("没有查看债权的权限"))
        return super().dispatch(request, *args, **kwargs)


# --- pages -------------------------------------------------------------------------------

class WorklistView(Access, TemplateView):
    """催收工作: the debts in scope that are being pursued."""

    template_name = "collection/worklist.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        debts = debts_for(user).filter(state__in=WORKED_STATES).select_related("debtor", "unit", "handler", "clock")
        text = (self.request.GET.get("q") or "").strip()[:100]
        if text:
            debts = debts.filter(Q(code__icontains=text) | Q(debtor__name__icontains=text))
        if self.request.GET.get("mine") == "1":
            debts = debts.filter(handler=user)
        debts = debts.annotate(
            contacts_n=Count("contacts", distinct=True),
            broken=Exists(Contact.objects.filter(debt=OuterRef("pk"), promise_state="broken")),
            missed=Exists(Instalment.objects.filter(plan__debt=OuterRef("pk"), missed=True)),
        ).order_by("code")
        ctx.update(page_obj=page_of(self.request, debts), q=text, mine=self.request.GET.get("mine") == "1",
                   query=query_without_page(self.request))
        return ctx


class DebtWorkView(Access, TemplateView):
    """One debt's collection work: contact log, letters, visits, plans, outsourcing, case."""

    template_name = "collection/debt.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        debt = access.get_debt_for(user, kwargs["debt_id"], for_=Act.READ)
        worker = permissions.may_work(user)
        plans = list(PaymentPlan.objects.filter(debt=debt).prefetch_related("instalments"))
        engagements = [(e, outsourcing.fee(e)) for e in Engagement.objects.filter(debt=debt).select_related("agency")]
        letter_kinds = letters.kinds_for(user, debt)
        ctx.update(
            debt=debt, worker=worker, is_legal=permissions.is_legal(user), may_pay=permissions.may_pay_fees(user),
            contacts=page_of(self.request, Contact.objects.filter(debt=debt).select_related("by")
                           .prefetch_related("documents")),
            query="",
            letters=Letter.objects.filter(debt=debt).select_related("document", "proof"),
            visits=(VisitReport.objects.filter(debt=debt).select_related("by", "signed_record")
                    .prefetch_related("photos")),
            visit_allowed=visits.visit_plan_approved(debt),
            plans=[(p, payment_plans.plan_summary(p)) for p in plans],
            engagements=engagements, decision_pending=outsourcing.approved_decision(debt),
            cases=LegalCase.objects.filter(debt=debt),
            contact_form=forms.ContactForm(), receipt_form=forms.ReceiptForm(),
            confirmation_form=forms.ConfirmationForm(), visit_form=forms.VisitForm(), plan_form=forms.PlanForm(),
            payment_form=forms.PlanPaymentForm(), engage_form=forms.EngageForm(), fee_form=forms.FeeForm(),
            take_form=forms.TakeCaseForm(), letter_kinds=letter_kinds,
            letter_form=forms.LetterDraftForm(initial={"attention": debt.debtor.contact,
                                                       "address": debt.debtor.address}),
            closed=debt.state in (State.CLEARED, State.SEALED),
        )
        return ctx


def _draft_from(request, debt, data):
    """(draft or None, error message or None, the bound form) for the preview pages."""
    form = forms.LetterDraftForm(data)
    if not form.is_valid():
        return None, "；".join(forms.errors_of(form)), form
    d = form.cleaned_data
    try:
        draft = letters.draft_letter(debt, d["kind"], by=request.user, attention=d["attention"],
                                     address=d["address"])
    except CollectionError as exc:
        return None, exc.message, form
    return draft, None, form


def _preview_query(d):
    return urlencode({k: d.get(k) or "" for k in ("kind", "attention", "address")})


class LetterPreviewView(Access, TemplateView):
    """The letter as it will be archived (rule R9.13), with the button that archives it; the
    archive is immutable, so nothing is written before the user confirms here."""

    template_name = "collection/letter_preview.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        debt = access.get_debt_for(self.request.user, kwargs["debt_id"], for_=Act.READ)
        draft, error, form = _draft_from(self.request, debt, self.request.GET)
        ctx.update(debt=debt, draft=draft, error=error, form=form, query=_preview_query(self.request.GET))
        if draft is not None:
            ctx.update(number=letters.predicted_number(draft)[2], token=uuid.uuid4(),
                       confirm_form=forms.LetterForm(initial={
                           "kind": draft.kind, "attention": draft.attention, "address": draft.address,
                           "fingerprint": draft.fingerprint}))
        return ctx


@method_decorator(xframe_options_sameorigin, name="dispatch")
class LetterSheetView(Access, View):
    """The preview's sheet (HTML) for the frame of the preview page; marked 预览 · 未存档."""

    pdf = False

    def get(self, request, debt_id):
        debt = access.get_debt_for(request.user, debt_id, for_=Act.READ)
        draft, error, _form = _draft_from(request, debt, request.GET)
        if draft is None:
            return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
        number = letters.predicted_number(draft)[2]
        if self.pdf:
            response = HttpResponse(letters.render_pdf(draft, number, preview=True), content_type="application/pdf")
            response["Content-Disposition"] = "inline; filename=preview.pdf"
            return response
        return HttpResponse(draft.html(number, preview=True))


class ConfirmationsView(Access, TemplateView):
    """定期对账 (rule R5.19): the debts a balance confirmation is due for, in the user's scope, and
    the bulk runs with their progress."""

    template_name = "collection/confirmations.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        permissions.require(user, Act.CONFIRM_BALANCES)
        conf = ConfirmationSettings.current()
        due = (confirmations.due_for_confirmation(debts_for(user), conf=conf)
               .select_related("debtor", "unit", "clock").order_by("code"))
        runs = ConfirmationRun.objects.filter(requested_by=user).order_by("-requested_at", "-pk")[:10]
        ctx.update(conf=conf, page_obj=page_of(self.request, due), query=query_without_page(self.request),
                   runs=runs, running=any(r.status in ("pending", "running") for r in runs))
        return ctx


class PlansView(Access, TemplateView):
    template_name = "collection/plans.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plans = (PaymentPlan.objects.filter(debt__in=debts_for(self.request.user))
                 .select_related("debt__debtor")
                 .annotate(missed_n=Count("instalments", filter=Q(instalments__missed=True)),
                           count_n=Count("instalments"))
                 .order_by("-agreed_on", "-pk"))   # an aggregate drops Meta.ordering: pages would shift
        if self.request.GET.get("missed") == "1":
            plans = plans.filter(missed_n__gt=0)
        ctx.update(page_obj=page_of(self.request, plans), missed=self.request.GET.get("missed") == "1",
                   query=query_without_page(self.request))
        return ctx


class LegalBoardView(Access, TemplateView):
    template_name = "collection/legal_board.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        permissions.require(user, Act.READ_LEGAL_BOARD)
        debts = debts_for(user)
        cases = LegalCase.objects.filter(debt__in=debts)
        stage = self.request.GET.get("stage") or ""
        listed = cases.select_related("debt__debtor", "taken_by")
        if stage in Stage.values:
            listed = listed.filter(stage=stage)
        ctx.update(board=legal.legal_board(debts, cases), page_obj=page_of(self.request, listed), stage=stage,
                   query=query_without_page(self.request), is_legal=permissions.is_legal(user))
        return ctx


class CaseView(Access, TemplateView):
    template_name = "collection/case.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        case = access.get_legal_case_for(user, kwargs["pk"], for_=Act.READ)
        nxt = legal.NEXT[Stage(case.stage)]
        stage_form = forms.StageForm(initial={"stage": nxt[0] if nxt else ""})
        stage_form.fields["stage"].choices = [(s.value, s.label) for s in nxt]
        ctx.update(case=case, debt=case.debt, is_legal=permissions.is_legal(user), next_stages=nxt,
                   history=case.stage_changes.select_related("by"), hearings=case.hearings.all(),
                   costs=case.costs.select_related("by"), papers=case.documents.all(),
                   total_costs=sum(c.amount for c in case.costs.all()),
                   stage_form=stage_form, hearing_form=forms.HearingForm(), cost_form=forms.CostForm(),
                   papers_form=forms.PapersForm())
        return ctx


class AgenciesView(Access, TemplateView):
    template_name = "collection/agencies.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        engagements = (Engagement.objects.filter(debt__in=debts_for(user))
                       .select_related("agency", "debt__debtor").order_by("-start_date", "-pk"))
        page = page_of(self.request, engagements)
        ctx.update(agencies=Agency.objects.all(), page_obj=page, query=query_without_page(self.request),
                   rows=[(e, outsourcing.fee(e)) for e in page.object_list],
                   form=forms.AgencyForm() if permissions.may_manage_agencies(user) else None)
        return ctx


# --- form posts --------------------------------------------------------------------------

def _work_url(debt_id):
    return reverse("collect:debt", kwargs={"debt_id": debt_id})


def _case_url(case_id):
    return reverse("collect:case", kwargs={"pk": case_id})


class Post(Access, View):
    """Load the record through collection.access (404 out of scope, 403 without the role for
    `needs`), validate the form, call the service, report success or each error, go back."""

    http_method_names = ["post"]
    form_class = None
    success = ""
    needs = Act.WORK

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and permissions.is_auditor(request.user):
            raise PermissionDenied(_("审计人员只能查阅，不能修改"))
        return super().dispatch(request, *args, **kwargs)

    def target(self, request, **kwargs):
        """(object, url to return to)."""
        raise NotImplementedError

    def act(self, request, obj, data):
        raise NotImplementedError

    # The page the form sits on, shown again with the typed input and each error next to its
    # field when the form or the service refuses (issue 19 item 8: the redirect used to wipe
    # the input and list the errors in the green message banner).
    page = None          # the page view (DebtWorkView, CaseView, AgenciesView)
    form_key = ""        # the form's name in that page's context
    per_row = False      # one form per listed record (a letter, a plan, an engagement)

    def page_kwargs(self, obj):
        return {"debt_id": obj.debt_id}

    def post(self, request, **kwargs):
        obj, back = self.target(request, **kwargs)
        form = self.form_class(request.POST, request.FILES) if self.form_class else None
        if form is not None and not form.is_valid():
            return self.refused(request, obj, form)
        try:
            result = self.act(request, obj, form.cleaned_data if form is not None else {})
        except CollectionError as exc:
            if form is None or self.page is None:
                messages.error(request, exc.message)
                return HttpResponseRedirect(back)
            attach_error(form, exc.message)
            return self.refused(request, obj, form)
        messages.success(request, self.success)
        if isinstance(result, str):
            back = result
        return HttpResponseRedirect(back)

    def refused(self, request, obj, form):
        if self.page is None:
            for message in forms.errors_of(form):
                messages.error(request, message)
            return HttpResponseRedirect(self.target(request, **self.kwargs)[1])
        page = self.page()
        page.setup(request, **self.page_kwargs(obj))
        context = page.get_context_data(**self.page_kwargs(obj))
        if not self.per_row:
            context[self.form_key] = form
        # 422: Turbo's protocol for a re-rendered form; a plain browser shows it as any page.
        context["refused"] = {"key": self.form_key, "pk": getattr(obj, "pk", None), "form": form,
                              "errors": forms.errors_of(form)}
        return TemplateResponse(request, page.template_name, context, status=422)


def attach_error(form, message):
    """A service refusal names its field ('结果：必须填写联系结果', 'Outcome: ...'): show it next
    to that field, or above the form when it names none."""
    for name, field in form.fields.items():
        label = str(field.label or "")
        for separator in ("：", ": "):
            if label and message.startswith(label + separator):
                form.add_error(name, message[len(label) + len(separator):])
                return
    form.add_error(None, message)


class DebtPost(Post):
    page = DebtWorkView

    def page_kwargs(self, debt):
        return {"debt_id": debt.pk}

    def target(self, request, debt_id):
        debt = access.get_debt_for(request.user, debt_id, for_=self.needs)
        return debt, _work_url(debt.pk)


class ContactPost(DebtPost):
    form_class = forms.ContactForm
    form_key = "contact_form"
    success = _("已登记催收记录")

    def act(self, request, debt, d):
        log_contact(debt, d["kind"], d["outcome"], by=request.user, promise_amount=d["promise_amount"],
                    promise_date=d["promise_date"], attachments=d["attachments"], request=request)


class LetterPost(DebtPost):
    """Archive a previewed letter. A refusal goes back to the preview with what was chosen."""

    def post(self, request, debt_id):
        debt, back = self.target(request, debt_id=debt_id)
        preview = f"{reverse('collect:letter_preview', kwargs={'debt_id': debt.pk})}?{_preview_query(request.POST)}"
        form = forms.LetterForm(request.POST)
        if not form.is_valid():
            for message in forms.errors_of(form):
                messages.error(request, message)
            return HttpResponseRedirect(preview)
        d = form.cleaned_data
        try:
            letter = letters.generate_letter(debt, d["kind"], by=request.user, attention=d["attention"],
                                             address=d["address"], fingerprint=d["fingerprint"],
                                             preview_token=d["preview_token"], request=request)
        except CollectionError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(preview)
        if letter.reused:
            messages.info(request, _("该预览已存档为 %(number)s，未重复生成") % {"number": letter.number})
        else:
            messages.success(request, _("函件 %(number)s 已生成并存入案卷") % {"number": letter.number})
        return HttpResponseRedirect(back)


class LetterProofPost(Post):
    page = DebtWorkView
    per_row = True

    def target(self, request, pk):
        letter = access.get_letter_for(request.user, pk, for_=self.needs)
        return letter, _work_url(letter.debt_id)


class ReceiptPost(LetterProofPost):
    form_class = forms.ReceiptForm
    form_key = "receipt_form"
    success = _("已登记回执，诉讼时效重新起算")

    def act(self, request, letter, d):
        letters.record_receipt(letter, by=request.user, receipt_date=d["receipt_date"], file=d["file"],
                               proof_kind=d["proof_kind"], tracking_no=d["tracking_no"],
                               evidence_no=d["evidence_no"], request=request)


class ConfirmationPost(LetterProofPost):
    form_class = forms.ConfirmationForm
    form_key = "confirmation_form"
    success = _("已登记债务人签认，诉讼时效重新起算")

    def act(self, request, letter, d):
        letters.record_signed_confirmation(letter, by=request.user, signed_date=d["signed_date"], file=d["file"],
                                           request=request)


class VisitPost(DebtPost):
    form_class = forms.VisitForm
    form_key = "visit_form"
    success = _("已登记走访报告")

    def act(self, request, debt, d):
        visits.record_visit(debt, by=request.user, visited_on=d["visited_on"],
                            business_operating=d["business_operating"], met_whom=d["met_whom"],
                            next_step=d["next_step"], assets_seen=d["assets_seen"], photos=d["photos"],
                            signed_record=d["signed_record"], no_signature_reason=d["no_signature_reason"],
                            request=request)


class ConfirmationRunPost(Post):
    success = _("已开始批量生成对账确认函，进度见下表")
    needs = Act.CONFIRM_BALANCES

    def target(self, request):
        permissions.require(request.user, self.needs)  # the debts are the user's whole scope
        return None, reverse("collect:confirmations")

    def act(self, request, _obj, _data):
        confirmations.start_confirmation_run(debts_for(request.user), by=request.user)


class PlanPost(DebtPost):
    form_class = forms.PlanForm
    form_key = "plan_form"
    success = _("已登记分期还款协议")

    def act(self, request, debt, d):
        payment_plans.create_plan(debt, by=request.user, agreed_on=d["agreed_on"], instalments=d["schedule"],
                                  note=d["note"], file=d["file"], request=request)


class PlanPaymentPost(Post):
    form_class = forms.PlanPaymentForm
    form_key = "payment_form"
    page = DebtWorkView
    per_row = True
    success = _("已登记还款并匹配到分期")

    def target(self, request, pk):
        plan = access.get_payment_plan_for(request.user, pk, for_=self.needs)
        return plan, _work_url(plan.debt_id)

    def act(self, request, plan, d):
        payment_plans.record_plan_payment(plan, d["amount"], d["date"], by=request.user, reference=d["reference"])


class EngagePost(DebtPost):
    form_class = forms.EngageForm
    form_key = "engage_form"
    success = _("已登记委托外部催收")
    needs = Act.ENGAGE

    def act(self, request, debt, d):
        outsourcing.engage(debt, d["agency"], by=request.user, fee_percent=d["fee_percent"],
                           start_date=d["start_date"])


class FeePost(Post):
    form_class = forms.FeeForm
    form_key = "fee_form"
    page = DebtWorkView
    per_row = True
    success = _("已登记委托费用支付")
    needs = Act.PAY_FEE

    def target(self, request, pk):
        engagement = access.get_engagement_for(request.user, pk, for_=self.needs)
        return engagement, _work_url(engagement.debt_id)

    def act(self, request, engagement, d):
        outsourcing.pay_fee(engagement, d["amount"], by=request.user, paid_on=d["paid_on"])


class AgencyPost(Post):
    form_class = forms.AgencyForm
    form_key = "form"
    page = AgenciesView
    success = _("已登记受托机构")
    needs = Act.MANAGE_AGENCIES

    def page_kwargs(self, _obj):
        return {}

    def target(self, request):
        permissions.require(request.user, self.needs)  # no record to load: the registry is shared
        return None, reverse("collect:agencies")

    def act(self, request, _obj, d):
        outsourcing.register_agency(by=request.user, name=d["name"], kind=d["kind"],
                                    fee_percent=d["default_fee_percent"], contact=d["contact"], phone=d["phone"])


class TakeCasePost(DebtPost):
    form_class = forms.TakeCaseForm
    form_key = "take_form"
    success = _("已受理诉讼案件")
    needs = Act.LEGAL

    def act(self, request, debt, d):
        case = legal.take_case(debt, by=request.user, claim_amount=d["claim_amount"])
        return _case_url(case.pk)


class CasePost(Post):
    needs = Act.LEGAL
    page = CaseView

    def page_kwargs(self, obj):
        return {"pk": obj.pk}

    def target(self, request, pk):
        case = access.get_legal_case_for(request.user, pk, for_=self.needs)
        return case, _case_url(case.pk)


class StagePost(CasePost):
    form_class = forms.StageForm
    form_key = "stage_form"
    success = _("案件阶段已变更")

    def act(self, request, case, d):
        legal.move_stage(case, d["stage"], by=request.user, on=d["on"], note=d["note"], court=d["court"],
                         case_number=d["case_number"], outcome=d["outcome"], judgment_amount=d["judgment_amount"],
                         files=d["files"], request=request)


class HearingPost(CasePost):
    form_class = forms.HearingForm
    form_key = "hearing_form"
    success = _("已登记开庭")

    def act(self, request, case, d):
        legal.add_hearing(case, by=request.user, at=d["at"], place=d["place"], note=d["note"])


class CostPost(CasePost):
    form_class = forms.CostForm
    form_key = "cost_form"
    success = _("已登记诉讼费用")

    def act(self, request, case, d):
        legal.add_cost(case, by=request.user, kind=d["kind"], amount=d["amount"], on=d["on"])


class PapersPost(CasePost):
    form_class = forms.PapersForm
    form_key = "papers_form"
    success = _("法院文书已存入案卷")

    def act(self, request, case, d):
        legal.add_papers(case, d["files"], by=request.user, request=request)
