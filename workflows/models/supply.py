"""Stop supply (停止供货, rule R3.12): the recorded decisions of 清欠办 to lift a debtor's flag.

The flag itself is not stored: a debtor is flagged while it has overdue arrears (workflows.supply
derives it from its debts); a lift covers the arrears it names and no later ones.
"""
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.append_only import AppendOnlyModel
from workflows.models.debts import MONEY, Debtor


class SupplyStopLift(AppendOnlyModel):
    debtor = models.ForeignKey(Debtor, verbose_name=_("债务人"), on_delete=models.PROTECT,
                               related_name="supply_stop_lifts")
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("解除人"), on_delete=models.PROTECT,
                                  related_name="+")
    lifted_at = models.DateTimeField(_("解除时间"), auto_now_add=True)
    reason = models.TextField(_("解除原因"))
    # The overdue debts the lift covers (ids) and their arrears then; a debt that falls
    # overdue later flags the debtor again.
    debt_ids = models.JSONField(_("涵盖的逾期债权"), default=list)
    arrears = models.DecimalField(_("当时逾期欠款"), **MONEY)

    class Meta:
        verbose_name = _("停止供货解除记录")
        verbose_name_plural = _("停止供货解除记录")
        ordering = ["-lifted_at", "-pk"]
        permissions = [("lift_supply_stop", _("解除停止供货"))]
        triggers = [
            pgtrigger.Protect(name="supply_stop_lift_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.debtor} {self.lifted_at:%Y-%m-%d}"
