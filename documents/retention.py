"""Retention periods of a case file (保管期限, rule R7.14).

Two classes of material, each with a period configured in RetentionSettings (admin):
- collection material (催收资料: everything but the accounting vouchers) is kept
  `collection_years` [default 5] after the debt was closed — the day it was cleared (结清) or
  settled in kind (以物抵债); a written-off debt is 账销案存, still pursued, so not closed;
- accounting vouchers (会计凭证: the document types listed in the settings, by default 原始凭证
  and 发票) are kept `voucher_years` [default 30], counted as accounting archives are: from the
  first day after the end of the accounting year in which the debt was closed.
An open debt's periods have not started: they show "结案后起算" and no end date.
"""
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.limitation import add_years
from workflows.models import Debt, State, StateChange

from .models import Document, RetentionSettings

CLOSING_STATES = (State.CLEARED, State.SETTLED_IN_KIND)
CLOSED_STATES = (*CLOSING_STATES, State.SEALED)


@dataclass(frozen=True)
class Retention:
    kind: str  # "collection" or "vouchers"
    label: str
    years: int
    closed_on: date | None
    ends_on: date | None
    documents: int

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "years": self.years,
                "closed_on": self.closed_on.isoformat() if self.closed_on else None,
                "ends_on": self.ends_on.isoformat() if self.ends_on else None, "documents": self.documents}


def closed_on(debt: Debt) -> date | None:
    """The Shanghai date the debt was closed, or None while it is not."""
    if debt.state not in CLOSED_STATES:
        return None
    change = (StateChange.objects.filter(debt=debt, to_state__in=CLOSING_STATES).order_by("-at", "-pk")
              .values_list("at", flat=True).first())
    return timezone.localtime(change).date() if change else None


def retention_for(debt: Debt, settings: RetentionSettings | None = None) -> list[Retention]:
    settings = settings or RetentionSettings.load()
    closed = closed_on(debt)
    vouchers = set(settings.voucher_type_codes)
    current = Document.objects.filter(case_file__debt=debt, superseded_by__isnull=True)
    voucher_docs = current.filter(doc_type__in=vouchers).count()
    other_docs = current.exclude(doc_type__in=vouchers).count()
    return [
        Retention("collection", _("催收资料"), settings.collection_years, closed,
                  add_years(closed, settings.collection_years) if closed else None, other_docs),
        Retention("vouchers", _("会计凭证"), settings.voucher_years, closed,
                  date(closed.year + settings.voucher_years, 12, 31) if closed else None, voucher_docs),
    ]
