"""Plain routes under /collection/: the form posts of the collection pages (frontend.py)."""
from django.urls import path

from . import views

app_name = "collection"

urlpatterns = [
    path("debt/<int:debt_id>/contact/", views.ContactPost.as_view(), name="contact"),
    path("debt/<int:debt_id>/letter/", views.LetterPost.as_view(), name="letter"),
    path("debt/<int:debt_id>/letter/sheet/", views.LetterSheetView.as_view(), name="letter_sheet"),
    path("debt/<int:debt_id>/letter/preview.pdf", views.LetterSheetView.as_view(pdf=True), name="letter_preview_pdf"),
    path("debt/<int:debt_id>/visit/", views.VisitPost.as_view(), name="visit"),
    path("debt/<int:debt_id>/plan/", views.PlanPost.as_view(), name="plan"),
    path("debt/<int:debt_id>/engage/", views.EngagePost.as_view(), name="engage"),
    path("debt/<int:debt_id>/take-case/", views.TakeCasePost.as_view(), name="take_case"),
    path("letter/<int:pk>/receipt/", views.ReceiptPost.as_view(), name="receipt"),
    path("letter/<int:pk>/confirmation/", views.ConfirmationPost.as_view(), name="confirmation"),
    path("plan/<int:pk>/payment/", views.PlanPaymentPost.as_view(), name="plan_payment"),
    path("engagement/<int:pk>/fee/", views.FeePost.as_view(), name="fee"),
    path("confirmations/start/", views.ConfirmationRunPost.as_view(), name="confirmations_start"),
    path("agencies/add/", views.AgencyPost.as_view(), name="agency_add"),
    path("case/<int:pk>/stage/", views.StagePost.as_view(), name="stage"),
    path("case/<int:pk>/hearing/", views.HearingPost.as_view(), name="hearing"),
    path("case/<int:pk>/cost/", views.CostPost.as_view(), name="cost"),
    path("case/<int:pk>/papers/", views.PapersPost.as_view(), name="papers"),
]
