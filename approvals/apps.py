from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("审批")

    def ready(self):
        # Django imports apps.py before any models module, so modules that need models are
        # imported here, once every app's models are loaded (Django's documented place for it).
        from . import flows, registry, signals  # noqa: F401

        # The views and the API look a chain's Flow up in the registry: flows.py imports the
        # views, so they cannot import flows.py.
        for flow_class in flows.FLOWS.values():
            registry.register(flow_class)
