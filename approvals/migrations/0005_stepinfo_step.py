"""StepInfo.step: the node name of the step, so the inbox can leave out, in its own query, the
steps four-eyes bars a user from (someone who already decided another step of the chain)."""
from django.db import migrations, models


def backfill(apps, schema_editor):
    # One UPDATE per distinct task reference (a few dozen), not one per row.
    connection = schema_editor.connection
    with connection.cursor() as c:
        c.execute("SELECT DISTINCT t.flow_task FROM viewflow_task t "
                  "JOIN approvals_stepinfo s ON s.task_id = t.id")
        refs = [row[0] for row in c.fetchall()]
        for ref in refs:
            c.execute("UPDATE approvals_stepinfo SET step = %s "
                      "WHERE task_id IN (SELECT id FROM viewflow_task WHERE flow_task = %s)",
                      [ref.rsplit(".", 1)[-1], ref])


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0004_roles_custodian_inspector"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.AddField(
            model_name="stepinfo",
            name="step",
            field=models.CharField(blank=True, db_default="", max_length=50, verbose_name="步骤代码"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
