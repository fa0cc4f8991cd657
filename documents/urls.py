"""Plain routes under /documents/: downloads, uploads and exports (pages are in frontend.py)."""
from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("doc/<int:pk>/download/", views.DocumentDownload.as_view(), name="download"),
    path("doc/<int:pk>/preview/", views.DocumentDownload.as_view(inline=True), name="preview"),
    path("casefile/<int:debt_id>/export.zip", views.CaseFileExport.as_view(), name="export"),
    path("casefile/<int:debt_id>/upload/", views.UploadView.as_view(), name="upload"),
    path("casefile/<int:debt_id>/seal/", views.SealView.as_view(), name="seal"),
    path("casefile/<int:debt_id>/legal-hold/", views.LegalHoldView.as_view(), name="legal_hold"),
    path("handover/start/", views.HandoverStart.as_view(), name="handover_start"),
    path("handover/<int:pk>/progress/", views.HandoverProgress.as_view(), name="handover_progress"),
    path("handover/<int:pk>/download/", views.HandoverDownload.as_view(), name="handover_download"),
]
