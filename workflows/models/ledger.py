"""The append-only ledger a debt's balance is derived from (rule R2.x)."""
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.append_only import AppendOnlyModel
from workflows.models.debts import MONEY, Debt


class EntryKind(models.TextChoices):
    INVOICE = "invoice", _("开票/应收")
    PAYMENT = "payment", _("回款")
    ADJUSTMENT = "adjustment", _("调整")
    IN_KIND_OFFSET = "in_kind_offset", _("以物抵债冲抵")
    WRITE_OFF = "write_off", _("核销")
    RECOVERY = "recovery", _("核销后收回")


class LedgerEntry(AppendOnlyModel):
    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("类型"), max_length=20, choices=EntryKind.choices)
    # Positive for every kind but adjustment, whose sign says which way it goes.
    amount = models.DecimalField(_("金额"), **MONEY)
    date = models.DateField(_("日期"))
    reference = models.CharField(_("凭证/参考号"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("台账分录")
        verbose_name_plural = _("台账分录")
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["debt", "date"])]
        triggers = [
            pgtrigger.Protect(name="ledger_entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

