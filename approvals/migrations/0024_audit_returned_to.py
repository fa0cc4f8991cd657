"""The decision chain's content takes in returned_to (rule R4.131), added by 0023 after decisions
were linked: as an added column it counts only where set, so every link made before still verifies.
Only the trigger function changes; no row is relinked."""
from django.db import migrations

from workflows import audit
from workflows.audit import ChainSpec, Column

BEFORE = ChainSpec("approvals_decision", "debt_id", (
    Column("id"), Column("debt_id"), Column("chain"), Column("step"), Column("step_title"), Column("decision"),
    Column("by_id"), Column("on_behalf_of_id"), Column("at", "timestamp"), Column("comment"), Column("process_id"),
    Column("task_id")), "decision")
AFTER = ChainSpec(BEFORE.table, BEFORE.key, BEFORE.columns + (Column("returned_to", "added"),), BEFORE.label)


def _install(spec):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(audit.install_sql(spec), params=None)
    return run


class Migration(migrations.Migration):
    dependencies = [("approvals", "0023_i18_return_to_step")]
    operations = [migrations.RunPython(_install(AFTER), _install(BEFORE))]
