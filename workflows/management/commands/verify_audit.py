"""Recompute the tamper-evident hash chains (workflows.audit) and name the first broken link."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workflows import audit, db_roles


class Command(BaseCommand):
    help = ("Recompute the hash chains over state changes, ledger entries, authorisations, decisions and "
            "signatures; name the first broken link and exit non-zero on any (PostgreSQL).")

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=20, help="broken links to list per table (default 20)")

    def handle(self, *args, **options):
        report = audit.verify(app_role=db_roles.app_role(), limit=options["limit"])
        if not report.supported:
            raise CommandError(_("审计哈希链只在 PostgreSQL 上维护"))
        for broken in report.broken:
            self.stderr.write(str(broken))
        summary = _("已核验 %(rows)s 行、%(chains)s 条链") % {"rows": report.rows, "chains": report.chains}
        if not report.ok:
            raise CommandError(_("%(summary)s；第一个断开的环节：%(first)s；共 %(n)s 处问题")
                               % {"summary": summary, "first": report.first, "n": len(report.broken)})
        self.stdout.write(_("%(summary)s；全部一致") % {"summary": summary})
