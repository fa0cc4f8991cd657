"""Archive findings of the review: integrity page scope, client address behind a proxy."""
import pytest
from django.test import RequestFactory

from documents.services import client_address


def test_integrity_page_only_for_auditors_and_committee(client, people):
    for role, allowed in (("handler", False), ("handler_b", False), ("finance", False),
                          ("auditor", True), ("committee", True)):
        client.force_login(people[role])
        response = client.get("/archive/integrity/")
        assert (response.status_code == 200) is allowed, (role, response.status_code)


@pytest.mark.parametrize("remote,forwarded,trusted,expected", [
    ("10.0.0.9", "", (), "10.0.0.9"),                              # direct client
    ("203.0.113.5", "1.2.3.4", (), "203.0.113.5"),                 # spoofed header from a stranger
    ("127.0.0.1", "198.51.100.7", ("127.0.0.1",), "198.51.100.7"),  # behind our nginx
    ("127.0.0.1", "1.2.3.4, 198.51.100.7", ("127.0.0.1",), "198.51.100.7"),  # client-supplied prefix ignored
])
def test_client_address(remote, forwarded, trusted, expected, settings):
    settings.QQ_TRUSTED_PROXIES = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
