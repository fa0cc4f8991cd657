"""Admin for what the ledger import reads besides the workbook (rule R2.17)."""
from django.contrib import admin

from workflows.models import CategoryAlias


@admin.register(CategoryAlias)
class CategoryAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "category"]
    list_filter = ["category"]
    search_fields = ["alias"]
