"""Admin of the approvals app: configuration only (the authority matrix, notification
channels). Decisions, signatures and the chains themselves change only through their services."""
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflows.roles import LABELS as ROLE_LABELS

from .models import (
    AuthorityMatrix,
    AuthorityRule,
    ChainComment,
    ChainCopy,
    ChainCopySettings,
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


class ChainCopySettingsForm(forms.ModelForm):
    """The roles as checkboxes, stored as their codes (workflows.roles)."""

    at_start = forms.MultipleChoiceField(label=_("发起时抄送的角色"), required=False,
                                         choices=list(ROLE_LABELS.items()), widget=forms.CheckboxSelectMultiple)
    at_end = forms.MultipleChoiceField(label=_("结束时抄送的角色"), required=False,
                                       choices=list(ROLE_LABELS.items()), widget=forms.CheckboxSelectMultiple,
                                       help_text=_("以物抵债：结束时抄送签署完毕的接收清单"))

    class Meta:
        model = ChainCopySettings
        fields = ["chain", "at_start", "at_end"]


@admin.register(ChainCopySettings)
class ChainCopySettingsAdmin(admin.ModelAdmin):
    """抄送 per chain (rule R4.121): one row per chain, seeded by the migration."""

    form = ChainCopySettingsForm
    list_display = ["chain", "start_roles", "end_roles"]

    @admin.display(description=_("发起时抄送的角色"))
    def start_roles(self, obj):
        return "、".join(str(ROLE_LABELS.get(r, r)) for r in obj.at_start) or "—"

    @admin.display(description=_("结束时抄送的角色"))
    def end_roles(self, obj):
        return "、".join(str(ROLE_LABELS.get(r, r)) for r in obj.at_end) or "—"

    def get_readonly_fields(self, request, obj=None):
        return ["chain"] if obj else []

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChainCopy)
class ChainCopyAdmin(_RecordAdmin):
    list_display = ["process", "user", "moment", "by", "at"]
    list_filter = ["moment"]
    search_fields = ["user__username", "process__debt__code"]
    date_hierarchy = "at"


@admin.register(ChainComment)
class ChainCommentAdmin(_RecordAdmin):
    list_display = ["process", "by", "at", "text"]
    search_fields = ["by__username", "debt__code", "text"]
    date_hierarchy = "at"
