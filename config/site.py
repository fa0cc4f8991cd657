"""The app shell: viewflow's site frontend, assembled from each app's `frontend` module.

An app that has pages exposes `applications` (a list of viewflow `Application` viewsets)
in its `frontend` module; the order below is the menu order. config is the top layer: it
imports every frontend directly.
"""
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

from approvals import frontend as approvals_frontend
from collection import frontend as collection_frontend
from documents import frontend as documents_frontend
from workflows import frontend as workflows_frontend

FRONTENDS = [workflows_frontend, approvals_frontend, documents_frontend, collection_frontend]

site = Site(title=_("清欠管理系统"), viewsets=[app for module in FRONTENDS for app in module.applications])
