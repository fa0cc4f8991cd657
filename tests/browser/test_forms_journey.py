"""Forms that respect the user (issue 19 item 8), in the browser: a refused form keeps what was
typed and shows the error next to its field in the error colour; a double click on an action
that takes seconds (a PDF letter) sends it once, the button saying it is busy meanwhile."""
import time
from datetime import date

import pytest
from playwright.sync_api import expect

from collection.models import Contact, Letter
from tests import factories as f
from tests.browser.conftest import PASSWORD
from tests.collection.conftest import make_letterhead
from workflows import lifecycle
from workflows.models import State

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def archive_in_tmp(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}


@pytest.fixture
def overdue(org, people):
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount="86000.00", due=date(2025, 6, 30),
                  debtor_obj=f.debtor("东莞长安精密模具有限公司", address="广东省东莞市长安镇1号", contact="王强"))
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    if not hasattr(org["a"], "letterhead"):
        make_letterhead(org["a"])  # letters carry the unit's letterhead and account
    return debt


def test_a_refused_contact_keeps_the_input_and_marks_the_field(page, login, people, overdue, shot):
    login(page, people["handler"].username, PASSWORD)
    page.goto(f"/collect/debt/{overdue.pk}/")
    form = page.locator("#contact-form")
    form.locator("textarea[name=outcome]").fill("财务经理答应月底前付五万元")
    form.locator("input[name=promise_amount]").fill("50000")
    form.locator("input[name=promise_date]").fill("not-a-date")  # browsers drop it: the date is missing
    form.locator("button[type=submit]").click()
    expect(page.locator("#collection-refused")).to_be_visible()
    form = page.locator("#contact-form")
    expect(form.locator("textarea[name=outcome]")).to_have_value("财务经理答应月底前付五万元")
    expect(form.locator("input[name=promise_amount]")).to_have_value("50000")
    error = form.locator(".qq-form-errors")
    expect(error).to_contain_text("金额和日期须同时填写")
    expect(error).to_have_css("color", "rgb(176, 0, 32)")
    expect(page.locator("#collection-refused")).to_have_css("background-color", "rgb(253, 236, 234)")
    shot("contact-refused")
    assert not Contact.objects.exists()


def test_a_double_click_on_archiving_a_letter_sends_it_once(page, login, people, overdue):
    login(page, people["handler"].username, PASSWORD)
    page.goto(f"/collect/debt/{overdue.pk}/")
    page.locator("#letter-form select[name=kind]").select_option("demand")
    page.locator("#letter-form button[type=submit]").click()  # the preview first
    expect(page.locator("#letter-confirm")).to_be_visible(timeout=60_000)
    # What the button looks like while the letter is being made, kept across the page change.
    page.evaluate("""() => document.addEventListener("submit", () => setTimeout(() => {
        const b = document.querySelector("#letter-confirm button[type=submit]");
        sessionStorage.setItem("busy", JSON.stringify([b.disabled, b.textContent.trim()]));
    }, 100), true)""")
    # The server takes its time (PDF typesetting): hold the request back a little longer.
    page.route("**/collection/debt/*/letter/", lambda route: (time.sleep(0.8), route.continue_()))
    page.locator("#letter-confirm button[type=submit]").dblclick()
    expect(page.locator("#collection-messages")).to_contain_text("已生成并存入案卷", timeout=60_000)
    assert page.evaluate("JSON.parse(sessionStorage.getItem('busy'))") == [True, "处理中…"]
    assert Letter.objects.filter(debt=overdue).count() == 1
