"""Journey: after the daily run, a handler opens the warnings (预警) and sees their own debt
whose limitation lapses soon with its days left, then the accountability record naming them;
清欠办 sees every unit's warnings and an empty list under "mine"."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories as f
from workflows.clock.run import run_daily
from workflows.models import DebtClock

pytestmark = pytest.mark.browser


@pytest.fixture
def warned(org, people):
    today = timezone.localdate()
    # due almost three years ago: the limitation period lapses in about 40 days
    soon = f.debt(org["a"], people["handler"], amount="1000.00", due=today - timedelta(days=3 * 365 - 40),
                  code="QQ-W-SOON")
    f.debt(org["b"], people["handler_b"], amount="1000.00", due=today - timedelta(days=3 * 365 - 20),
           code="QQ-W-OTHER")
    f.debt(org["a"], people["handler"], amount="2500.50", due=today - timedelta(days=10), code="QQ-W-LATE")
    run_daily(today)
    return {"days_left": (DebtClock.objects.get(debt=soon).limitation_deadline - today).days}


def test_handler_sees_days_left_and_the_accountability_record(page, login, people, warned):
    assert 0 < warned["days_left"] <= 90
    login(page, "handler_a")
    page.goto(reverse("warnings:index"))
    expect(page.locator("h1")).to_contain_text("诉讼时效即将届满")
    table = page.locator("#warning-table")
    expect(table).not_to_contain_text("QQ-W-OTHER")
    row = table.locator('tr[data-debt-code="QQ-W-SOON"]')
    expect(row.locator("td.days-left")).to_have_text(str(warned["days_left"]))

    page.goto(reverse("warnings:accountability"))
    expect(page.locator("h1")).to_contain_text("逾期责任记录")
    record = page.locator('#warning-table tr[data-debt-code="QQ-W-LATE"]')
    expect(record).to_contain_text(str(people["handler"]))
    expect(record).to_contain_text("2,500.50")
    expect(record).to_contain_text("未收回")
    expect(page.locator("#warning-table")).not_to_contain_text("QQ-W-OTHER")


def test_committee_sees_every_unit_and_nothing_of_its_own(page, login, warned):
    login(page, "committee")
    page.goto(reverse("warnings:index"))
    table = page.locator("#warning-table")
    expect(table.locator('tr[data-debt-code="QQ-W-SOON"]')).to_have_count(1)
    expect(table.locator('tr[data-debt-code="QQ-W-OTHER"]')).to_have_count(1)
    page.locator("#scope-mine").click()
    expect(page.locator("#warning-table")).to_contain_text("没有需要预警的债权")
    expect(page.locator("#warning-count")).to_contain_text("共 0 条")
