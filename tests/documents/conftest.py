from datetime import date

import pytest

from documents import services
from documents.catalogue import DocType
from tests import factories as f
from workflows import ledger
from workflows.models import EntryKind

from . import samples


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    """Each test gets its own archive directory."""
    root = tmp_path / "archive"
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(root)}}}
    return root


@pytest.fixture
def debt(org, people):
    return f.debt(org["a"], people["handler"])


def clear(debt, by):
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, debt.balance, date(2025, 3, 1), by=by)
    debt.refresh_from_db()
    return debt


def complete_file(debt, by):
    """The three 建档 documents a seal needs."""
    for doc_type in (DocType.INVESTIGATION_RECORD, DocType.ORIGINAL_VOUCHERS, DocType.CONCLUSIVE_REPORT):
        services.attach(debt, doc_type, samples.pdf(f"{doc_type}.pdf", extra=doc_type.encode()), by,
                        title=str(doc_type.label))


@pytest.fixture
def sealed_debt(debt, people):
    clear(debt, people["finance"])
    complete_file(debt, people["handler"])
    services.seal_case_file(debt, people["committee"])
    debt.refresh_from_db()
    return debt
