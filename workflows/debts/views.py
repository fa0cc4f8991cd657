"""Debt pages: the list, the detail and recording a ledger entry. Thin: scoping, filtering
and posting live in workflows.scoping, workflows.debts.filters and workflows.ledger."""
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_filters.views import FilterView

from approvals.actions import available_actions
from workflows.debts.filters import DebtFilter, days_overdue
from workflows.debts.forms import LedgerEntryForm, LiftSupplyStopForm, may_record_entry
from workflows.scoping import debts_for, get_debt_for, get_debtor_for
from workflows.supply import may_lift
from workflows.supply import status as supply_status


class DebtAccessMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = "workflows.view_debt"


class DebtListView(DebtAccessMixin, FilterView):
    filterset_class = DebtFilter
    template_name = "workflows/debt_list.html"
    paginate_by = 25
    strict = False

    def paginate_queryset(self, queryset, page_size):
        # A page past the end (a bookmark after debts were cleared) shows the last page, not 404.
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get("page"))
        return paginator, page, page.object_list, page.has_other_pages()

    def get_queryset(self):
        return debts_for(self.request.user).select_related("debtor", "contract", "unit", "handler").order_by("code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for debt in context["object_list"]:
            debt.days_overdue = days_overdue(debt)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["filter_query"] = query.urlencode()
        context["filters_active"] = any(v for k, v in self.request.GET.items() if k != "page")
        return context


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
                "amount": form.cleaned_data["amount"],
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
