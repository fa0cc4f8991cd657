"""Journey: 清欠办 sees a debtor's stop-supply flag from the debt page, opens the debtor and lifts
the flag with a reason (rule R3.12)."""
from datetime import date

import pytest
from playwright.sync_api import expect

from tests import factories as f
from workflows.lifecycle import apply_transition
from workflows.models import State, SupplyStopLift

pytestmark = pytest.mark.browser


@pytest.fixture
def overdue(org, people):
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount="5000.00", due=date(2025, 1, 31),
                  code="QQ-STOP-1")
    apply_transition(debt.pk, State.OVERDUE, reason="到期未回款")
    return debt


def test_committee_lifts_the_supply_stop(page, login, overdue, shot):
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "committee")
    page.goto(f"/debts/{overdue.pk}/")
    banner = page.locator("#supply-stop")
    expect(banner).to_contain_text("停止供货")
    expect(banner).to_contain_text("5,000.00")
    shot("debt-page")
    page.locator("#supply-stop-debtor").click()
    expect(page.locator("#debtor-flag")).to_have_text("停止供货")
    expect(page.locator("#debtor-debts")).to_contain_text("QQ-STOP-1")
    page.get_by_role("button", name="解除停止供货").click()
    expect(page.locator("#reason-errors")).to_be_visible()
    page.fill("#id_reason", "已签订分期还款协议，首期已付")
    shot("debtor-page")
    page.get_by_role("button", name="解除停止供货").click()
    expect(page.locator("#supply-stop-lifted")).to_contain_text("已签订分期还款协议")
    expect(page.locator("#debtor-lifts")).to_contain_text("已签订分期还款协议")
    shot("lifted")
    assert SupplyStopLift.objects.count() == 1


def test_the_debtor_page_in_english(browser, site_url, overdue):
    context = browser.new_context(base_url=site_url, locale="en-US", viewport={"width": 1366, "height": 900},
                                  extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", "committee")
        page.fill("input[name=password]", "pw-Qingqian-2026")
        page.locator("form.vf-form button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto(f"/debts/debtors/{overdue.debtor_id}/")
        expect(page.locator("#supply-stop")).to_contain_text("No new contract or debt can be registered")
        expect(page.get_by_role("button", name="Lift the supply stop")).to_be_visible()
        from tests.browser.conftest import SHOTS
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "test_the_debtor_page_in_english--debtor.png"), full_page=True)
    finally:
        context.close()
