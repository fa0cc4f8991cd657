from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from documents.integrity import verify_archive
from documents.models import Document


class Command(BaseCommand):
    help = "Re-hash every archived file and every sealed manifest; exit non-zero on any problem."

    def handle(self, *args, **options):
        bar = tqdm(total=Document.objects.count(), unit="file", disable=options["verbosity"] < 1,
                   file=self.stderr._out)
        check = verify_archive(trigger="command", progress=lambda: bar.update(1))
        bar.close()
        for problem in check.problems:
            self.stderr.write(problem["message"])
        summary = _("已核验 %(d)s 个文件、%(s)s 份封档清单") % {"d": check.documents_checked, "s": check.seals_checked}
        if not check.ok:
            raise CommandError(_("%(summary)s；发现 %(n)s 个问题") % {"summary": summary, "n": len(check.problems)})
        self.stdout.write(_("%(summary)s；全部一致") % {"summary": summary})
