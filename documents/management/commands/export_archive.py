import os

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from documents.export import debts_for_unit, write_bundle
from documents.models import Action
from documents.services import log_access
from workflows.models import OrgUnit


class Command(BaseCommand):
    help = "Export a unit's archive (or all of it) as a handover bundle verifiable with sha256sum -c."

    def add_arguments(self, parser):
        parser.add_argument("out", help="path of the ZIP to write")
        parser.add_argument("--unit", help="organisation unit code (with the units below it)")

    def handle(self, *args, out, unit=None, **options):
        unit_obj = None
        if unit:
            try:
                unit_obj = OrgUnit.objects.get(code=unit)
            except OrgUnit.DoesNotExist:
                raise CommandError(_("单位编码“%(code)s”不存在") % {"code": unit}) from None
        total = debts_for_unit(unit_obj).count()
        if os.path.exists(out):
            raise CommandError(_("%(out)s 已存在，不会覆盖") % {"out": out})
        with tqdm(total=total, unit="case", disable=options["verbosity"] < 1, file=self.stderr._out) as bar, \
                open(out, "xb") as fh:
            count = write_bundle(
                fh, unit=unit_obj, progress=lambda n: bar.update(1),
                on_case_file=lambda debt: log_access(debt, None, Action.EXPORT, detail="export_archive"))
        self.stdout.write(_("已导出 %(n)s 个案卷到 %(out)s") % {"n": count, "out": out})
