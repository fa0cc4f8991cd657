"""Admin of the working-day calendar (rules R8.12, R8.13): the State Council's notice of each
year is entered here; a year missing is named on every page of this list and on the admin
index."""
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows import holidays
from workflows.models import HolidayCalendar


def missing_year_message(year: int) -> str:
    return gettext("%(year)s 年的法定节假日安排尚未录入：该年的审批期限、时效届满日暂按周一至周五计算。"
                   "请按国务院办公厅的通知录入该年的节假日和调休上班日。") % {"year": year}


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = sorted({d.year for d in HolidayCalendar.objects.dates("day", "year")}, reverse=True)
        return [(str(y), str(y)) for y in years]

    def queryset(self, request, queryset):
        return queryset.filter(day__year=int(self.value())) if self.value() and self.value().isdigit() else queryset


@admin.register(HolidayCalendar)
class HolidayCalendarAdmin(admin.ModelAdmin):
    list_display = ["day", "weekday", "kind", "name", "source"]
    list_filter = [YearFilter, "kind"]
    search_fields = ["name"]
    date_hierarchy = "day"
    ordering = ["-day"]

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return [gettext("星期一"), gettext("星期二"), gettext("星期三"), gettext("星期四"), gettext("星期五"),
                gettext("星期六"), gettext("星期日")][obj.day.weekday()]

    def changelist_view(self, request, extra_context=None):
        for year in holidays.missing_years():
            messages.warning(request, missing_year_message(year))
        return super().changelist_view(request, extra_context)
