"""Monthly reconciliation (每月核对台账, rule R5.18): finance issues each handler a statement of
their debts as at the month's end; the handler confirms or disputes each line; finance resolves
the disputes. A statement is reconciled when every line is confirmed or resolved."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.models.debts import MONEY


class Statement(models.Model):
    month = models.DateField(_("对账月份"), help_text=_("该月第一天"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                                related_name="statements")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("出具人(财务)"), on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(_("出具时间"), auto_now_add=True)
    reconciled_at = models.DateTimeField(_("对账完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度对账单")
        verbose_name_plural = _("月度对账单")
        ordering = ["-month", "handler_id"]
        constraints = [models.UniqueConstraint(fields=["month", "handler"], name="one_statement_per_handler_month")]
        indexes = [models.Index(fields=["month"], name="statement_open_idx", condition=models.Q(reconciled_at=None))]

    def __str__(self):
        return gettext("%(m)s 对账单：%(h)s") % {"m": self.month.strftime("%Y-%m"), "h": self.handler}


class LineAnswer(models.TextChoices):
    PENDING = "pending", _("待核对")
    CONFIRMED = "confirmed", _("相符")
    DISPUTED = "disputed", _("有异议")
    RESOLVED = "resolved", _("异议已处理")


class StatementLine(models.Model):
    statement = models.ForeignKey(Statement, verbose_name=_("对账单"), on_delete=models.CASCADE, related_name="lines")
    debt = models.ForeignKey("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT, related_name="+")
    balance = models.DecimalField(_("账面余额(元)"), **MONEY)
    answer = models.CharField(_("核对结果"), max_length=10, choices=LineAnswer.choices, default=LineAnswer.PENDING)
    note = models.CharField(_("异议说明"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("核对时间"), null=True, blank=True)
    resolution = models.CharField(_("处理意见"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人(财务)"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("对账单明细")
        verbose_name_plural = _("对账单明细")
        ordering = ["statement", "debt_id"]
        constraints = [models.UniqueConstraint(fields=["statement", "debt"], name="statement_line_once")]

    def __str__(self):
        return f"{self.statement_id} {self.debt_id} {self.get_answer_display()}"
