"""The organisation: units (集团公司 and its 分、子公司) and the people in them (rule R1.x)."""
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.exceptions import DepartureRefused


class OrgUnit(models.Model):
    """集团公司 and its 分、子公司, as a tree."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128, unique=True)
    parent = models.ForeignKey("self", verbose_name=_("上级单位"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    ceased = models.BooleanField(_("已停业"), default=False)

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        node = self.parent
        while node is not None:
            if node.pk == self.pk:
                raise ValidationError({"parent": gettext("上级单位不能是本单位或其下级")})
            node = node.parent

    def subtree_ids(self):
        """Ids of this unit and every unit below it (the tree is small: tens of units)."""
        children = {}
        for pk, parent_id in OrgUnit.objects.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        result, queue = [], [self.pk]
        while queue:
            pk = queue.pop()
            result.append(pk)
            queue.extend(children.get(pk, []))
        return result


class User(AbstractUser):
    unit = models.ForeignKey(OrgUnit, verbose_name=_("所属单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="users")
    superior = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="subordinates",
                                 help_text=_("逾期审批任务升级给此人"))

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.get_full_name() or self.username

    def held_debts(self):
        """The debts this person still holds as handler or responsible person (rule R1.10).
        The Debt model is reached through the reverse relation: models/debts.py imports this module."""
        debt_model = self.handled_debts.model
        return debt_model.objects.filter(models.Q(handler=self) | models.Q(responsible=self),
                                         state__in=debt_model.HELD_STATES)

    def _departing_with_debts(self):
        if self._state.adding or self.is_active or self.pk is None:
            return None
        was_active = type(self).objects.filter(pk=self.pk, is_active=True).exists()
        count = self.held_debts().count() if was_active else 0
        if not count:
            return None
        return gettext("%(user)s 仍持有 %(n)d 笔未结清的债权，须先由清欠办办理交接，才能停用账号") % {
            "user": self, "n": count}

    def clean(self):
        super().clean()
        message = self._departing_with_debts()
        if message:
            raise ValidationError({"is_active": message})

    def save(self, *args, **kwargs):
        # Rule R1.10 (否则不予调离): on every save path, not only the admin form.
        message = self._departing_with_debts()
        if message:
            raise DepartureRefused(message)
        super().save(*args, **kwargs)

    def get_full_name(self):
        # Chinese order: family name first, no space (张伟, not "伟 张").
        return f"{self.last_name}{self.first_name}".strip()

