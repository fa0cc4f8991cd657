"""The approvals' side of the archive: attaching step files and reading the current case file.

Everything goes through documents.services (the archive engineer's interface), so versions,
hashes and the access log stay in one place.
"""


class AttachmentRefused(Exception):
    pass


def attach(debt, doc_type, uploaded_file, by, request=None, title=""):
    from documents import services
    from documents.validation import UploadRefused

    try:
        return services.attach(debt, doc_type, uploaded_file, by, title=title, request=request)
    except UploadRefused as exc:
        raise AttachmentRefused(str(exc)) from exc


def current_documents(debt):
    from documents import services

    return list(services.current_documents(debt))


def fingerprint(doc):
    """What a signature covers of one document: its identity, version and content hash."""
    return {"id": doc.pk, "doc_type": doc.doc_type, "version": doc.version, "sha256": doc.sha256}
