"""`flush` as the owner role when one is configured: emptying tables is TRUNCATE, which the
application role does not hold (issue 15). The test runner's transactional tests flush this way."""
from django.core.management.commands.flush import Command as DjangoFlush

from workflows import db_roles


class Command(DjangoFlush):
    def handle(self, **options):
        with db_roles.as_owner(options["database"]):
            super().handle(**options)
