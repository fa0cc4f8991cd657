"""The clock's warnings pages in the viewflow site (collected by config/site.py)."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from workflows.clock.views import view_for


def _may_open(user):
    # Anonymous users pass so the views send them to the login page instead of a 403.
    return not user.is_authenticated or user.has_perm("workflows.view_debt")


class WarningsApplication(Application):
    app_name = "warnings"
    title = _("预警")
    icon = "warning"
    permission = staticmethod(_may_open)
    menu_template_name = "workflows/warnings_menu.html"

    index_path = path("", view_for("limitation"), name="index")
    lapsed_path = path("lapsed/", view_for("lapsed"), name="lapsed")
    key_path = path("key/", view_for("key"), name="key")
    limits_path = path("limits/", view_for("limits"), name="limits")
    accountability_path = path("accountability/", view_for("accountability"), name="accountability")


applications = [WarningsApplication()]
