"""Monthly reconciliation pages (rule R5.18): finance issues the month's statements and resolves
disputes; each handler answers their own statement line by line. Thin: workflows.reconciliation."""
import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView

from workflows.exceptions import ReconciliationError
from workflows.models import LineAnswer, StatementLine
from workflows.reconciliation import (
    answer_lines,
    get_statement_for,
    is_finance,
    issue_statements,
    resolve_line,
    statements_for,
)


def _month(text):
    try:
        return datetime.datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None


class StatementListView(LoginRequiredMixin, ListView):
    template_name = "workflows/statement_list.html"
    paginate_by = 25

    def get_queryset(self):
        qs = statements_for(self.request.user)
        if self.request.GET.get("open"):
            qs = qs.filter(reconciled_at__isnull=True)
        return qs.order_by("-month", "handler__username")

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        return super().get_context_data(may_issue=is_finance(self.request.user),
                                        month_value=self.request.POST.get("month", last.strftime("%Y-%m")),
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        month = _month(request.POST.get("month"))
        self.object_list = self.get_queryset()
        if month is None:
            return self.render_to_response(self.get_context_data(month_error=_("对账月份：请按 YYYY-MM 填写")))
        try:
            made = issue_statements(by=request.user, month=month)
        except ReconciliationError as exc:
            return self.render_to_response(self.get_context_data(month_error=str(exc)))
        messages.success(request, _("已出具 %(m)s 对账单 %(n)d 份（已出具过的不重复出具）") % {
            "m": month.strftime("%Y-%m"), "n": len(made)})
        return HttpResponseRedirect(reverse("debts:statements"))


class StatementDetailView(LoginRequiredMixin, TemplateView):
    template_name = "workflows/statement_detail.html"

    def get_context_data(self, error=None, **kwargs):
        statement = get_statement_for(self.request.user, self.kwargs["pk"])
        lines = list(statement.lines.select_related("debt", "debt__debtor", "resolved_by").order_by("debt__code"))
        posted = self.request.POST
        for line in lines:  # what was typed stays after a refusal
            line.posted_answer = posted.get(f"answer_{line.pk}", "")
            line.posted_note = posted.get(f"note_{line.pk}", "")
            line.posted_resolution = posted.get(f"resolution_{line.pk}", "")
        user = self.request.user
        return super().get_context_data(statement=statement, lines=lines, error=error,
                                        may_answer=user.pk == statement.handler_id,
                                        may_resolve=is_finance(user), answers=LineAnswer,
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        statement = get_statement_for(request.user, kwargs["pk"])
        try:
            if "resolve" in request.POST:
                line = StatementLine.objects.get(pk=int(request.POST["resolve"]), statement=statement)
                resolve_line(by=request.user, line=line, resolution=request.POST.get(f"resolution_{line.pk}", ""))
            else:
                answers = {}
                for line in statement.lines.filter(answer=LineAnswer.PENDING):
                    choice = request.POST.get(f"answer_{line.pk}")
                    if choice:
                        answers[line.pk] = (choice, request.POST.get(f"note_{line.pk}", ""))
                if not answers:
                    raise ReconciliationError(_("请至少核对一行"))
                answer_lines(by=request.user, statement=statement, answers=answers)
        except (ReconciliationError, StatementLine.DoesNotExist, ValueError) as exc:
            return self.render_to_response(self.get_context_data(error=str(exc)))
        messages.success(request, _("已保存"))
        return HttpResponseRedirect(reverse("debts:statement", kwargs={"pk": statement.pk}))
