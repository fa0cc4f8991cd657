"""One case file's history in time order: state changes, ledger entries, approval decisions,
contacts and documents. Approval decisions and contacts come from other apps and are read
only if those models exist."""
from dataclasses import dataclass
from datetime import datetime, time

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.models import LedgerEntry, StateChange

from .models import Document


@dataclass
class Event:
    at: datetime
    kind: str
    kind_label: str
    text: str
    by: object = None
    document: object = None


def _model(label):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _user_of(obj, *names):
    for name in names:
        if hasattr(obj, name):
            return getattr(obj, name)
    return None


def case_file_timeline(debt):
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
    decision_model = _model("approvals.Decision")
    if decision_model is not None:
        for row in decision_model.objects.filter(debt=debt):
            step = getattr(row, "step_title", "") or getattr(row, "step", "")
            verdict = row.get_decision_display() if hasattr(row, "get_decision_display") else row.decision
            chain = row.get_chain_display() if hasattr(row, "get_chain_display") else getattr(row, "chain", "")
            comment = getattr(row, "comment", "")
            events.append(Event(row.at, "approval", _("审批"),
                                f"{chain} {step}：{verdict}" + (f"（{comment}）" if comment else ""),
                                getattr(row, "by", None)))
    for label in ("collection.Contact", "workflows.Contact"):
        contact_model = _model(label)
        if contact_model is None:
            continue
        fields = {f.name for f in contact_model._meta.get_fields()}
        if "debt" not in fields:
            continue
        for row in contact_model.objects.filter(debt=debt):
            at = next((getattr(row, n) for n in ("at", "contacted_at", "created_at", "date") if n in fields), None)
            if at is None:
                continue
            if not isinstance(at, datetime):
                at = timezone.make_aware(datetime.combine(at, time()))
            kind = row.get_channel_display() if hasattr(row, "get_channel_display") else ""
            summary = next((getattr(row, n) for n in ("summary", "note", "notes", "result", "content")
                            if n in fields), "")
            events.append(Event(at, "contact", _("联系记录"), f"{kind} {summary}".strip(),
                                _user_of(row, "by", "handler", "created_by")))
        break
    events.sort(key=lambda e: e.at)
    return events
