"""The production content security policy in a real browser: viewflow's shell and our pages
load and run under it with no CSP violation and no JavaScript error."""
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import override_settings

from tests import factories as f

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "pw-Qingqian-2026"
TURBO_422 = re.compile(r"status of 422\b")


def production_csp():
    """The policy config.settings_production sets, read from its source without importing it
    (that module refuses to load without a production SECRET_KEY)."""
    source = (Path(__file__).resolve().parents[2] / "config" / "settings_production.py").read_text()
    block = source[source.index("CSP_POLICY = {"):]
    block = block[:block.index("\n}\n") + 3]
    scope = {}
    exec(block, scope)
    return scope["CSP_POLICY"]


def chromium_available():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must run the browser checks")
        pytest.skip(f"{CHROMIUM} not installed")


def drive(base, debt_pk):
    """All browser work, in a thread of its own: the browser journeys keep a Playwright sync
    session (an event loop) open in the main thread for the whole test session."""
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(locale="zh-CN")
            page.on("console", lambda m: m.type == "error" and not TURBO_422.search(m.text)
                    and problems.append(f"{page.url}: {m.text}"))
            page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
            response = page.goto(f"{base}/accounts/login/")
            header = response.headers["content-security-policy"]
            page.fill("input[name=username]", "handler_a")
            page.fill("input[name=password]", PASSWORD)
            page.locator("form.vf-form button[type=submit]").click()
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
            for path in ["/debts/", f"/debts/{debt_pk}/", "/approvals/", "/archive/", f"/archive/casefile/{debt_pk}/"]:
                page.goto(f"{base}{path}")
                page.wait_for_load_state("networkidle")
                if "/accounts/login/" in page.url:
                    problems.append(f"{path}: sent to the login page")
            # viewflow's shell script actually ran.
            turbo = page.evaluate("typeof window.Turbo")
            # The API docs page: Swagger UI from our static files renders the schema.
            page.goto(f"{base}/api/docs/")
            page.wait_for_selector("text=/api/debts/", timeout=15000)
        finally:
            browser.close()
    return header, turbo, problems


@pytest.mark.browser
def test_pages_run_under_the_production_csp(transactional_db, org, people, settings, tmp_path):
    chromium_available()
    from pytest_django.live_server_helper import LiveServer

    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}
    debt = f.debt(org["a"], people["handler"])
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(1, "csp.middleware.CSPMiddleware")
    policy = production_csp()
    with override_settings(MIDDLEWARE=middleware, CONTENT_SECURITY_POLICY={"DIRECTIVES": policy},
                           INSTALLED_APPS=[*settings.INSTALLED_APPS, "csp"]):
        server = LiveServer("localhost")  # its handler loads the middleware above
        try:
            with ThreadPoolExecutor(1) as pool:
                header, turbo, problems = pool.submit(drive, server.url, debt.pk).result(timeout=180)
        finally:
            server.stop()
    assert "script-src 'self'" in header and "unsafe-inline" not in header.split("style-src")[0]
    assert turbo == "object"
    assert not problems, "CSP violations or script errors:\n" + "\n".join(problems)
