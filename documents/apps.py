from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("清欠档案")

    def ready(self):
        # Imported here, not at the top: apps.py is loaded before any model is, and these
        # modules import models (Django's documented place for signal and registry wiring).
        from workflows import lifecycle
        from workflows.models import State
        from workflows.signals import demo_debts_seeded

        from . import signals  # noqa: F401  (connects the receivers)
        from .demo import seed_handover
        from .services import seal_gate

        lifecycle.register_gate_check(State.SEALED, seal_gate)
        # The embedded demo (a lower layer) announces its debts; the archive adds a handover.
        demo_debts_seeded.connect(seed_handover, dispatch_uid="documents_demo_handover")
