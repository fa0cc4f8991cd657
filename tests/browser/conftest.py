"""Browser journeys: Playwright (sync API) driving Debian's chromium against a live server.

How to write a journey (see test_debt_journey.py for a complete one)::

    import pytest
    from playwright.sync_api import expect

    pytestmark = pytest.mark.browser

    def test_something(page, login, people, org):     # `org`/`people` from tests/conftest.py
        login(page, "handler_a", PASSWORD)             # PASSWORD: the factories' default
        page.goto("/debts/")                            # relative to the live server
        expect(page.locator("h1")).to_contain_text("…")

Fixtures defined here:

- ``site_url``  – the live server's base URL (pytest-django ``live_server``; it makes the
  test use a transactional database, so data you create in the test is visible to the server).
- ``browser``   – one chromium per test session, launched from /usr/bin/chromium. If that file
  is missing the browser tests skip, except when the ``CI`` environment variable is set: then
  they fail, because CI must run them.
- ``context``   – a fresh browser context per test (own cookies), zh-CN locale, Shanghai time,
  ``base_url`` set to the live server so ``page.goto("/path/")`` works.
- ``page``      – a page in that context. Any JavaScript console error or uncaught page error
  fails the test (reported at teardown with the messages and the URL). The one exception by
  default is Turbo's 422 answer to an invalid form (viewflow's protocol for showing form
  errors); a test that expects another console error (say a deliberate 404) appends a regex
  to the ``allowed_console_errors`` fixture.
- ``login``     – ``login(page, username, password)`` logs in through the real login form at
  /accounts/login/ and waits until the browser has left the login page.
- ``PASSWORD``  – (module constant) the password tests.factories.user gives every test user.

Mark journeys with ``@pytest.mark.browser`` (or ``pytestmark = pytest.mark.browser``).
Viewflow's shell navigates with Turbo (fetch + history), so prefer Playwright's auto-waiting
``expect(...)`` assertions over ``wait_for_navigation``.
"""
import os
import re
from pathlib import Path

import pytest

# pytest-django's database access from Playwright's sync API runs inside an event loop;
# Django refuses that unless told the test process is single-threaded on purpose.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "pw-Qingqian-2026"  # tests.factories.user's default password
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    # Every test in this directory drives the browser, marked or not.
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must run the browser journeys (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def site_url(live_server):
    return live_server.url


@pytest.fixture
def context(browser, site_url):
    ctx = browser.new_context(base_url=site_url, locale="zh-CN", timezone_id="Asia/Shanghai")
    ctx.set_default_timeout(TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


# Viewflow's shell submits forms with Turbo, which needs an invalid form answered with 422
# (viewflow's HotwireTurboMiddleware does that); chromium logs that status as a console error
# although it is the designed protocol, not a script failure.
TURBO_INVALID_FORM = re.compile(r"^Failed to load resource: the server responded with a status of 422\b")


@pytest.fixture
def allowed_console_errors():
    """Regexes of console errors a test expects (append to it, e.g. for a deliberate 404)."""
    return [TURBO_INVALID_FORM]


@pytest.fixture
def page(context, allowed_console_errors):
    pg = context.new_page()
    problems = []

    def on_console(msg):
        if msg.type == "error" and not any(p.search(msg.text) for p in allowed_console_errors):
            problems.append(f"console error at {pg.url}: {msg.text}")

    def on_page_error(exc):
        problems.append(f"page error at {pg.url}: {exc}")

    pg.on("console", on_console)
    pg.on("pageerror", on_page_error)
    yield pg
    if problems:
        pytest.fail("JavaScript errors in the browser:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def login():
    """login(page, username, password): sign in through the real form."""

    def do_login(page, username, password=PASSWORD):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.locator("form.vf-form button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return do_login


# Screenshots of the journeys, kept as CI's artefact folder (test-results/ is git-ignored):
# look at them before resolving a page's issue.
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


@pytest.fixture
def shot(page, request):
    """shot(name): a full-page screenshot at test-results/screenshots/<test>--<name>.png."""

    def take(name, target=None):
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{request.node.name}--{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take
