"""Admin for the clock: settings are editable (one row); clock output is read-only."""
from django.contrib import admin

from .admin import ReadOnlyAdmin
from .models import (AccountabilityRecord, ClockRun, ClockSettings, DebtClock, LimitationEvent, OverdueTask,
                     Suspension)


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
    list_display = ["debt", "kind", "date", "recorded_by", "source", "after_lapse", "reviewed_by", "revives"]
    list_filter = ["kind", "after_lapse"]


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
