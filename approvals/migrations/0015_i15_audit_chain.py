"""The tamper-evident record over decisions and signatures (issue 15, workflows.audit)."""
from django.db import migrations

from workflows import audit
from workflows.audit import ChainSpec, Column

# The columns as they were then, frozen: a later migration extends a chain's content (0024).
DECISIONS = ChainSpec("approvals_decision", "debt_id", (
    Column("id"), Column("debt_id"), Column("chain"), Column("step"), Column("step_title"), Column("decision"),
    Column("by_id"), Column("on_behalf_of_id"), Column("at", "timestamp"), Column("comment"), Column("process_id"),
    Column("task_id")), "decision")
SIGNATURES = ChainSpec("approvals_signature", "signer_id", (
    Column("id"), Column("decision_id"), Column("signer_id"), Column("signed_at", "timestamp"), Column("sha256"),
    Column("documents", "jsonb")), "signature")
SPECS = (DECISIONS, SIGNATURES)


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
