"""Chain B, the sale of goods taken in kind (rules R4.31-R4.34): what they offset, whether the
price is below it, who may sell them, and the written report that follows the appraisal."""
from datetime import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from workflows.models import ZERO, Debt, EntryKind

from .models import ChainProcess, Decision, DecisionKind
from .required_documents import Requirement, single


def offset_of(debt: Debt) -> Decimal:
    """What the goods taken in kind settled: the in-kind offsets booked on the debt."""
    total = debt.entries.filter(kind=EntryKind.IN_KIND_OFFSET).aggregate(s=Sum("amount"))["s"]
    return total or ZERO


def below_offset(process: ChainProcess) -> bool:
    """A sale below the claim the goods offset needs chain B's approval (rule R4.31)."""
    return process.proposed_price < process.offset_amount


def sale_error(debt: Debt, *, price: Decimal | None, selling_unit_id: int | None) -> tuple[str, str] | None:
    """(field, message) when the sale cannot be recorded, else None. 谁抵债谁变现: the unit
    that sells is the one that took the goods, the debt's unit (rule R4.31)."""
    if offset_of(debt) <= ZERO:
        return "", _("债权 %(code)s 没有以物抵债冲抵，不能登记抵债物资处置") % {"code": debt.code}
    if price is None or price <= ZERO:
        return "proposed_price", _("处置价格必须大于零")
    if selling_unit_id != debt.unit_id:
        return "selling_unit", _("处置单位须为抵债单位“%(unit)s”（谁抵债谁变现）") % {"unit": debt.unit.name}
    return None


def appraised_at(process: ChainProcess) -> datetime | None:
    """When 技术工程部's quality appraisal of this run was last approved."""
    decision = (Decision.objects.filter(process=process, step="quality_appraisal", decision=DecisionKind.APPROVE)
                .order_by("-at").first())
    return decision.at if decision else None


def report_required(process: ChainProcess) -> list[Requirement]:
    """The written report of the reasons, added after the quality appraisal (rule R4.32)."""
    return [single(DocType.WRITTEN_REPORT, after=appraised_at(process))]
