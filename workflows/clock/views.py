"""Warnings pages (预警, rule R5.16): limitation lapsing soon, lapsed, key monitoring, limits
exceeded and accountability records. A handler sees their own debts ("mine"); 清欠办 and the
other group-level roles see every unit ("all"); everyone else sees their unit's debts."""
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from workflows.aging import bucket_label
from workflows.models import AccountabilityRecord, ClockRun, ClockSettings
from workflows.reconciliation import unreconciled
from workflows.scoping import debts_for, sees_all_units
from workflows.triage import suspensions_in_force

KINDS = {
    "limitation": _("诉讼时效即将届满"),
    "lapsed": _("诉讼时效已届满"),
    "key": _("重点监控"),
    "limits": _("超限与预警"),
    "accountability": _("逾期责任记录"),
}


class WarningsView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "workflows.view_debt"
    template_name = "workflows/warnings_list.html"
    paginate_by = 25
    kind = "limitation"

    def scope(self):
        wanted = self.request.GET.get("scope")
        if wanted in ("mine", "all"):
            return wanted
        return "all" if sees_all_units(self.request.user) else "mine"

    def debts(self):
        qs = debts_for(self.request.user)
        code = (self.request.GET.get("code") or "").strip()
        if code:
            qs = qs.filter(code=code)
        if self.scope() == "mine":
            user = self.request.user
            qs = qs.filter(Q(handler=user) | Q(responsible=user))
        return qs

    def get_queryset(self):
        if self.kind == "accountability":
            return (AccountabilityRecord.objects.filter(debt__in=self.debts())
                    .select_related("debt", "debt__debtor", "handler", "responsible")
                    .order_by("recovered_on", "-entered_overdue_on", "pk"))
        qs = self.debts().select_related("clock", "debtor", "unit", "handler", "responsible")
        if self.kind == "limitation":
            return qs.filter(clock__warning_days__isnull=False).order_by("clock__limitation_deadline", "pk")
        if self.kind == "lapsed":
            return qs.filter(Q(clock__lapsed=True) | Q(clock__needs_review=True)).order_by(
                "clock__limitation_deadline", "pk")
        if self.kind == "key":
            return qs.filter(key_monitoring=True).order_by("-balance", "pk")
        return qs.filter(Q(clock__over_credit_limit=True) | Q(clock__over_safe_aging=True)
                         | Q(clock__prewarn_credit=True) | Q(clock__prewarn_safe_aging=True)
                         | Q(clock__prewarn_contract=True)).order_by("code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        bounds = ClockSettings.load().buckets
        debts = [r.debt if self.kind == "accountability" else r for r in context["object_list"]]
        # Rule R5.6: a debt under a special-reason suspension says so ("暂停至…") on every list.
        held = suspensions_in_force([d.pk for d in debts], today)
        for debt in debts:
            debt.suspension = held.get(debt.pk)
        if self.kind != "accountability":
            for debt in context["object_list"]:
                clock = getattr(debt, "clock", None)
                deadline = clock.limitation_deadline if clock else None
                debt.days_left = (deadline - today).days if deadline else None
                debt.days_lapsed = -debt.days_left if debt.days_left is not None and debt.days_left < 0 else None
                debt.bucket = bucket_label(clock.aging_bucket, bounds) if clock else ""
        context.update(kind=self.kind, kinds=KINDS, title=KINDS[self.kind], scope=self.scope(),
                       last_run=ClockRun.objects.filter(status=ClockRun.DONE).first(), today=today)
        return context


def view_for(kind):
    return WarningsView.as_view(kind=kind)


class UnreconciledView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    """Rule R5.18: months whose reconciliation is not finished, for the people who see them."""

    permission_required = "workflows.view_debt"
    template_name = "workflows/warnings_reconciliation.html"
    paginate_by = 25

    def get_queryset(self):
        return unreconciled(self.request.user).order_by("month", "handler__username")

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=_("未完成的月度对账"), **kwargs)
