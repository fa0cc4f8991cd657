"""StepInfo's copy of its task's owner and open flag kept by the database (issue 20 item 3):
an AFTER UPDATE trigger on viewflow's task writes it in the statement that changes the task,
whichever path changed it (viewflow's own views, claim, delegation, escalation, a queryset
update that sends no signal), instead of a post_save receiver issuing one statement more per
claim and per decision. Open means viewflow's NEW, ASSIGNED or STARTED, as before."""
from django.db import migrations

OPEN = "('NEW', 'ASSIGNED', 'STARTED')"

POSTGRES = f"""
CREATE OR REPLACE FUNCTION qq_step_info_follows_task() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE approvals_stepinfo SET owner_id = NEW.owner_id, open = NEW.status IN {OPEN}
     WHERE task_id = NEW.id;
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS qq_step_info_follows_task ON viewflow_task;
CREATE TRIGGER qq_step_info_follows_task AFTER UPDATE OF owner_id, status ON viewflow_task
FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.status IS DISTINCT FROM NEW.status)
EXECUTE FUNCTION qq_step_info_follows_task();
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS qq_step_info_follows_task ON viewflow_task;
DROP FUNCTION IF EXISTS qq_step_info_follows_task();
"""
SQLITE = f"""
CREATE TRIGGER IF NOT EXISTS qq_step_info_follows_task AFTER UPDATE OF owner_id, status ON viewflow_task
FOR EACH ROW WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.status IS NOT NEW.status
BEGIN
    UPDATE approvals_stepinfo SET owner_id = NEW.owner_id, open = NEW.status IN {OPEN}
     WHERE task_id = NEW.id;
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS qq_step_info_follows_task;"


def install(apps, schema_editor):
    # One CREATE TRIGGER is one statement for SQLite's execute; PostgreSQL takes the script whole.
    schema_editor.execute(SQLITE if schema_editor.connection.vendor == "sqlite" else POSTGRES)


def uninstall(apps, schema_editor):
    schema_editor.execute(SQLITE_DROP if schema_editor.connection.vendor == "sqlite" else POSTGRES_DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('approvals', '0026_i18_joint_group'),
        ('viewflow', '0015_task_scheduled'),
    ]

    operations = [migrations.RunPython(install, uninstall)]
