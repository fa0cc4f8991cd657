"""URL map. Pages live in the viewflow site (config/site.py); an app's plain routes (downloads,
uploads) live in its own `urls.py`, included here under the app's name; the REST API is
config/api_urls.py."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from viewflow.contrib.auth import AuthViewset

from .health import healthz
from .site import site

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", AuthViewset().urls),
    path("workflows/", include("workflows.urls")),
    path("documents/", include("documents.urls")),
    path("collection/", include("collection.urls")),
    path("api/", include("config.api_urls")),
    # Unauthenticated, no data: each check's name and OK or its problem (config/health.py).
    path("healthz", healthz, name="healthz"),
]
if settings.QQ_PROMETHEUS:
    urlpatterns.append(path("", include("django_prometheus.urls")))  # /metrics
urlpatterns.append(path("", site.urls))
