from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollectionConfig(AppConfig):
    name = "collection"
    verbose_name = _("催收与诉讼")

    def ready(self):
        # Imported here, not at the top: apps.py is loaded before any model is, and these
        # modules import models (Django's documented place for registry wiring).
        from documents.timeline import register_timeline_source
        from workflows.signals import demo_debts_seeded, demo_seeded

        from .demo import seed_collection, seed_letterheads
        from .timeline import contact_events

        register_timeline_source(contact_events)
        demo_seeded.connect(seed_letterheads, dispatch_uid="collection_demo_letterheads")
        demo_debts_seeded.connect(seed_collection, dispatch_uid="collection_demo_work")
