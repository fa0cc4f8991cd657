"""Forms of the debt pages. The form only collects input; the posting rules are
workflows.ledger's, whose refusals are shown on the field they concern."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.exceptions import LedgerError, LifecycleError, SupplyStopError
from workflows.ledger import check_date, manual_entry_kinds, parse_amount, post_entry
from workflows.supply import lift_stop


def may_record_entry(user, debt):
    """The debt must already be in the user's scope (the views fetch it with get_debt_for)."""
    return user.has_perm("workflows.add_ledgerentry") and bool(manual_entry_kinds(debt))


class LedgerEntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"))
    amount = forms.CharField(label=_("金额(元)"), max_length=24,
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                           error_messages={"invalid": _("日期格式应为 YYYY-MM-DD")})
    reference = forms.CharField(label=_("凭证/参考号"), max_length=100, required=False)

    def __init__(self, *args, debt, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.debt = debt
        self.fields["kind"].choices = [(k.value, k.label) for k in manual_entry_kinds(debt)]
        self.fields["kind"].error_messages["invalid_choice"] = _("该债权当前状态不能记此类分录")

    def clean_amount(self):
        try:
            return parse_amount(self.cleaned_data["amount"], field=gettext("金额"))
        except LedgerError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > timezone.localdate():
            raise forms.ValidationError(gettext("日期不能晚于今天"))
        try:
            check_date(self.debt, value)
        except LedgerError as exc:
            raise forms.ValidationError(str(exc)) from None
        return value

    def save(self, by):
        """Post through the ledger; a refusal becomes a field error and nothing is saved."""
        data = self.cleaned_data
        try:
            return post_entry(self.debt.pk, data["kind"], data["amount"], data["date"], by=by,
                              reference=data["reference"])
        except LedgerError as exc:  # post_entry rolled everything back
            self.add_error(exc.field if exc.field in self.fields else "amount", str(exc))
            return None
        except LifecycleError as exc:
            self.add_error("amount", str(exc))
            return None


class LiftSupplyStopForm(forms.Form):
    """清欠办 lifts a debtor's stop-supply flag; the reason is recorded (rule R3.12)."""

    reason = forms.CharField(label=_("解除原因"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                             help_text=_("如：已签订分期还款协议、已提供担保、经总经理批准继续供货"))

    def save(self, *, debtor, by):
        try:
            return lift_stop(debtor=debtor, by=by, reason=self.cleaned_data["reason"])
        except SupplyStopError as exc:
            self.add_error("reason", str(exc))
            return None
