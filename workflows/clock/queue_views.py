"""The 清欠办 overdue queue page (rule R5.5): debts that entered overdue and are not yet triaged,
filterable, with bulk actions. Thin: the queue and the actions are workflows.triage's; starting
visit plans is approvals.bulk's."""
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from approvals.bulk import start_chains
from approvals.models import Chain
from workflows import roles
from workflows.exceptions import TriageError
from workflows.models import OrgUnit, OverdueRule, User
from workflows.triage import (
    may_triage,
    open_debts,
    queue,
    suspensions_in_force,
    triage_assign,
    triage_confirm_handler,
    triage_review,
    triage_visit_started,
)

ACTIONS = {
    "assign": gettext_lazy("分派经办人"),
    "confirm": gettext_lazy("确认经办人"),
    "visit": gettext_lazy("发起上门催收计划"),
    "review": gettext_lazy("标记已审阅"),
}


class QueueFilter(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("单位"), queryset=OrgUnit.objects.order_by("code"),
                                  required=False, empty_label=gettext_lazy("全部"))
    handler = forms.ModelChoiceField(label=gettext_lazy("经办人"), required=False, empty_label=gettext_lazy("全部"),
                                     queryset=User.objects.filter(groups__name=roles.HANDLER).distinct()
                                     .order_by("username"))
    min_amount = forms.DecimalField(label=gettext_lazy("余额不低于(元)"), required=False, min_value=0,
                                    decimal_places=2, max_digits=16)
    rule = forms.ChoiceField(label=gettext_lazy("逾期原因"), required=False,
                             choices=[("", gettext_lazy("全部")), *OverdueRule.choices])
    suspended = forms.BooleanField(label=gettext_lazy("只看暂停追收中"), required=False)


class OverdueQueueView(LoginRequiredMixin, ListView):
    template_name = "workflows/overdue_queue.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_triage(request.user):
            raise PermissionDenied(_("只有清欠办可以处理逾期待处理队列"))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        self.filter_form = QueueFilter(self.request.GET or None)
        data = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        records = queue(suspended=bool(data.get("suspended")))
        if data.get("unit"):
            records = records.filter(debt__unit_id__in=data["unit"].subtree_ids())
        if data.get("handler"):
            records = records.filter(debt__handler=data["handler"])
        if data.get("min_amount") is not None:
            records = records.filter(debt__balance__gte=data["min_amount"])
        if data.get("rule"):
            records = records.filter(rule=data["rule"])
        return records.select_related("debt", "debt__debtor", "debt__unit", "debt__handler", "handler",
                                      "responsible").order_by("entered_overdue_on", "debt_id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(context["object_list"])
        held = suspensions_in_force([r.debt_id for r in rows])
        for r in rows:
            r.suspension = held.get(r.debt_id)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(rows=rows, filter_form=self.filter_form, actions=ACTIONS, filter_query=query.urlencode(),
                       handlers=User.objects.filter(groups__name=roles.HANDLER, is_active=True).distinct()
                       .order_by("username"),
                       suspended_count=queue(suspended=True).count(), outcomes=kwargs.get("outcomes"))
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        try:
            ids = sorted({int(v) for v in request.POST.getlist("debts")})
        except ValueError:
            ids = []
        note = request.POST.get("note", "")
        back = HttpResponseRedirect(request.get_full_path())
        try:
            if action == "review":
                done = triage_review(by=request.user, debt_ids=ids, note=note)
            elif action == "confirm":
                done = triage_confirm_handler(by=request.user, debt_ids=ids, note=note)
            elif action == "assign":
                handler = User.objects.filter(pk=_int(request.POST.get("handler")), is_active=True).first()
                done = triage_assign(by=request.user, debt_ids=ids, handler=handler, note=note)
            elif action == "visit":
                return self._start_visits(request, ids, note)
            else:
                raise TriageError(_("请选择要执行的操作"))
        except TriageError as exc:
            messages.error(request, str(exc))
            return back
        messages.success(request, _("已%(action)s：%(n)d 笔") % {"action": ACTIONS[action], "n": done})
        return back

    def _start_visits(self, request, ids, note):
        if not ids:
            messages.error(request, _("请至少选择一笔债权"))
            return HttpResponseRedirect(request.get_full_path())
        if not note.strip():
            messages.error(request, _("处理说明：发起上门催收计划时请写明计划（作为申请理由）"))
            return HttpResponseRedirect(request.get_full_path())
        outcomes = start_chains(user=request.user, chain=Chain.VISIT, debts=open_debts(ids).order_by("code"),
                                fields={"reason": note.strip()}, request=request)
        started = [d.pk for d, process, _error in outcomes if process is not None]
        if started:
            triage_visit_started(by=request.user, debt_ids=started, note=note)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(outcomes=outcomes))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
