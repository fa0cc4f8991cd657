"""Plain routes of the workflows app (uploads, downloads), mounted under /workflows/."""
from django.urls import path

from workflows.ledger_import import views as import_views
from workflows.plans import views as plan_views
from workflows.reports import views as report_views

# Not "workflows": that namespace may be taken by the app's pages in the viewflow site.
app_name = "workflows_routes"

urlpatterns = [
    path("import/", import_views.upload, name="ledger_import"),
    path("import/<uuid:job_id>/", import_views.job, name="ledger_import_job"),
    path("reports/aging.xlsx", report_views.aging_export, name="aging_export"),
    path("reports/assessments/<int:pk>.xlsx", plan_views.assessment_export, name="assessment_export"),
]
