"""The handover pages of 清欠办 (rule R1.9): the list of handovers, the form and one handover.
Thin: the rules are workflows.handover's; its refusals are shown on the form, which keeps the input."""
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView

from workflows.exceptions import HandoverError
from workflows.handover import debt_handover, held_by, may_hand_over
from workflows.models import Handover, HandoverRole, User


class HandoverForm(forms.Form):
    from_person = forms.ModelChoiceField(label=gettext_lazy("移交人"), queryset=User.objects.order_by("username"))
    role = forms.ChoiceField(label=gettext_lazy("交接身份"), choices=HandoverRole.choices,
                             initial=HandoverRole.HANDLER)
    to_person = forms.ModelChoiceField(label=gettext_lazy("接收人"), required=False,
                                       queryset=User.objects.filter(is_active=True).order_by("username"))
    debts = forms.TypedMultipleChoiceField(label=gettext_lazy("交接的债权"), coerce=int, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=gettext_lazy("交接原因"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, held=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["debts"].choices = [
            (d.pk, f"{d.code}　{d.debtor.name}　{d.get_state_display()}　{d.balance:,.2f}") for d in held]

    def clean(self):
        data = super().clean()
        if self.data.get("confirm"):
            for name, message in (("to_person", _("请选择接收人")), ("reason", _("请填写交接原因")),
                                  ("debts", _("请至少选择一笔债权"))):
                if not data.get(name):
                    self.add_error(name, message)
        return data


class ManagerMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_hand_over(request.user):
            raise PermissionDenied(_("只有清欠办可以办理债权交接"))
        return super().dispatch(request, *args, **kwargs)


class HandoverListView(ManagerMixin, ListView):
    template_name = "workflows/handover_list.html"
    paginate_by = 25

    def get_queryset(self):
        return Handover.objects.select_related("from_person", "to_person", "by").order_by("-at", "-pk")


class HandoverCreateView(ManagerMixin, FormView):
    """GET with from_person and role lists the debts they hold; POST with confirm hands them over."""

    template_name = "workflows/handover_form.html"
    form_class = HandoverForm

    def _held(self, data):
        try:
            person = User.objects.get(pk=int(data.get("from_person") or 0))
        except (User.DoesNotExist, ValueError):
            return None, []
        role = data.get("role") if data.get("role") in HandoverRole.values else HandoverRole.HANDLER
        return person, list(held_by(person, role).select_related("debtor").order_by("code"))

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        data = self.request.POST if self.request.method == "POST" else self.request.GET
        self.from_person, held = self._held(data)
        kwargs["held"] = held
        if self.request.method == "GET" and self.from_person is not None:
            kwargs["initial"] = {"from_person": self.from_person.pk, "role": data.get("role"),
                                 "debts": [d.pk for d in held]}
        self.held = held
        return kwargs

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", self.get_form())   # get_form_kwargs finds the person and their debts
        return super().get_context_data(from_person=self.from_person, held=self.held, **kwargs)

    def form_valid(self, form):
        if not self.request.POST.get("confirm"):
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        try:
            handover = debt_handover(by=self.request.user, from_person=data["from_person"],
                                     to_person=data["to_person"], role=data["role"], reason=data["reason"],
                                     debt_ids=data["debts"])
        except HandoverError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("debts:handover", kwargs={"pk": handover.pk}))


class HandoverDetailView(ManagerMixin, DetailView):
    template_name = "workflows/handover_detail.html"
    context_object_name = "handover"

    def get_object(self, queryset=None):
        try:
            return Handover.objects.select_related("from_person", "to_person", "by").get(pk=self.kwargs["pk"])
        except Handover.DoesNotExist:
            raise Http404("No handover matches the given query.") from None

    def get_context_data(self, **kwargs):
        items = self.object.items.select_related("debt", "debt__debtor").order_by("debt__code")
        return super().get_context_data(items=items, **kwargs)
