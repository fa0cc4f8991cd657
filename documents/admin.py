"""The archive in the Django admin: read-only, like the views; nothing here can change or
delete a document, a seal or a log row."""
from django.contrib import admin

from .models import AccessLog, CaseFile, Document, IntegrityCheck, RetentionSettings, Seal


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseFile)
class CaseFileAdmin(ReadOnlyAdmin):
    list_display = ["debt", "opened_at", "legal_hold"]
    search_fields = ["debt__code"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["title", "doc_type", "case_file", "version", "sha256", "size", "mime_type", "uploaded_by",
                    "uploaded_at"]
    list_filter = ["doc_type", "mime_type"]
    search_fields = ["title", "sha256", "case_file__debt__code"]


@admin.register(Seal)
class SealAdmin(ReadOnlyAdmin):
    list_display = ["case_file", "sealed_by", "sealed_at", "manifest_sha256"]


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "case_file", "document", "address"]
    list_filter = ["action"]


@admin.register(IntegrityCheck)
class IntegrityCheckAdmin(ReadOnlyAdmin):
    list_display = ["finished_at", "ok", "documents_checked", "seals_checked", "trigger"]


@admin.register(RetentionSettings)
class RetentionSettingsAdmin(admin.ModelAdmin):
    """The retention periods (rule R7.14): one row, editable; never deleted."""

    list_display = ["__str__", "collection_years", "voucher_years", "voucher_types"]

    def has_add_permission(self, request):
        return not RetentionSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
