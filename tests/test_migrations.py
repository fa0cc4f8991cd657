"""Every model change has its migration: makemigrations --check finds nothing to write."""
from io import StringIO

from django.core.management import call_command


def test_no_model_change_lacks_a_migration(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits non-zero when a migration would be written
        raise AssertionError(f"model changes without a migration:\n{out.getvalue()}") from exc
    assert "No changes detected" in out.getvalue()
