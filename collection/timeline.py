"""Collection's part of the archive's case-file timeline (documents.timeline): the contact
log. Registered in CollectionConfig.ready(); the archive, a lower layer, never imports this."""
from django.utils.translation import gettext as _

from documents.timeline import Event
from workflows.models import Debt

from .models import Contact


def contact_events(debt: Debt) -> list[Event]:
    return [Event(c.at, "contact", _("联系记录"), c.get_channel_display().strip(), c.by)
            for c in Contact.objects.filter(debt=debt).select_related("by")]
