"""Debt pages: the list, the detail and recording a ledger entry. Thin: scoping, filtering
and posting live in workflows.scoping, workflows.debts.filters and workflows.ledger."""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import TemplateView
from django_filters.views import FilterView

from approvals.actions import available_actions, running_chain
from workflows.debts.filters import DebtFilter, days_overdue
from workflows.debts.forms import LedgerEntryForm, LiftSupplyStopForm, may_record_entry
from workflows.models import State
from workflows.reports.excel import debts_workbook
from workflows.scoping import debts_for, get_debt_for, get_debtor_for
from workflows.supply import may_lift
from workflows.supply import status as supply_status
from workflows.templatetags.qq import money
from workflows.triage import suspensions_in_force

# The list's columns, key ones first (issue 19 item 7: at 1366 px the balance and the state
# used to be cut off at the right): sort key -> ORDER BY. Days overdue sort by the due date
# (the more overdue, the earlier the due date); the state by its place in the lifecycle.
COLUMNS = [("code", _lazy("债权编号"), False), ("debtor", _lazy("债务人"), False),
           ("balance", _lazy("债权余额(元)"), True), ("state", _lazy("状态"), False),
           ("days_overdue", _lazy("逾期天数"), True), ("due_date", _lazy("到期日"), False),
           ("unit", _lazy("单位"), False), ("handler", _lazy("经办人"), False), ("category", _lazy("类别"), False)]
SORTS = {
    "code": ("code",),
    "debtor": ("debtor__name",),
    "balance": ("balance",),
    "state": ("state_rank",),
    "days_overdue": ("-due_date",),
    "due_date": ("due_date",),
    "unit": ("unit__name",),
    "handler": ("handler__last_name", "handler__first_name", "handler__username"),
    "category": ("category",),
}
PAGE_SIZES = (25, 50, 100, 200)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DebtAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "workflows.view_debt"


class DebtListView(DebtAccessMixin, FilterView):
    """清欠台账: filter, sort by any column (?sort=balance, ?sort=-balance), choose the page
    size (?per_page=), export what the filter selects (debts:export, same query)."""

    filterset_class = DebtFilter
    template_name = "workflows/debt_list.html"
    paginate_by = PAGE_SIZES[0]
    strict = False

    def sort_key(self):
        key = self.request.GET.get("sort") or "code"
        return key if key.lstrip("-") in SORTS else "code"

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("per_page") or PAGE_SIZES[0])
        except ValueError:
            size = PAGE_SIZES[0]
        return size if size in PAGE_SIZES else PAGE_SIZES[0]

    def paginate_queryset(self, queryset, page_size):
        # A page past the end (a bookmark after debts were cleared) shows the last page, not 404.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_queryset(self):
        key = self.sort_key()
        columns = SORTS[key.lstrip("-")]
        if key.startswith("-"):
            columns = tuple(c[1:] if c.startswith("-") else f"-{c}" for c in columns)
        debts = debts_for(self.request.user).select_related("debtor", "contract", "unit", "handler")
        if "state_rank" in columns[0]:
            debts = debts.annotate(state_rank=Case(*[When(state=value, then=Value(rank))
                                                     for rank, value in enumerate(State.values)],
                                                   default=Value(len(State.values)), output_field=IntegerField()))
        return debts.order_by(*columns, "code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for debt in context["object_list"]:
            debt.days_overdue = days_overdue(debt)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        unsorted = query.copy()
        unsorted.pop("sort", None)
        context["sort_query"] = unsorted.urlencode()
        sort = context["sort"] = self.sort_key()
        # (key, label, right-aligned, current direction, the sort a click asks for)
        context["columns"] = [
            (key, label, num, "ascending" if sort == key else "descending" if sort == f"-{key}" else "",
             f"-{key}" if sort == key else key)
            for key, label, num in COLUMNS]
        context["page_sizes"] = PAGE_SIZES
        context["per_page"] = self.get_paginate_by(None)
        context["filters_active"] = any(v for k, v in self.request.GET.items() if k not in ("page", "sort", "per_page"))
        return context


def _shown(form, name):
    """A filter's chosen value as the page showed it (the choice's label, not its code)."""
    value = form.cleaned_data[name]
    choices = dict(getattr(form.fields[name], "choices", []) or [])
    return str(choices.get(value, value))


class DebtExportView(DebtListView):
    """The filtered, sorted list as an Excel workbook: every row the filter selects, not one page."""

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset(self.get_filterset_class())
        debts = filterset.qs  # unbound or invalid fields select nothing out (strict = False, as the list)
        now = timezone.localtime()
        form = filterset.form
        shown = [(str(form.fields[name].label), _shown(form, name)) for name in form.fields
                 if getattr(form, "cleaned_data", {}).get(name) not in (None, "")]
        content = debts_workbook(debts.iterator(chunk_size=2000), today=now.date(), exported_at=now, filters=shown)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="debts-{now:%Y%m%d-%H%M}.xlsx"'
        return response


class DebtDetailView(DebtAccessMixin, TemplateView):
    template_name = "workflows/debt_detail.html"

    def get_debt(self):
        debt = get_debt_for(self.request.user, pk=self.kwargs["pk"])
        debt.days_overdue = days_overdue(debt)
        return debt

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        debt = self.get_debt()
        user = self.request.user
        can_record = may_record_entry(user, debt)
        if can_record and form is None:
            form = LedgerEntryForm(debt=debt)
        context.update(
            debt=debt,
            entries=debt.entries.select_related("created_by").order_by("date", "pk"),
            history=debt.state_changes.select_related("by", "authorisation__approved_by").order_by("at", "pk"),
            entry_form=form if can_record else None,
            actions=available_actions(debt, user),
            running=running_chain(debt),
            suspension=suspensions_in_force([debt.pk]).get(debt.pk),
            supply=supply_status(debt.debtor),  # rule R3.12: the flag shows on the debt page
        )
        return context


class LedgerEntryCreateView(DebtDetailView):
    """POST only: on refusal the detail page is shown again with the error on the field."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        debt = get_debt_for(request.user, pk=kwargs["pk"])
        if not may_record_entry(request.user, debt):
            raise PermissionDenied(_("您不能为该债权录入台账分录"))
        form = LedgerEntryForm(request.POST, debt=debt)
        if form.is_valid() and form.save(by=request.user) is not None:
            messages.success(request, _("已录入%(kind)s %(amount)s 元") % {
                "kind": dict(form.fields["kind"].choices)[form.cleaned_data["kind"]],
                "amount": money(form.cleaned_data["amount"]),
            })
            return HttpResponseRedirect(reverse("debts:detail", kwargs={"pk": debt.pk}))
        return self.render_to_response(self.get_context_data(form=form))


class DebtorDetailView(DebtAccessMixin, TemplateView):
    """A debtor: its debts in the user's scope and its stop-supply flag (rule R3.12), which
    清欠办 lifts here with a recorded reason."""

    template_name = "workflows/debtor_detail.html"

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        debtor = get_debtor_for(self.request.user, pk=self.kwargs["pk"])
        state = supply_status(debtor)
        can_lift = may_lift(self.request.user) and state.stopped
        context.update(
            debtor=debtor, supply=state,
            debts=debts_for(self.request.user).filter(debtor=debtor).select_related("unit").order_by("code"),
            lifts=debtor.supply_stop_lifts.select_related("lifted_by").order_by("-lifted_at", "-pk"),
            lift_form=(form or LiftSupplyStopForm()) if can_lift else None,
        )
        return context


class LiftSupplyStopView(DebtorDetailView):
    """POST only: on refusal the debtor page is shown again with the error and the typed reason."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        debtor = get_debtor_for(request.user, pk=kwargs["pk"])
        if not may_lift(request.user):
            raise PermissionDenied(_("只有清欠办可以解除停止供货"))
        form = LiftSupplyStopForm(request.POST)
        if form.is_valid() and form.save(debtor=debtor, by=request.user) is not None:
            messages.success(request, _("已解除“%(name)s”的停止供货，原因已记录") % {"name": debtor.name})
            return HttpResponseRedirect(reverse("debts:debtor", kwargs={"pk": debtor.pk}))
        return self.render_to_response(self.get_context_data(form=form))
