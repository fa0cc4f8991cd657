"""A case file is opened with its debt (rule R7.1: "from registration")."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from workflows.models import Debt
from workflows.signals import debts_registered

from .models import CaseFile


@receiver(post_save, sender=Debt, dispatch_uid="documents_open_case_file")
def open_case_file(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        CaseFile.objects.get_or_create(debt=instance)


@receiver(debts_registered, dispatch_uid="documents_open_case_files_in_bulk")
def open_case_files_in_bulk(sender, debt_ids, **kwargs):
    CaseFile.objects.bulk_create([CaseFile(debt_id=pk) for pk in debt_ids], ignore_conflicts=True)
