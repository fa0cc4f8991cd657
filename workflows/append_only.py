"""Append-only rows: history and ledger entries are written once and never changed.

The ORM refuses updates and deletes here; on PostgreSQL a pgtrigger.Protect trigger on
each model refuses them in the database too (raw SQL included).
"""
from django.db import models
from django.utils.translation import gettext as _

from workflows.exceptions import AppendOnlyError


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(_("%(model)s 只能追加，不能修改") % {"model": self.model._meta.verbose_name})

    def delete(self):
        raise AppendOnlyError(_("%(model)s 只能追加，不能删除") % {"model": self.model._meta.verbose_name})

    # bulk_update goes through update(); bulk_create is allowed: it only appends.


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(_("%(model)s 只能追加，不能修改") % {"model": self._meta.verbose_name})
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(_("%(model)s 只能追加，不能删除") % {"model": self._meta.verbose_name})
