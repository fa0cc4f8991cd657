from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("清欠台账")

    def ready(self):
        # The clearing-plan flow registers itself with workflows.plans.chain when imported, so
        # that the plan pages can start and find its tasks without importing the flow.
        from workflows import plan_flow  # noqa: F401
