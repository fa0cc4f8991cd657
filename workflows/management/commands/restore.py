from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows.backup import restore_backup
from workflows.exceptions import BackupError


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into the configured database (which must be freshly "
            "created and empty) and archive directory (empty); then run verify_archive.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="the backup directory")

    def handle(self, *args, **options):
        try:
            summary = restore_backup(Path(options["source"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored the {summary.database} database and {summary.files} archive files "
                          f"into {summary.path}; now run `manage.py verify_archive`")
