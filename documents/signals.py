"""A case file is opened with its debt (DOMAIN §7: "from registration")."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from workflows.models import Debt


@receiver(post_save, sender=Debt, dispatch_uid="documents_open_case_file")
def open_case_file(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .models import CaseFile
        CaseFile.objects.get_or_create(debt=instance)
