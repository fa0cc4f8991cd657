"""Give the application role (DATABASE_URL) exactly its privileges, as the owner
(MIGRATE_DATABASE_URL). Idempotent; `migrate` runs it too. See workflows.db_roles."""
from django.core.management.base import BaseCommand, CommandError

from workflows import db_roles


class Command(BaseCommand):
    help = ("Grant the application role (DATABASE_URL) exactly its privileges, connecting as the owner "
            "(MIGRATE_DATABASE_URL): no TRUNCATE, no UPDATE/DELETE on append-only tables, owns nothing. "
            "Idempotent; migrate runs it after every run.")

    def handle(self, *args, **options):
        if db_roles.app_role() is None:
            raise CommandError("set MIGRATE_DATABASE_URL (the owner) and DATABASE_URL (the application role) "
                               "on PostgreSQL")
        try:
            done = db_roles.grant_configured()
        except db_roles.RoleProblem as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"granted {db_roles.app_role()}: {len(done)} statements, "
                          f"{len(db_roles.restricted_tables())} append-only or no-delete tables restricted")
