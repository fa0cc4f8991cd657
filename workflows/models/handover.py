"""Handovers (交接, rule R1.9): 清欠办 moves a person's debts to another person; the record names
who, to whom, why and lists the debts with their balance at that moment. Append-only."""
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.append_only import AppendOnlyModel
from workflows.models.debts import MONEY, State


class HandoverRole(models.TextChoices):
    HANDLER = "handler", _("经办人")
    RESPONSIBLE = "responsible", _("责任人")


class Handover(AppendOnlyModel):
    role = models.CharField(_("交接身份"), max_length=12, choices=HandoverRole.choices)
    from_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("移交人"), on_delete=models.PROTECT,
                                    related_name="handovers_given")
    to_person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.PROTECT,
                                  related_name="handovers_received")
    reason = models.CharField(_("交接原因"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办(清欠办)"), on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(_("交接时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("债权交接")
        verbose_name_plural = _("债权交接")
        ordering = ["-at", "-pk"]
        triggers = [pgtrigger.Protect(name="handover_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return gettext("交接 #%(pk)s：%(a)s → %(b)s") % {"pk": self.pk, "a": self.from_person, "b": self.to_person}


class HandoverItem(AppendOnlyModel):
    handover = models.ForeignKey(Handover, verbose_name=_("交接"), on_delete=models.PROTECT, related_name="items")
    debt = models.ForeignKey("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT,
                             related_name="handover_items")
    balance = models.DecimalField(_("交接时余额(元)"), **MONEY)
    state = models.CharField(_("交接时状态"), max_length=20, choices=State.choices)

    class Meta:
        verbose_name = _("交接债权")
        verbose_name_plural = _("交接债权")
        ordering = ["handover", "debt_id"]
        constraints = [models.UniqueConstraint(fields=["handover", "debt"], name="handover_item_once")]
        triggers = [pgtrigger.Protect(name="handover_item_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]
