"""No update or delete of a document, its file or its access log: ORM, admin, storage, and on
PostgreSQL raw SQL too."""
import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from documents import services
from documents.catalogue import DocType
from documents.exceptions import ArchiveStorageRefused
from documents.models import AccessLog, CaseFile, Document, Seal
from documents.storage import archive_storage
from workflows.exceptions import AppendOnlyError

from . import samples


@pytest.fixture
def doc(debt, people):
    return services.attach(debt, DocType.CONTRACT, samples.pdf(), people["handler"], title="合同")


def test_orm_refuses_update_and_delete(doc):
    doc.title = "改过的标题"
    with pytest.raises(AppendOnlyError):
        doc.save()
    with pytest.raises(AppendOnlyError):
        doc.delete()
    with pytest.raises(AppendOnlyError):
        Document.objects.filter(pk=doc.pk).update(sha256="0" * 64)
    with pytest.raises(AppendOnlyError):
        Document.objects.all().delete()
    log = AccessLog.objects.first()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=log.pk).update(action="view")
    with pytest.raises(AppendOnlyError):
        log.delete()
    with pytest.raises(AppendOnlyError):
        doc.case_file.delete()
    with pytest.raises(AppendOnlyError):
        CaseFile.objects.all().delete()
    doc.refresh_from_db()
    assert doc.title == "合同"


def test_seal_row_immutable(sealed_debt):
    seal = Seal.objects.get()
    with pytest.raises(AppendOnlyError):
        Seal.objects.filter(pk=seal.pk).update(manifest="{}")
    with pytest.raises(AppendOnlyError):
        seal.delete()


def test_storage_refuses_delete_and_overwrite(doc):
    storage = archive_storage()
    with pytest.raises(ArchiveStorageRefused):
        storage.delete(doc.storage_name)
    from django.core.files.base import ContentFile
    with pytest.raises(ArchiveStorageRefused):
        storage.save(doc.storage_name, ContentFile(b"%PDF-forged"))
    with storage.open(doc.storage_name) as fh:
        assert fh.read() == samples.PDF


@pytest.mark.parametrize("model", [Document, AccessLog, CaseFile, Seal])
def test_admin_is_read_only(model, admin_client, doc):
    from django.contrib import admin
    model_admin = admin.site._registry[model]
    request = type("R", (), {"user": None})()
    assert not model_admin.has_change_permission(request, None)
    assert not model_admin.has_delete_permission(request, None)
    assert not model_admin.has_add_permission(request)
    # And through HTTP: a superuser's POST to the delete page is refused.
    url = f"/admin/documents/{model._meta.model_name}/{doc.pk}/delete/"
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code in (403, 302)
    assert Document.objects.filter(pk=doc.pk).exists()


def test_raw_sql_update_and_delete_refused_on_postgres(on_postgres, doc, sealed_debt):
    statements = [
        ("UPDATE documents_document SET sha256 = %s WHERE id = %s", ["0" * 64, doc.pk]),
        ("DELETE FROM documents_document WHERE id = %s", [doc.pk]),
        ("UPDATE documents_accesslog SET action = 'view'", []),
        ("DELETE FROM documents_accesslog", []),
        ("DELETE FROM documents_casefile WHERE id = %s", [doc.case_file_id]),
        ("UPDATE documents_casefile SET opened_at = opened_at - interval '1 day' WHERE id = %s", [doc.case_file_id]),
        ("UPDATE documents_seal SET manifest = '{}'", []),
        ("DELETE FROM documents_seal", []),
    ]
    for sql, params in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    doc.refresh_from_db()
    assert doc.sha256 != "0" * 64 and AccessLog.objects.exists() and Seal.objects.exists()


def test_raw_sql_insert_into_sealed_file_refused_on_postgres(on_postgres, sealed_debt, people):
    case_file = CaseFile.objects.get(debt=sealed_debt)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO documents_document (case_file_id, doc_type, title, original_name, storage_name, sha256,"
            " size, mime_type, uploaded_at, system_generated, chain, version)"
            " VALUES (%s, 'other', 'x', 'x.pdf', 'documents/x.pdf', %s, 1, 'application/pdf', now(), false,"
            " gen_random_uuid(), 1)", [case_file.pk, "0" * 64])
    assert Document.objects.filter(case_file=case_file).count() == 3
