"""The approvals application in the site shell: inbox, tasks, notifications, delegation, and
the pages of every chain's flow."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow.viewset import FlowViewset, WorkflowAppViewset

from workflows import roles
from workflows.flow_routes import scoped

from . import inbox, views
from .access import check_flow_route
from .flows import FLOWS
from .notifications import unread_count
from .reach import may_reassign

# The roles whose steps are signed (rule R4.11): they get the batch-signing page (rule R4.104).
SIGNING_ROLES = [roles.GM, roles.GM_OFFICE, roles.BOARD, roles.SHAREHOLDERS]

ICONS = {"write_off": "money_off", "visit": "directions_walk", "litigation": "gavel", "suspension": "pause_circle",
         "outsourcing": "business", "in_kind": "inventory_2", "disposal": "sell"}


class ScopedFlowViewset(FlowViewset):
    """A chain's viewflow routes, each behind access.check_flow_route: another unit's process
    or task is 404 on every one of them (rule R8.5)."""

    def _get_urls(self):
        return scoped(super()._get_urls(), check_flow_route)


class ApprovalsApp(WorkflowAppViewset):
    app_name = "approvals"
    title = _("审批")
    icon = "approval"
    menu_template_name = "approvals/menu.html"

    inbox_view_class = views.InboxView
    queue_view_class = views.InboxView
    archive_view_class = views.InboxView

    def filter_kwargs(self, view_class, **kwargs):
        if issubclass(view_class, views.InboxView):
            return {}
        return super().filter_kwargs(view_class, **kwargs)

    def has_view_permission(self, user, obj=None):
        return user.is_authenticated

    @property
    def index_path(self):
        return path("", views.InboxView.as_view(), name="index")

    @property
    def task_path(self):
        return path("task/<int:pk>/", views.TaskView.as_view(), name="task")

    @property
    def transfer_path(self):
        return path("task/<int:pk>/transfer/", views.TransferView.as_view(), name="transfer")

    @property
    def meeting_path(self):
        return path("task/<int:pk>/meeting/", views.MeetingView.as_view(), name="meeting")

    @property
    def process_path(self):
        return path("process/<int:pk>/", views.ProcessView.as_view(), name="process")

    @property
    def withdraw_path(self):
        return path("process/<int:pk>/withdraw/", views.WithdrawView.as_view(), name="withdraw")

    @property
    def urge_path(self):
        return path("process/<int:pk>/urge/", views.UrgeView.as_view(), name="urge")

    @property
    def notifications_path(self):
        return path("notifications/", views.NotificationsView.as_view(), name="notifications")

    @property
    def requested_path(self):
        return path("requested/", views.RequestedView.as_view(), name="requested")

    @property
    def done_path(self):
        return path("done/", views.DoneView.as_view(), name="done")

    @property
    def comment_path(self):
        return path("process/<int:pk>/comment/", views.CommentView.as_view(), name="comment")

    @property
    def copy_path(self):
        return path("process/<int:pk>/copy/", views.CopyView.as_view(), name="copy")

    @property
    def copied_path(self):
        return path("copied/", views.CopiedView.as_view(), name="copied")

    @property
    def batch_path(self):
        return path("batch/", views.BatchSignView.as_view(), name="batch")

    @property
    def unreachable_path(self):
        return path("unreachable/", views.UnreachableView.as_view(), name="unreachable")

    @property
    def litigation_list_path(self):
        return path("litigation-list/", views.LitigationListView.as_view(), name="litigation_list")

    @property
    def litigation_list_detail_path(self):
        return path("litigation-list/<int:pk>/", views.LitigationListDetailView.as_view(),
                    name="litigation_list_detail")

    @property
    def add_signers_path(self):
        return path("task/<int:pk>/add-signers/", views.AddSignersView.as_view(), name="add_signers")

    @property
    def delegations_path(self):
        return path("delegations/", views.DelegationView.as_view(), name="delegations")

    @property
    def start_path(self):
        return path("start/<str:chain>/<int:debt_pk>/", views.start_redirect, name="start")

    def get_context_data(self, request):
        # Menu badges: one indexed count each over our StepInfo, not viewflow's recount.
        if not request.user.is_authenticated:
            return {}
        # The roles come with the user (workflows.backends); the counts once per request.
        held = roles.roles_of(request.user)
        return {"approval_counts": inbox.request_counts(request), "unread_notifications": unread_count(request.user),
                "may_reassign": may_reassign(request.user),
                "signs": bool(held & set(SIGNING_ROLES)),
                "may_sign_lists": roles.GM in held}


approvals_app = ApprovalsApp(
    flow_viewsets=[ScopedFlowViewset(flow_class, icon=ICONS.get(chain, "assignment"))
                   for chain, flow_class in FLOWS.items()]
)

applications = [approvals_app]
