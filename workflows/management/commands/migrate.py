"""`migrate` as the owner role, then the application role's grants (issue 15, workflows.db_roles).

With MIGRATE_DATABASE_URL set the migrations run on an owner connection (the application role
can create nothing), and afterwards the application role gets exactly its privileges on every
table, new ones included. Without it this is Django's own migrate."""
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections, transaction

from workflows import db_roles


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " As the owner role (MIGRATE_DATABASE_URL) when one is configured."

    def handle(self, *args, **options):
        alias = options["database"]
        with db_roles.as_owner(alias) as switched:
            super().handle(*args, **options)
            if switched:
                with transaction.atomic(using=alias):
                    db_roles.grant_app_role(connections[alias], db_roles.app_role(),
                                            password=db_roles.app_password())
                if options["verbosity"] >= 1:
                    self.stdout.write(f"  Granted the application role {db_roles.app_role()} its privileges.")
