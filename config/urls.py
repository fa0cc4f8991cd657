"""URL map. Pages live in the viewflow site (config/site.py); an app's plain routes (downloads,
uploads, API) live in its own `urls.py`, included here under the app's name when it exists."""
import importlib

from django.contrib import admin
from django.urls import include, path
from viewflow.contrib.auth import AuthViewset

from .site import FRONTEND_APPS, site

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", AuthViewset().urls),
]

for _name in FRONTEND_APPS:
    try:
        importlib.import_module(f"{_name}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"{_name}.urls":
            raise
        continue
    urlpatterns.append(path(f"{_name}/", include(f"{_name}.urls")))

# The REST API (issue 8): config/api_urls.py.
urlpatterns.append(path("api/", include("config.api_urls")))

urlpatterns.append(path("", site.urls))
