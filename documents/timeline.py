"""One case file's history in time order: state changes, ledger entries, documents, and what
higher apps add. The archive sits below approvals and collection, so it never imports them:
an app that has events for the timeline registers a source in its AppConfig.ready()
(approvals registers its decisions, collection its contact log)."""
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from workflows.models import Debt, LedgerEntry, StateChange

from .models import Document


@dataclass
class Event:
    at: datetime
    kind: str
    kind_label: str
    text: str
    by: object = None
    document: object = None


# Callables (debt) -> events, added by higher apps; read in registration order.
_SOURCES: list[Callable[[Debt], Iterable[Event]]] = []


def register_timeline_source(source: Callable[[Debt], Iterable[Event]]) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def case_file_timeline(debt: Debt) -> list[Event]:
    events = []
    for c in StateChange.objects.filter(debt=debt).select_related("by"):
        events.append(Event(c.at, "state", _("状态变更"),
                            f"{c.get_from_state_display()} → {c.get_to_state_display()}"
                            + (f"：{c.reason}" if c.reason else ""), c.by))
    for e in LedgerEntry.objects.filter(debt=debt).select_related("created_by"):
        events.append(Event(e.created_at, "ledger", _("台账"),
                            f"{e.get_kind_display()} ¥{e.amount}（{e.date}）{e.reference}", e.created_by))
    for d in Document.objects.filter(case_file__debt=debt).select_related("uploaded_by"):
        label = _("文件") if d.version == 1 else _("文件更正")
        events.append(Event(d.uploaded_at, "document", label,
                            f"{d.get_doc_type_display()}：{d.title} v{d.version}", d.uploaded_by, d))
    for source in _SOURCES:
        events.extend(source(debt))
    events.sort(key=lambda e: e.at)
    return events
