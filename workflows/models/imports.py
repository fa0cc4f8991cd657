"""What the ledger import reads besides the workbook: the category aliases finance keeps (rule R2.17)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.models.debts import Category


class CategoryAlias(models.Model):
    """Another name a ledger gives a category, e.g. 工程进度款 for 应收账款-进度款.

    The import compares names after NFKC with spaces and letter case ignored, so one alias
    covers its full- and half-width spellings.
    """

    alias = models.CharField(_("别名"), max_length=64, unique=True,
                             help_text=_("台账中出现的类别写法，如“工程进度款”"))
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)

    class Meta:
        verbose_name = _("类别别名")
        verbose_name_plural = _("类别别名")
        ordering = ["alias"]

    def __str__(self):
        return f"{self.alias} → {self.get_category_display()}"
