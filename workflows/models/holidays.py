"""The statutory working-day calendar (rule R8.12): the State Council's holidays and make-up
working days (调休上班), one row per date. A year with no row is counted Monday to Friday."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日(休息)")
    WORKDAY = "workday", _("调休上班日")


class HolidayCalendar(models.Model):
    day = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=100, help_text=_("如：国庆节、春节"))
    source = models.CharField(_("来源"), max_length=100, blank=True,
                              help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知；或 chinese-calendar 1.11.0"))

    class Meta:
        verbose_name = _("法定节假日安排")
        verbose_name_plural = _("法定节假日安排")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"
