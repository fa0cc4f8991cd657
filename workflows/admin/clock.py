"""Admin for the clock: settings are editable (one row); clock output is read-only."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflows.admin.base import ReadOnlyAdmin
from workflows.models import (
    AccountabilityRecord,
    ClockRun,
    ClockSettings,
    DebtClock,
    LimitationEvent,
    OverdueTask,
    Suspension,
)


@admin.register(ClockSettings)
class ClockSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "limitation_years", "limitation_warning_days", "key_monitoring_amount",
                    "aging_bucket_days", "write_off_years"]

    def has_add_permission(self, request):
        return not ClockSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DebtClock)
class DebtClockAdmin(ReadOnlyAdmin):
    list_display = ["debt", "aging_bucket", "limitation_deadline", "warning_days", "lapsed",
                    "needs_review"]
    list_filter = ["lapsed", "needs_review", "over_credit_limit", "over_safe_aging"]


@admin.register(LimitationEvent)
class LimitationEventAdmin(ReadOnlyAdmin):
    list_display = ["debt", "kind", "date", "registrar", "source", "after_lapse", "reviewed_by", "revives"]
    list_filter = ["kind", "after_lapse"]
    list_select_related = ["debt", "recorded_by", "reviewed_by", "ledger_entry__created_by"]
    readonly_fields = ["registrar"]

    @admin.display(description=_("登记人"))
    def registrar(self, event):
        # Events the clock derives from the ledger name no recorder: who booked the entry did.
        if event.recorded_by_id is None and event.ledger_entry_id is not None:
            return event.ledger_entry.created_by
        return event.recorded_by


@admin.register(Suspension)
class SuspensionAdmin(ReadOnlyAdmin):
    list_display = ["debt", "start", "until", "approved_by", "source"]


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(ReadOnlyAdmin):
    list_display = ["debt", "handler", "responsible", "entered_overdue_on", "rule", "recovered_on"]


@admin.register(OverdueTask)
class OverdueTaskAdmin(ReadOnlyAdmin):
    list_display = ["debt", "created_for", "done_by", "done_at"]


@admin.register(ClockRun)
class ClockRunAdmin(ReadOnlyAdmin):
    list_display = ["run_date", "status", "started_at", "finished_at", "attempts", "debts_seen", "moved_overdue",
                    "tasks_created"]
