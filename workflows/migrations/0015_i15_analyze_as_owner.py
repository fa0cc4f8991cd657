"""ANALYZE needs the table's owner; the application role owns nothing (issue 15). The daily run
refreshes its tables' statistics through this SECURITY DEFINER function, which the owner (who
runs migrations) owns and which analyses a table of the public schema only."""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION qq_analyze(tbl regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    IF (SELECT c.relnamespace FROM pg_class c WHERE c.oid = tbl) <> 'public'::regnamespace THEN
        RAISE EXCEPTION 'qq_analyze: % is not a table of the public schema', tbl;
    END IF;
    EXECUTE format('ANALYZE %s', tbl);
END;
$$;
"""
DROP = "DROP FUNCTION IF EXISTS qq_analyze(regclass);"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0014_i16_category_alias")]
    operations = [migrations.RunPython(forwards, backwards)]
