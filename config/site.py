"""The app shell: viewflow's site frontend, assembled from each app's `frontend.py`.

An app that has pages exposes `applications` (a list of viewflow `Application` viewsets) in
its `frontend` module; the order below is the menu order.
"""
import importlib

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

FRONTEND_APPS = ["workflows", "approvals", "documents", "collection"]


def _applications():
    found = []
    # An app may also expose a second frontend module (workflows.clock_frontend: the warnings).
    for module_name in [f"{name}.{module}" for name in FRONTEND_APPS
                        for module in ("frontend", "clock_frontend", "report_frontend")]:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        found.extend(module.applications)
    return found


site = Site(title=_("清欠管理系统"), viewsets=_applications())
