"""Admin of the approvals app: configuration only (the authority matrix, notification
channels). Decisions, signatures and the chains themselves change only through their services."""
from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from workflows.models import User
from workflows.roles import LABELS as ROLE_LABELS

from . import joint, registry
from .models import (
    AuthorityMatrix,
    AuthorityRule,
    Chain,
    ChainComment,
    ChainCopy,
    ChainCopySettings,
    JointSignRule,
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


class JointSignRuleForm(forms.ModelForm):
    """The step among the chain's human steps, roles as boxes, people from the active users; the
    checks of joint.validate (rule R4.148) with the field they concern."""

    roles = forms.MultipleChoiceField(label=_("会签角色"), required=False, widget=forms.CheckboxSelectMultiple,
                                      choices=[(code, label) for code, label in ROLE_LABELS.items()])
    users = forms.ModelMultipleChoiceField(label=_("会签人员"), required=False,
                                           queryset=User.objects.filter(is_active=True).select_related("unit")
                                           .order_by("unit__code", "username"))

    class Meta:
        model = JointSignRule
        fields = ["chain", "step", "mode", "roles", "users", "active", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups = []
        for chain in registry.registered():
            steps = joint.joinable_steps(chain)
            if steps:
                groups.append((Chain(chain).label, [(name, f"{title}（{name}）") for name, title in steps.items()]))
        self.fields["users"].label_from_instance = self.label_user
        self.fields["step"] = forms.ChoiceField(label=_("步骤"), choices=[("", "---------")] + groups)
        if self.instance.pk:
            self.initial["users"] = list(self.instance.users)

    def label_user(self, user):
        return f"{user}（{user.unit}）" if user.unit_id else str(user)

    def clean_users(self):
        return [u.pk for u in self.cleaned_data["users"]]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("chain") and cleaned.get("step"):
            joint.validate(chain=cleaned["chain"], step=cleaned["step"], roles=cleaned.get("roles") or [],
                           users=cleaned.get("users") or [])
        return cleaned


@admin.register(JointSignRule)
class JointSignRuleAdmin(admin.ModelAdmin):
    """会签/或签 (rules R4.148-R4.154); a running chain keeps the rules of its submission."""

    form = JointSignRuleForm
    list_display = ["chain", "step", "mode", "active", "note"]
    list_filter = ["chain", "mode", "active"]


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
