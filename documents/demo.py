"""The archive's part of the embedded demo: the ceased company's archive handed over to the
head-office 办公室 (rules R7.12, R8.19), so 清欠办 and the auditors find a finished handover bundle.

Connected to workflows.signals.demo_debts_seeded in DocumentsConfig.ready(); the demo, a lower
layer, never imports this. Through the service 清欠办 uses, built at once (no worker waits for
it in the seed). Idempotent: a second run finds the unit's handover and adds nothing."""
from collections.abc import Callable

from workflows.models import OrgUnit, User

from .handover import start_handover_export
from .models import HandoverExport

# The company of the demo that has ceased trading: its archive goes to the head office.
HANDOVER_UNIT = "S3"


def seed_handover(sender, users: dict[str, User], password: str, pdf: Callable[[str], bytes], **kwargs) -> None:
    unit = OrgUnit.objects.filter(code=HANDOVER_UNIT).first()
    head = users.get("committee_head")
    if unit is None or head is None or HandoverExport.objects.filter(unit=unit).exists():
        return
    start_handover_export(unit, by=head, inline=True)
