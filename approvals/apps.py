from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("审批")

    def ready(self):
        # Django imports apps.py before any models module, so modules that need models are
        # imported here, once every app's models are loaded (Django's documented place for it).
        from documents.export import register_manifest_section
        from documents.timeline import register_timeline_source
        from workflows import audit
        from workflows.signals import demo_debts_seeded

        from . import audit_chains, demo, flows, manifest, registry, signals, timeline  # noqa: F401

        # The views and the API look a chain's Flow up in the registry: flows.py imports the
        # views, so they cannot import flows.py.
        for flow_class in flows.FLOWS.values():
            registry.register(flow_class)
        # The case file's timeline (documents, a lower layer) shows every decision and comment.
        register_timeline_source(timeline.decision_events)
        register_timeline_source(timeline.transfer_events)   # 转交, rule R4.130
        register_timeline_source(timeline.comment_events)
        register_timeline_source(timeline.meeting_events)
        register_timeline_source(timeline.urge_events)
        # ... and its exports (case-file ZIP, handover bundle) carry every decision and signature.
        register_manifest_section(manifest.SECTION)
        # The tamper-evident record (workflows.audit, a lower layer) verifies decisions and signatures.
        audit.register(audit_chains.DECISIONS)
        audit.register(audit_chains.SIGNATURES)
        # The embedded demo (a lower layer) announces its debts; approvals adds waiting chains.
        demo_debts_seeded.connect(demo.seed_chains, dispatch_uid="approvals_demo_chains")
