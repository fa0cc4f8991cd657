"""python manage.py seed_holidays: copy the installed chinese-calendar's holidays and make-up
working days into the calendar table for every year the table has no row for (rule R8.12);
a year an administrator entered is left as it is."""
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from workflows import holidays


class Command(BaseCommand):
    help = "从 chinese-calendar 导入法定节假日安排（已录入的年份不变）"

    def handle(self, *args, **options):
        added = holidays.seed_from_package()
        self.stdout.write(_("已导入 %(n)s 条法定节假日安排（%(source)s）") % {
            "n": added, "source": holidays.PACKAGE_SOURCE})
        missing = holidays.missing_years()
        for year in missing:
            self.stdout.write(_("%(year)s 年的法定节假日安排尚未录入：工作日暂按周一至周五计算") % {"year": year})
