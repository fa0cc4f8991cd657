"""The workflows app's pages in the viewflow site (collected by config/site.py): the debt
ledger (workflows.debts), the warnings (workflows.clock), the 计划与考核 menu with the report
pages (workflows.reports) and the plan, assessment and cost pages (workflows.plans), and the
plan-approval chain's inbox/queue as a viewflow workflow app."""
from django.urls import path
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application
from viewflow.workflow.flow.viewset import FlowViewset, WorkflowAppViewset

from workflows.clock.queue_views import OverdueQueueView
from workflows.clock.views import UnreconciledView, view_for
from workflows.debts import handover as handover_views
from workflows.debts import reconciliation as statement_views
from workflows.debts import views as debt_views
from workflows.flow_routes import scoped
from workflows.plan_flow import ClearingPlanFlow
from workflows.plans import chain as plan_chain
from workflows.plans import views as plan_views
from workflows.reports import views as report_views
from workflows.reports.scope import may_open_reports


# Anonymous users pass these menu tests, so the views send them to the login page instead of a 403.
def _may_see_debts(user):
    return not user.is_authenticated or user.has_perm("workflows.view_debt")


def _may_open_reports(user):
    return not user.is_authenticated or may_open_reports(user)


class DebtsApplication(Application):
    app_name = "debts"
    title = _("清欠台账")
    icon = "account_balance"
    permission = staticmethod(_may_see_debts)
    menu_template_name = "workflows/menu.html"

    index_path = path("", debt_views.DebtListView.as_view(), name="index")
    export_path = path("export/", debt_views.DebtExportView.as_view(), name="export")
    detail_path = path("<int:pk>/", debt_views.DebtDetailView.as_view(), name="detail")
    entry_path = path("<int:pk>/entries/", debt_views.LedgerEntryCreateView.as_view(), name="add_entry")
    overdue_queue_path = path("overdue/", OverdueQueueView.as_view(), name="overdue_queue")
    debtor_path = path("debtors/<int:pk>/", debt_views.DebtorDetailView.as_view(), name="debtor")
    lift_path = path("debtors/<int:pk>/lift-supply-stop/", debt_views.LiftSupplyStopView.as_view(),
                     name="lift_supply_stop")
    statements_path = path("statements/", statement_views.StatementListView.as_view(), name="statements")
    statement_path = path("statements/<int:pk>/", statement_views.StatementDetailView.as_view(), name="statement")
    handovers_path = path("handovers/", handover_views.HandoverListView.as_view(), name="handovers")
    handover_new_path = path("handovers/new/", handover_views.HandoverCreateView.as_view(), name="handover_new")
    handover_path = path("handovers/<int:pk>/", handover_views.HandoverDetailView.as_view(), name="handover")


class WarningsApplication(Application):
    app_name = "warnings"
    title = _("预警")
    icon = "warning"
    permission = staticmethod(_may_see_debts)
    menu_template_name = "workflows/warnings_menu.html"

    index_path = path("", view_for("limitation"), name="index")
    lapsed_path = path("lapsed/", view_for("lapsed"), name="lapsed")
    key_path = path("key/", view_for("key"), name="key")
    limits_path = path("limits/", view_for("limits"), name="limits")
    accountability_path = path("accountability/", view_for("accountability"), name="accountability")
    reconciliation_path = path("reconciliation/", UnreconciledView.as_view(), name="reconciliation")


class ReportsApplication(Application):
    app_name = "reports"
    title = _("计划与考核")
    icon = "insights"
    permission = staticmethod(_may_open_reports)
    menu_template_name = "workflows/reports_menu.html"

    index_path = path("", report_views.DashboardView.as_view(), name="index")
    aging_path = path("aging/", report_views.AgingReportView.as_view(), name="aging")
    aging_debts_path = path("aging/debts/", report_views.AgingDrillView.as_view(), name="aging_debts")
    plans_path = path("plans/", plan_views.PlanListView.as_view(), name="plans")
    plan_path = path("plans/<int:pk>/", plan_views.PlanDetailView.as_view(), name="plan")
    assessments_path = path("assessments/", plan_views.AssessmentListView.as_view(), name="assessments")
    assessment_path = path("assessments/<int:pk>/", plan_views.AssessmentDetailView.as_view(), name="assessment")
    costs_path = path("costs/", plan_views.CostsView.as_view(), name="costs")
    quarterly_path = path("quarterly/", plan_views.QuarterlyReportsView.as_view(), name="quarterly")


class PlanApprovalsApp(WorkflowAppViewset):
    """viewflow's inbox / queue / archive for the plan-approval chain (清欠小组's tasks)."""

    app_name = "plan_approvals"
    title = _("计划审批")
    icon = "fact_check"

    def has_view_permission(self, user, obj=None):
        return may_open_reports(user)


class PlanFlowViewset(FlowViewset):
    """The plan chain's viewflow routes, each behind plans.chain.check_route: another
    handler's plan is 404 on every one of them (rule R8.5)."""

    def _get_urls(self):
        return scoped(super()._get_urls(), plan_chain.check_route)


plan_approvals_app = PlanApprovalsApp(flow_viewsets=[PlanFlowViewset(ClearingPlanFlow, icon="event_note")])


applications = [DebtsApplication(), WarningsApplication(), ReportsApplication(), plan_approvals_app]
