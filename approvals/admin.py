"""Admin of the approvals app: configuration only (the authority matrix, notification
channels). Decisions, signatures and the chains themselves change only through their services."""
from django.contrib import admin

from .models import (
    AuthorityMatrix,
    AuthorityRule,
    MeetingRule,
    NotificationChannel,
    SignatureFailure,
    SignatureLock,
)


class AuthorityRuleInline(admin.TabularInline):
    model = AuthorityRule
    extra = 0


@admin.register(AuthorityMatrix)
class AuthorityMatrixAdmin(admin.ModelAdmin):
    """A new version with a later effective date, never an edit of one in force (rule R4.46)."""

    list_display = ["version", "effective_from", "note", "created_at"]
    inlines = [AuthorityRuleInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MeetingRule)
class MeetingRuleAdmin(admin.ModelAdmin):
    """Quorum and majority per authority body (rule R4.142), as the company's articles say."""

    list_display = ["body", "quorum_share", "quorum_strict", "pass_share", "pass_strict", "pass_base", "note"]


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    list_display = ["user", "active"]
    list_filter = ["active"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["user"]


class _RecordAdmin(admin.ModelAdmin):
    """Records to read: written by approvals.signatures, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SignatureFailure)
class SignatureFailureAdmin(_RecordAdmin):
    list_display = ["user", "at", "task_id", "ip"]
    search_fields = ["user__username"]
    date_hierarchy = "at"


@admin.register(SignatureLock)
class SignatureLockAdmin(_RecordAdmin):
    list_display = ["user", "at", "until", "failures"]
    search_fields = ["user__username"]
