from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows import db_roles
from workflows.backup import restore_backup
from workflows.exceptions import BackupError


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into the configured database (which must be freshly "
            "created and empty) and archive directory (empty); then run verify_archive.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="the backup directory")

    def handle(self, *args, **options):
        try:
            # The owner restores (MIGRATE_DATABASE_URL, when two roles are set) and then grants the
            # application role its privileges, as after a migrate.
            with db_roles.as_owner():
                summary = restore_backup(Path(options["source"]))
            db_roles.grant_configured()
        except (BackupError, db_roles.RoleProblem) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored the {summary.database} database and {summary.files} archive files "
                          f"into {summary.path}; now run `manage.py verify_archive`")
