"""The tamper-evident record over decisions and signatures (issue 15, workflows.audit)."""
from django.db import migrations

from approvals import audit_chains
from workflows import audit

SPECS = (audit_chains.DECISIONS, audit_chains.SIGNATURES)


def forwards(apps, schema_editor):
    audit.install(schema_editor, *SPECS)


def backwards(apps, schema_editor):
    audit.uninstall(schema_editor, *SPECS)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0014_i15_gated_move_needs_approved_chain"),
        ("workflows", "0021_i15_audit_chain"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
