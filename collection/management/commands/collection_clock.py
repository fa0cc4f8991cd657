from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from collection.clock import run_daily_steps


class Command(BaseCommand):
    help = "Flag broken promises to pay and missed instalments (also run by run_daily)."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, default=None)

    def handle(self, *args, **options):
        result = run_daily_steps(options["date"] or timezone.localdate())
        self.stdout.write(str(result))
