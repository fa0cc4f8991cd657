"""The decision dossier (rule R4.101): what an approver sees before deciding a step — the debt's
facts, the chain's path, and the documents, the ones this step requires first.

A read: it writes nothing. Opening a document from it goes through the archive's own
access-checked view, which records the preview or download.
"""
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import Document
from documents.validation import PREVIEWABLE
from workflows.limitation import chain as limitation_chain
from workflows.models import ClockSettings, Debt, DebtClock

from . import step_titles
from .case_file import current_documents
from .models import ADDED_NODE, WITHDRAW_STEP, ChainProcess, DecisionKind, NotificationKind
from .required_documents import Requirement
from .return_to import superseded_ids

# The kind of a comment's row in the path (a decision's row carries its DecisionKind).
COMMENT = "comment"


def covers_token(documents: list[Document]) -> str:
    """The exact versions a signature would cover, as the page shows them: document ids are
    versions (a correction is a new row), so the sorted ids name them."""
    return ",".join(str(pk) for pk in sorted(d.pk for d in documents))


def debt_facts(debt: Debt, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    clock = DebtClock.objects.filter(debt=debt).first()
    deadline = clock.limitation_deadline if clock else None
    if deadline is None:
        # A debt the daily run has not reached yet: the same rule, from its events.
        events = [(e.date, e.revives) for e in debt.limitation_events.filter(date__lte=today)]
        deadline = limitation_chain(debt.due_date, events, ClockSettings.load().limitation_years)[1]
    days_left = (deadline - today).days
    owed = debt.balance > 0
    return {
        "debt": debt,
        "days_overdue": max((today - debt.due_date).days, 0) if owed else 0,
        "limitation_deadline": deadline,
        "days_left": days_left,
        "lapsed": days_left < 0,
        "days_lapsed": -days_left if days_left < 0 else 0,
        "debt_url": reverse("debts:detail", kwargs={"pk": debt.pk}),
        "case_file_url": reverse("archive:case_file", kwargs={"debt_id": debt.pk}),
    }


def document_row(doc: Document) -> dict:
    previewable = doc.mime_type in PREVIEWABLE
    return {
        "document": doc,
        "sha256_start": doc.sha256[:12],
        "kind": "image" if doc.mime_type.startswith("image/") else ("pdf" if previewable else ""),
        "preview_url": reverse("documents:preview", kwargs={"pk": doc.pk}) if previewable else "",
        "download_url": reverse("documents:download", kwargs={"pk": doc.pk}),
    }


def _ahead(node) -> list[str]:
    """Titles of the human steps after `node` on the approving path (each branch of a parallel
    section listed), so the approver sees where the chain goes next."""
    titles, seen = [], set()
    queue = [getattr(node, "_next", None)]
    while queue:
        node = queue.pop(0)
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if hasattr(node, "decisions") and not getattr(node, "is_rework", False):  # an ApprovalStep
            titles.append(str(node.task_title))
        branches = [n for n, *_rest in getattr(node, "_activate_next", [])]
        queue.extend(branches or [getattr(node, "_next", None)])
    return titles


def _title(process: ChainProcess, step_name: str, stored: str) -> str:
    """The step's title in the reader's language (the stored one is the language of the day)."""
    if step_name == "start":
        return str(DecisionKind.SUBMIT.label)
    if step_name == WITHDRAW_STEP:
        return str(DecisionKind.WITHDRAW.label)
    node = process.flow_class.instance.node(step_name)
    if getattr(node, "is_added", False) or step_titles.composed(stored):
        # "加签：<the step it was added to>" (R4.159), "<step>（会签：<member>）" (R4.153)
        return step_titles.shown(stored)
    return str(getattr(node, "task_title", "") or stored)


def _decision_text(process: ChainProcess, d) -> str:
    if d.decision == DecisionKind.RETURN_TO and d.returned_to:
        return _("%(decision)s：%(step)s") % {"decision": d.get_decision_display(),
                                             "step": _title(process, d.returned_to, d.returned_to)}
    return d.get_decision_display()


def _added_hosts(process: ChainProcess, step_names: set[str]) -> dict:
    """Task id -> the step an added signer was added to (rule R4.159); read only when one is listed."""
    if ADDED_NODE not in step_names:
        return {}
    return dict(process.added_signs.values_list("task_id", "host_step"))


def _row_title(process: ChainProcess, step_name: str, stored: str, task_id, hosts: dict) -> str:
    if step_name == ADDED_NODE and task_id in hosts:
        return _("加签：%(step)s") % {"step": _title(process, hosts[task_id], stored)}
    return _title(process, step_name, stored)


def records(process: ChainProcess) -> list[dict]:
    """Every decision and every comment (rule R4.120) so far, in time order: who, what, when, why."""
    decisions = list(process.decisions.select_related("by", "on_behalf_of"))
    # Rule R4.132: decisions a later return to their step (or an earlier one) superseded stay in
    # the record, marked; a return to a chosen step names that step.
    superseded = superseded_ids(process, sorted(decisions, key=lambda d: d.pk))
    hosts = _added_hosts(process, {d.step for d in decisions})
    rows = [{"title": _row_title(process, d.step, d.step_title, d.task_id, hosts),
             "decision": _decision_text(process, d), "kind": d.decision, "by": d.by,
             "superseded": d.pk in superseded,
             "on_behalf_of": d.on_behalf_of, "at": d.at, "comment": d.comment, "state": "done"}
            for d in decisions]
    rows.extend({"title": str(NotificationKind.COMMENT.label), "decision": "", "kind": COMMENT, "by": c.by,
                 "on_behalf_of": None, "at": c.at, "comment": c.text, "state": "done"}
                for c in process.comments.select_related("by"))
    # 转交 (rule R4.130): each handover in its place among the decisions, who to whom and why.
    rows.extend({"title": _title(process, t.step, t.step_title), "decision": _("转交"), "kind": "transfer",
                 "by": t.from_user, "to": t.to_user, "at": t.at, "comment": t.reason, "state": "transfer"}
                for t in process.transfers.select_related("from_user", "to_user"))
    rows.sort(key=lambda row: row["at"])  # stable: a decision stays before a comment of the same instant
    return rows


def chain_path(process: ChainProcess, step=None, task_id: int | None = None) -> list[dict]:
    """Every decision and comment so far (who, what, when, why), then the open steps, then what
    follows. With task_id, "this step" is that task alone: the other members' tasks of a 会签
    step (rule R4.150) are open beside it, not the reader's."""
    rows = records(process)
    infos = list(process.step_infos.filter(open=True).select_related("owner").order_by("pk"))
    hosts = _added_hosts(process, {i.step for i in infos})
    for info in infos:
        rows.append({"title": _row_title(process, info.step, info.step_title, info.task_id, hosts),
                     "by": info.owner, "at": None,
                     "due_at": info.due_at,
                     "state": "current" if (info.task_id == task_id if task_id is not None
                                            else step is not None and info.step == step.name) else "open"})
    if step is not None and process.active:
        rows.extend({"title": title, "state": "ahead"} for title in _ahead(step))
    return rows


def documents(debt: Debt, requirements: list[Requirement]) -> dict:
    """Required first (each present or missing, with the documents that satisfy it), then every
    other current document of the case file. Also the token of the exact versions shown."""
    current = current_documents(debt)
    required, used = [], set()
    for requirement in requirements:
        matching = [d for d in current if d.doc_type in requirement.types]
        used.update(d.pk for d in matching)
        required.append({"requirement": requirement, "label": requirement.describe(), "present": bool(matching),
                         "documents": [document_row(d) for d in matching]})
    others = [document_row(d) for d in current if d.pk not in used]
    return {"required": required, "others": others, "current": [document_row(d) for d in current],
            "covers": covers_token(current), "missing": [r for r in required if not r["present"]]}


def dossier(process: ChainProcess, step=None, *, today: date | None = None, task_id: int | None = None) -> dict:
    """Everything the task page and the API's task detail show about one step."""
    requirements = step.requirements(process) if step is not None else []
    return {
        "facts": debt_facts(process.debt, today=today),
        "path": chain_path(process, step, task_id),
        "documents": documents(process.debt, requirements),
        "signs": bool(getattr(step, "signature", False)),
        "submit_kind": DecisionKind.SUBMIT,
        "comment_kind": COMMENT,
    }
