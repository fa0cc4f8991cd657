"""→sealed commits only with the archive's seal of that debt's case file (issue 15): the seal and
its manifest are written in the same transaction as the state change (services.seal_case_file),
so a raw-SQL move to sealed without them is refused at commit. No pgtrigger trigger: no setting
switches it off."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION qq_sealed_has_seal() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM documents_seal s JOIN documents_casefile c ON c.id = s.case_file_id
                   WHERE c.debt_id = NEW.id) THEN
        RAISE EXCEPTION 'debt % sealed without the archive''s seal of its case file', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS qq_sealed_has_seal ON workflows_debt;
CREATE CONSTRAINT TRIGGER qq_sealed_has_seal
    AFTER UPDATE OF state ON workflows_debt DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND NEW.state = 'sealed')
    EXECUTE FUNCTION qq_sealed_has_seal();
"""
DROP = """
DROP TRIGGER IF EXISTS qq_sealed_has_seal ON workflows_debt;
DROP FUNCTION IF EXISTS qq_sealed_has_seal();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0004_i17_titled_assets"),
        ("workflows", "0020_i15_truthful_triggers"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
