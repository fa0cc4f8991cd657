"""The REST API under /api/: one router over each app's `api.routes`, token login, the
OpenAPI 3 schema and its browsable docs page."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from approvals import api as approvals_api
from documents import api as documents_api
from workflows.clock import api as warnings_api
from workflows.debts import api as debts_api
from workflows.reports import api as reports_api

router = DefaultRouter()
for _module in (debts_api, warnings_api, reports_api, documents_api, approvals_api):
    for prefix, viewset, basename in _module.routes:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("", include(router.urls)),
    path("token/", obtain_auth_token, name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
