"""Plain routes of the workflows app (uploads, downloads), mounted under /workflows/."""
from django.urls import path

from workflows.ledger_import import views as import_views
from workflows.plans import views as plan_views
from workflows.reports import views as report_views

# Not "workflows": that namespace may be taken by the app's pages in the viewflow site.
app_name = "workflows_routes"

urlpatterns = [
    path("import/", import_views.upload, name="ledger_import"),
    path("import/template.xlsx", import_views.template, name="ledger_import_template"),
    path("import/<uuid:job_id>/", import_views.job, name="ledger_import_job"),
    path("import/<uuid:job_id>/commit/", import_views.commit, name="ledger_import_commit"),
    path("import/<uuid:job_id>/sheets/", import_views.choose_sheets, name="ledger_import_sheets"),
    path("reports/aging.xlsx", report_views.aging_export, name="aging_export"),
    path("reports/assessments/<int:pk>.xlsx", plan_views.assessment_export, name="assessment_export"),
]
