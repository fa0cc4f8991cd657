"""Every route of the product, walked from the URL map: an anonymous visitor gets nothing but
the login page and the other public pages, whatever the method."""
import re
import uuid

import pytest
from django.urls import URLResolver, get_resolver

# Pages a visitor may see without logging in. The API schema and its docs page describe the
# endpoints (no data); outside production they stay open (the production settings ask for a
# login: tests/deploy/test_production_settings.py); /healthz names its checks and their
# status only (tests/deploy/test_operations.py holds that it shows no data).
PUBLIC = re.compile(r"^/(accounts/(login|logout|password_reset|reset)|i18n/|static/|admin/login/|api/token/"
                    r"|api/schema/$|api/docs/$|healthz$)")


def concrete_urls():
    def walk(resolver, prefix):
        for pattern in resolver.url_patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, text)
            else:
                yield text

    urls = set()
    for raw in walk(get_resolver(), "/"):
        url = raw.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
        url = re.sub(r"<(int:)?\w*pk\w*>|<int:\w+>", "1", url)
        url = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), url)
        url = re.sub(r"<(str|slug|path):\w+>|<\w+>", "x", url)
        if "(" in url or "?" in url or "[" in url:
            continue  # regex routes of third-party apps (admin's catch-all, DRF format suffixes)
        urls.add(url)
    return sorted(urls)


@pytest.mark.django_db
def test_anonymous_visitor_reaches_no_page_of_the_product(client, people, org):
    from tests import factories as f
    f.debt(org["a"], people["handler"])  # so that id 1 exists where routes take one
    leaks = []
    for url in concrete_urls():
        if PUBLIC.match(url):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code == 200:
                leaks.append(f"{method.upper()} {url}")
    assert not leaks, "open to anonymous visitors:\n" + "\n".join(leaks)
    assert len(concrete_urls()) > 50  # the walk really found the product's routes
