"""Which documents a step needs before it can complete, and which of them are missing.

A requirement is a label and a set of document types; any one current document of those
types satisfies it ("evidence matching the condition" is such a set).
"""
from django.utils.translation import gettext as _

from documents.catalogue import DocType

from .case_file import current_documents


class Requirement:
    def __init__(self, label, *types):
        self.label = label
        self.types = {DocType(t) for t in types}

    def describe(self):
        if len(self.types) == 1:
            return str(self.label)
        names = "、".join(sorted(str(DocType(t).label) for t in self.types))
        return _("%(label)s（%(names)s之一）") % {"label": self.label, "names": names}


def single(doc_type):
    return Requirement(DocType(doc_type).label, doc_type)


def missing(debt, requirements):
    present = {d.doc_type for d in current_documents(debt)}
    return [r for r in requirements if not (r.types & present)]


def missing_message(missing_requirements):
    return _("缺少必需文件：%(names)s") % {"names": "；".join(r.describe() for r in missing_requirements)}
