"""Clearing plans (清欠计划): a handler's annual target split into months (rule R6.x)."""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.models.debts import MONEY


class PlanState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class ClearingPlan(models.Model):
    """A handler's annual clearing target (清欠计划), split into months (quarters derived)."""

    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                                related_name="clearing_plans")
    year = models.PositiveSmallIntegerField(_("年度"))
    annual_target = models.DecimalField(_("年度目标(元)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    state = models.CharField(_("状态"), max_length=12, choices=PlanState.choices, default=PlanState.DRAFT)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_late = models.BooleanField(_("逾期提交"), default=False,
                                         help_text=_("晚于当年1月31日提交"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("清欠计划")
        verbose_name_plural = _("清欠计划")
        ordering = ["-year", "handler_id"]
        constraints = [models.UniqueConstraint(fields=["handler", "year"], name="one_clearing_plan_per_handler_year")]
        permissions = [("approve_clearingplan", _("审批清欠计划"))]

    def __str__(self):
        return gettext("%(year)d 年清欠计划 - %(who)s") % {"year": self.year, "who": self.handler}


class PlanTarget(models.Model):
    plan = models.ForeignKey(ClearingPlan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="targets")
    month = models.PositiveSmallIntegerField(_("月份"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    amount = models.DecimalField(_("目标金额(元)"), **MONEY, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        verbose_name = _("月度目标")
        verbose_name_plural = _("月度目标")
        ordering = ["plan", "month"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="one_target_per_plan_month"),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="plan_target_month_1_12"),
        ]

    def __str__(self):
        return gettext("%(month)d月目标 %(amount)s") % {"month": self.month, "amount": self.amount}

    @property
    def quarter(self):
        return (self.month - 1) // 3 + 1


class QuarterlyReport(models.Model):
    """A responsible person's quarterly 应收款项管理报表 with its 总结分析报告 (rule R6.19): the
    figures of their debts for the quarter as they stood when submitted, and the analysis. Due by
    the configured day of the month after the quarter (ClockSettings.quarterly_report_due_day)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT,
                               related_name="quarterly_reports")
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    analysis = models.TextField(_("总结分析报告"))
    figures = models.JSONField(_("报表数据"), default=dict)
    submitted_at = models.DateTimeField(_("上报时间"))
    due_on = models.DateField(_("上报截止日"))
    late = models.BooleanField(_("逾期上报"), default=False)

    class Meta:
        verbose_name = _("季度清欠报告")
        verbose_name_plural = _("季度清欠报告")
        ordering = ["-year", "-quarter", "person_id"]
        constraints = [models.UniqueConstraint(fields=["person", "year", "quarter"],
                                               name="one_quarterly_report_per_person")]

    def __str__(self):
        return gettext("%(person)s %(year)s 年第 %(q)s 季度清欠报告") % {
            "person": self.person, "year": self.year, "q": self.quarter}
