"""The archive's pages in the viewflow site (collected by config/site.py)."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from . import views
from .permissions import may_oversee


def _may_open(user):
    # Anonymous users pass so the views can send them to the login page instead of a 403.
    return not user.is_authenticated or user.has_perm("workflows.view_debt")


class ArchiveApplication(Application):
    app_name = "archive"
    title = _("清欠档案")
    icon = "inventory_2"
    permission = staticmethod(_may_open)
    menu_template_name = "documents/menu.html"

    def get_context_data(self, request):
        # The menu offers only pages the user may open (a link that answers 403 is a dead end).
        return {"archive_menu": {"oversee": request.user.is_authenticated and may_oversee(request.user)}}

    index_path = path("", views.SearchView.as_view(), name="index")
    case_file_path = path("casefile/<int:debt_id>/", views.CaseFileView.as_view(), name="case_file")
    write_offs_path = path("write-offs/", views.WriteOffArchiveView.as_view(), name="write_offs")
    integrity_path = path("integrity/", views.IntegrityView.as_view(), name="integrity")
    handover_path = path("handover/", views.HandoverView.as_view(), name="handover")


applications = [ArchiveApplication()]
