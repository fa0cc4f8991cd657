"""Collection pages in the viewflow site (collected by config/site.py)."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application

from . import permissions, views


def _may_open(user):
    # Anonymous users pass so the views can send them to the login page instead of a 403.
    return not user.is_authenticated or user.has_perm("workflows.view_debt")


class CollectionApplication(Application):
    app_name = "collect"
    title = _("催收与诉讼")
    icon = "support_agent"
    permission = staticmethod(_may_open)
    menu_template_name = "collection/menu.html"

    def get_context_data(self, request):
        # The menu offers only pages the user may open (a link that answers 403 is a dead end).
        user = request.user
        signed_in = user.is_authenticated
        return {"collect_menu": {"legal_board": signed_in and permissions.may_read_legal_board(user),
                                 "confirmations": signed_in and permissions.may_confirm_balances(user)}}

    index_path = path("", views.WorklistView.as_view(), name="index")
    debt_path = path("debt/<int:debt_id>/", views.DebtWorkView.as_view(), name="debt")
    letter_preview_path = path("debt/<int:debt_id>/letter/preview/", views.LetterPreviewView.as_view(),
                               name="letter_preview")
    confirmations_path = path("confirmations/", views.ConfirmationsView.as_view(), name="confirmations")
    plans_path = path("plans/", views.PlansView.as_view(), name="plans")
    legal_path = path("legal/", views.LegalBoardView.as_view(), name="legal")
    case_path = path("legal/case/<int:pk>/", views.CaseView.as_view(), name="case")
    agencies_path = path("agencies/", views.AgenciesView.as_view(), name="agencies")


applications = [CollectionApplication()]
