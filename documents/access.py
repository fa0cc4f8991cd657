"""One access helper per kind of archive object, called by every page, route and API view that
loads one: "may this user read / upload to / seal / export this?"

An object outside what the user may see answers 404 (its existence is not disclosed); one
they see but may not act on answers 403 with a message saying who may.
"""
from django.db.models import QuerySet
from django.http import Http404

from workflows.models import User
from workflows.scoping import debts_for, get_debt_for, unit_ids_in_scope

from .models import CaseFile, Document, HandoverExport
from .permissions import Act, may_oversee, require
from .services import case_file_for


def documents_in_scope(user: User) -> QuerySet[Document]:
    """The documents of the debts in the user's units (group-level roles: all)."""
    return Document.objects.filter(case_file__debt__in=debts_for(user))


def get_case_file_for(user: User, debt_id: int, *, for_: Act) -> CaseFile:
    """The case file of debt `debt_id` (case files are addressed by their debt); its `debt`
    is the one loaded through the user's scope."""
    debt = get_debt_for(user, pk=debt_id)  # 404 outside the user's units
    require(user, for_)
    case_file = case_file_for(debt)
    case_file.debt = debt
    return case_file


def get_document_for(user: User, pk: int, *, for_: Act) -> Document:
    try:
        document = documents_in_scope(user).select_related("case_file__debt").get(pk=pk)
    except Document.DoesNotExist:
        raise Http404("No document matches the given query.") from None
    require(user, for_)
    return document


def get_handover_export_for(user: User, pk: int, *, done: bool = False) -> HandoverExport:
    """A handover job, seen only by 清欠办 and auditors (a bundle holds whole units' archives);
    `done` also answers 404 while the bundle is still being built."""
    if not may_oversee(user):
        raise Http404("No handover export matches the given query.")
    jobs = HandoverExport.objects.select_related("unit")
    unit_ids = unit_ids_in_scope(user)
    if unit_ids is not None:  # both roles see every unit today; a unit-bound one sees its own
        jobs = jobs.filter(unit_id__in=unit_ids)
    if done:
        jobs = jobs.filter(status=HandoverExport.Status.DONE)
    try:
        return jobs.get(pk=pk)
    except HandoverExport.DoesNotExist:
        raise Http404("No handover export matches the given query.") from None
