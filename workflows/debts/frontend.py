"""The debt ledger's pages in the viewflow site (collected by config/site.py)."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from workflows.debts import views


def _may_open(user):
    # Anonymous users pass here so the views can send them to the login page instead of a 403.
    return not user.is_authenticated or user.has_perm("workflows.view_debt")


class DebtsApplication(Application):
    app_name = "debts"
    title = _("清欠台账")
    icon = "account_balance"
    permission = staticmethod(_may_open)
    menu_template_name = "workflows/menu.html"

    index_path = path("", views.DebtListView.as_view(), name="index")
    detail_path = path("<int:pk>/", views.DebtDetailView.as_view(), name="detail")
    entry_path = path("<int:pk>/entries/", views.LedgerEntryCreateView.as_view(), name="add_entry")


applications = [DebtsApplication()]
