"""Collection records in the admin: agencies can be kept (e.g. switched off); everything else
is read-only here, because the services hold the rules (limitation, stage order, fees)."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Agency,
    CaseCost,
    ConfirmationRun,
    ConfirmationSettings,
    Contact,
    Engagement,
    FeePayment,
    Hearing,
    Instalment,
    LegalCase,
    Letter,
    Letterhead,
    LetterSequence,
    PaymentPlan,
    StageChange,
    VisitReport,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "default_fee_percent", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name"]
    readonly_fields = ["created_by"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Letterhead)
class LetterheadAdmin(admin.ModelAdmin):
    """Kept by the administrator: letters are refused for a unit without one (rule R9.13).
    Archived letters keep what they said; a change affects only letters drafted afterwards."""

    list_display = ["unit", "name", "doc_code", "contact_person", "telephone", "bank_name", "account_number"]
    search_fields = ["name", "unit__code", "unit__name"]
    fieldsets = [
        (None, {"fields": ["unit", "name", "doc_code"]}),
        (_("联系方式"), {"fields": ["address", "postcode", "contact_person", "telephone"]}),
        (_("收款账户"), {"fields": ["account_name", "bank_name", "account_number"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ConfirmationSettings)
class ConfirmationSettingsAdmin(admin.ModelAdmin):
    """One row (rule R5.19); without it the defaults apply."""

    list_display = ["__str__", "months_unconfirmed", "lapse_within_days", "resend_after_days"]

    def has_add_permission(self, request):
        return not ConfirmationSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["debt", "kind", "at", "promise_amount", "promise_date", "promise_state", "by"]
    list_filter = ["kind", "promise_state"]
    search_fields = ["debt__code", "debt__debtor__name"]


@admin.register(LegalCase)
class LegalCaseAdmin(ReadOnlyAdmin):
    list_display = ["case_number", "debt", "court", "stage", "claim_amount", "taken_by"]
    list_filter = ["stage"]
    search_fields = ["case_number", "debt__code"]


for model in (VisitReport, Letter, LetterSequence, ConfirmationRun, PaymentPlan, Instalment, StageChange, Hearing,
              CaseCost, Engagement, FeePayment):
    admin.site.register(model, ReadOnlyAdmin)
