"""manage.py seed_demo: demo data for the embedded demo (refused unless DEBUG or QQ_DEMO)."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from workflows import demo, exceptions


class Command(BaseCommand):
    help = _("创建演示数据（组织、各角色演示账号、债务人和约200笔各状态债权）；可重复运行")

    def add_arguments(self, parser):
        parser.add_argument("--debts", type=int, default=demo.DEBT_COUNT, help=_("演示债权笔数"))

    def handle(self, *args, debts, **options):
        if debts < 1:
            raise CommandError(_("--debts 必须是正整数"))
        try:
            created = demo.seed(debt_count=debts)
        except exceptions.DemoRefused as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(_("演示数据：新建用户 %(users)d 个，新建债权 %(debts)d 笔。") % created)
        rows = [(_("用户名"), _("角色"), _("单位"), _("密码")), *demo.logins()]
        widths = [max(_display_width(row[col]) for row in rows) for col in range(4)]
        self.stdout.write(_("演示账号（仅用于内置演示）："))
        for row in rows:
            self.stdout.write("  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=False)).rstrip())


def _display_width(text):
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(text))


def _pad(text, width):
    return str(text) + " " * (width - _display_width(text))
