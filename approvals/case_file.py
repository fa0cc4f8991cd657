"""The approvals' side of the archive: attaching step files and reading the current case file.

Everything goes through documents.services (the archive engineer's interface), so versions,
hashes and the access log stay in one place.
"""
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from documents import services
from documents.models import Document
from documents.validation import UploadRefused
from workflows.models import Debt, User

from .exceptions import AttachmentRefused


def attach(debt: Debt, doc_type: str, uploaded_file: UploadedFile, by: User, request: HttpRequest | None = None,
           title: str = "") -> Document:
    try:
        return services.attach(debt, doc_type, uploaded_file, by, title=title, request=request)
    except UploadRefused as exc:
        raise AttachmentRefused(str(exc)) from exc


def current_documents(debt: Debt) -> list[Document]:
    return list(services.current_documents(debt))


def fingerprint(doc: Document) -> dict:
    """What a signature covers of one document: its identity, version and content hash."""
    return {"id": doc.pk, "doc_type": doc.doc_type, "version": doc.version, "sha256": doc.sha256}
