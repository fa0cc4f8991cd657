"""Which documents a step needs before it can complete, and which of them are missing.

A requirement is a label and a set of document types; any one current document of those
types satisfies it ("evidence matching the condition" is such a set).
"""
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from workflows.models import Debt

from .case_file import current_documents


class Requirement:
    def __init__(self, label: str, *types: str) -> None:
        self.label = label
        self.types = {DocType(t) for t in types}

    def describe(self) -> str:
        names = sorted(str(DocType(t).label) for t in self.types)
        if names == [str(self.label)]:
            return str(self.label)
        if len(names) == 1:
            return _("%(label)s（%(name)s）") % {"label": self.label, "name": names[0]}
        return _("%(label)s（%(names)s之一）") % {"label": self.label, "names": "、".join(names)}


def single(doc_type: str) -> Requirement:
    return Requirement(DocType(doc_type).label, doc_type)


def missing(debt: Debt, requirements: list[Requirement]) -> list[Requirement]:
    present = {d.doc_type for d in current_documents(debt)}
    return [r for r in requirements if not (r.types & present)]


def missing_message(missing_requirements: list[Requirement]) -> str:
    return _("缺少必需文件：%(names)s") % {"names": "；".join(r.describe() for r in missing_requirements)}
