"""Which documents a step needs before it can complete, and which of them are missing.

A requirement is a label and a set of document types; any one current document of those
types satisfies it ("evidence matching the condition" is such a set). A requirement with
`after` wants a document added after that moment (chain B's written report comes after the
appraisal, rule R4.32).
"""
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from workflows.models import Debt

from .case_file import current_documents


class Requirement:
    def __init__(self, label: str, *types: str, after: datetime | None = None) -> None:
        self.label = label
        self.types = {DocType(t) for t in types}
        self.after = after

    def satisfied_by(self, doc) -> bool:
        return doc.doc_type in self.types and (self.after is None or doc.uploaded_at > self.after)

    def describe(self) -> str:
        if self.after is not None:
            return _("%(what)s（%(after)s之后提交）") % {
                "what": Requirement(self.label, *self.types).describe(),
                "after": timezone.localtime(self.after).strftime("%Y-%m-%d %H:%M")}
        names = sorted(str(DocType(t).label) for t in self.types)
        if names == [str(self.label)]:
            return str(self.label)
        if len(names) == 1:
            return _("%(label)s（%(name)s）") % {"label": self.label, "name": names[0]}
        return _("%(label)s（%(names)s之一）") % {"label": self.label, "names": "、".join(names)}


def single(doc_type: str, after: datetime | None = None) -> Requirement:
    return Requirement(DocType(doc_type).label, doc_type, after=after)


def missing(debt: Debt, requirements: list[Requirement], current: list | None = None) -> list[Requirement]:
    """current: the debt's current documents when the caller has just read them (decide's
    signed list); a list that still holds a version superseded since also answers right, as a
    newer version of a document has its type and a later upload time."""
    if current is None:
        current = current_documents(debt)
    return [r for r in requirements if not any(r.satisfied_by(d) for d in current)]


def missing_message(missing_requirements: list[Requirement]) -> str:
    return _("缺少必需文件：%(names)s") % {"names": "；".join(r.describe() for r in missing_requirements)}
