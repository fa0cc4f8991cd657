"""Django admin for configuration. Debts, history and the ledger are read-only here:
their changes go through the lifecycle and ledger services only."""
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from workflows.admin.base import ReadOnlyAdmin
from workflows.exceptions import SupplyStopped
from workflows.models import (
    Authorisation,
    Contract,
    Debt,
    Debtor,
    LedgerEntry,
    OrgUnit,
    StateChange,
    SupplyStopLift,
    User,
)
from workflows.supply import check_may_register


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "ceased"]
    search_fields = ["code", "name"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("清欠"), {"fields": ["unit", "superior"]}),)
    list_display = ["username", "last_name", "first_name", "unit", "is_active"]
    list_filter = ["unit", "groups", "is_active"]


@admin.register(Debtor)
class DebtorAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "credit_limit", "deceased", "bankrupt"]
    search_fields = ["name", "credit_code"]


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = ["unit", "number", "debtor", "signed_on", "due_on", "amount", "safe_aging_days"]

    def clean_debtor(self):
        debtor = self.cleaned_data["debtor"]
        # rule R3.12: a new contract (or a contract moved to another debtor) for a debtor whose
        # supply is stopped is refused, naming the arrears.
        if debtor is not None and (self.instance.pk is None or self.instance.debtor_id != debtor.pk):
            try:
                check_may_register(debtor)
            except SupplyStopped as exc:
                raise forms.ValidationError(str(exc)) from None
        return debtor


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    form = ContractForm
    list_display = ["number", "unit", "debtor", "due_on", "amount"]
    search_fields = ["number", "debtor__name"]
    list_filter = ["unit"]


@admin.register(Debt)
class DebtAdmin(ReadOnlyAdmin):
    list_display = ["code", "debtor", "unit", "state", "balance", "handler"]
    list_filter = ["state", "unit", "category"]
    search_fields = ["code", "debtor__name", "contract__number"]


@admin.register(StateChange)
class StateChangeAdmin(ReadOnlyAdmin):
    list_display = ["debt", "from_state", "to_state", "by", "at"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["debt", "kind", "amount", "date", "created_by"]


@admin.register(Authorisation)
class AuthorisationAdmin(ReadOnlyAdmin):
    list_display = ["debt", "target", "approved_by", "approved_at", "consumed_at"]


@admin.register(SupplyStopLift)
class SupplyStopLiftAdmin(ReadOnlyAdmin):
    list_display = ["debtor", "lifted_by", "lifted_at", "arrears", "reason"]
    search_fields = ["debtor__name", "debtor__credit_code"]
