from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows.backup import default_target, make_backup
from workflows.exceptions import BackupError


class Command(BaseCommand):
    help = ("Back up the database and the archive files into a new directory (default var/backups/<time>); "
            "verify it offline with `sha256sum -c SHA256SUMS` inside it.")

    def add_arguments(self, parser):
        parser.add_argument("target", nargs="?", help="a directory that does not exist yet")

    def handle(self, *args, **options):
        try:
            summary = make_backup(Path(options["target"]) if options["target"] else default_target())
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"backup of the {summary.database} database and {summary.files} archive files: "
                          f"{summary.path}")
