"""Property-based run of the OpenAPI schema against the WSGI app in-process: whatever
schemathesis sends (bounded examples), no endpoint answers 500."""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from config.wsgi import application
from tests import factories as f
from tests.documents import samples

# Fetched at collection time: the schema view reads no table (drf-spectacular's fake views).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def keep_test_connection():
    """Called straight through WSGI, Django would close the test's database connection at the
    end of each request (on PostgreSQL that ends the test transaction); Django's own test
    client disconnects the same handlers."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(keep_test_connection, org, people, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}
    from documents import services
    from documents.catalogue import DocType
    debt = f.debt(org["a"], people["handler"])
    services.attach(debt, DocType.CONTRACT, samples.pdf("合同.pdf"), people["handler"], title="合同")
    return Token.objects.get_or_create(user=people["handler"])[0].key


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=(not_a_server_error,))
