"""Journey: a handler logs in, filters the debt list by state, opens a debt and sees its
balance and state history."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories as f
from workflows.lifecycle import apply_transition
from workflows.models import State

pytestmark = pytest.mark.browser


@pytest.fixture
def handler_debts(org, people):
    h = people["handler"]
    today = timezone.localdate()
    f.debt(org["a"], h, amount="800.00", due=today + timedelta(days=20), code="QQ-J-NORMAL")
    overdue = f.debt(org["a"], h, amount="2500.50", due=today - timedelta(days=45), code="QQ-J-OVERDUE")
    apply_transition(overdue.pk, State.OVERDUE, reason="到期未回款")
    f.debt(org["b"], people["handler_b"], due=today - timedelta(days=45), code="QQ-J-OTHER-UNIT")
    return overdue


def test_handler_filters_opens_debt_and_sees_balance_and_history(page, login, handler_debts):
    login(page, "handler_a")
    # `/` lands on the debt list, which shows only the handler's unit
    expect(page.locator("#debt-table")).to_be_visible()
    expect(page.locator("#debt-table")).to_contain_text("QQ-J-NORMAL")
    expect(page.locator("#debt-table")).not_to_contain_text("QQ-J-OTHER-UNIT")

    page.select_option("#id_state", "overdue")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"state=overdue"))
    rows = page.locator("#debt-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("QQ-J-OVERDUE")
    expect(rows.first).to_contain_text("逾期")

    page.get_by_role("link", name="QQ-J-OVERDUE").click()
    expect(page.locator("#debt-balance")).to_contain_text("2,500.50")
    expect(page.locator("#debt-state")).to_have_text("逾期")
    history = page.locator("#debt-history")
    expect(history).to_contain_text("到期未回款")
    expect(history).to_contain_text("正常")
    expect(page.locator("#entry-form")).to_be_visible()


def test_handler_records_payment_and_sees_field_error(page, login, handler_debts):
    login(page, "handler_a")
    page.goto(f"/debts/{handler_debts.pk}/")
    form = page.locator("#entry-form")
    form.locator("#id_kind").select_option("payment")
    form.locator("#id_amount").fill("9999.00")
    form.get_by_role("button", name="录入").click()
    expect(page.locator("#amount-errors")).to_contain_text("大于债权余额")
    expect(page.locator("#debt-balance")).to_contain_text("2,500.50")

    page.locator("#id_amount").fill("500.50")
    page.locator("#entry-form").get_by_role("button", name="录入").click()
    expect(page.locator("#debt-balance")).to_contain_text("2,000.00")
    expect(page.locator("#debt-entries")).to_contain_text("回款")
