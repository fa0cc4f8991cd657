"""python manage.py import_ledger FILE.xlsx|.xls|.csv [--user USERNAME] [--sheet NAME ...] [--preview]"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from workflows.exceptions import InvalidWorkbook
from workflows.ledger_import.service import import_ledger
from workflows.models import User

PHASES = {"validate": "校验", "write": "写入"}


class Command(BaseCommand):
    help = "从 Excel (.xlsx/.xls) 或 CSV 导入债权台账：先校验全部行，有任何错误则不导入并列出全部错误行。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件 (.xlsx、.xls 或 .csv)")
        parser.add_argument("--sheet", action="append", dest="sheets", help="只读取该工作表（可重复；默认读取全部）")
        parser.add_argument("--preview", action="store_true", help="只预览：校验并报告，不写入任何数据")
        parser.add_argument("--user", help="以该用户身份导入（记为录入人，并只允许其管辖范围内的单位）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args, file, user=None, no_progress=False, sheets=None, preview=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件：%(file)s") % {"file": file})
        by = None
        if user:
            try:
                by = User.objects.get(username=user, is_active=True)
            except User.DoesNotExist:
                raise CommandError(_("未知或已停用的用户：%(user)s") % {"user": user}) from None
            if not by.has_perm("workflows.import_ledger"):
                raise CommandError(_("用户 %(user)s 没有导入台账的权限") % {"user": user})

        bars = {}

        def progress(phase, done, total):
            if no_progress:
                return
            bar = bars.get(phase)
            if bar is None:
                for other in bars.values():
                    other.close()
                bar = bars[phase] = tqdm(total=total, desc=PHASES.get(phase, phase), unit="行",
                                         file=self.stderr._out, dynamic_ncols=True)
            if total is not None and bar.total != total:
                bar.total = total
            bar.update(done - bar.n)

        try:
            report = import_ledger(str(path), by=by, progress=progress, sheets=sheets, commit=not preview,
                                   reference=_("台账导入 %(file)s") % {"file": path.name})
        except InvalidWorkbook as exc:
            raise CommandError(str(exc)) from None
        finally:
            for bar in bars.values():
                bar.close()

        for sheet in report.sheets:
            if sheet["status"] != "read":
                self.stdout.write(_("工作表“%(name)s”未读取（%(status)s）")
                                  % {"name": sheet["name"], "status": sheet["status"]})
        for skipped in report.skipped:
            if skipped["kind"] != "identical":
                self.stdout.write(_("跳过 工作表“%(sheet)s”第%(row)s行：%(reason)s") % skipped)
        if not report.ok:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(_("共 %(n)s 处错误，未导入任何数据") % {"n": len(report.errors)})
        if preview:
            self.stdout.write(_("预览（未写入）：读取 %(rows)s 行，将新建债权 %(debts)s 笔、债务人 %(debtors)s 个、"
                                "合同 %(contracts)s 份，跳过相同记录 %(skipped)s 行") % {
                "rows": report.rows, "debts": report.debts_created, "debtors": report.debtors_created,
                "contracts": report.contracts_created, "skipped": report.skipped_identical})
            return
        self.stdout.write(self.style.SUCCESS(_(
            "导入完成：读取 %(rows)s 行，新建债权 %(debts)s 笔、债务人 %(debtors)s 个、合同 %(contracts)s 份，"
            "跳过相同记录 %(skipped)s 行") % {
            "rows": report.rows, "debts": report.debts_created, "debtors": report.debtors_created,
            "contracts": report.contracts_created, "skipped": report.skipped_identical}))
