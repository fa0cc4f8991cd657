"""Browser journey of 撤回 and 催办 (rules R4.110, R4.111): the requester sees both buttons on the
process page (the urge highlighted on an overdue step), sends a reminder, opens the withdraw
form, is told the reason is required (input kept), then withdraws; in Chinese and in English."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from approvals.models import Chain, ChainUrge, Outcome, StepInfo
from tests.approvals.helpers import open_task, overdue_debt, reload, start

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def set_language(page, code):
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    page.context.add_cookies([{"name": "django_language", "value": code, "url": origin + "/"}])


def overdue_visit(org, people):
    debt = overdue_debt(org, people)
    response, process = start(people["handler"], Chain.VISIT, debt, reason="上门催收，核对对账单")
    assert response.status_code == 302
    task = open_task(process, "head_approval")
    StepInfo.objects.filter(task=task).update(due_at=timezone.now() - timedelta(hours=5))
    return process, task


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_requester_urges_then_withdraws(page, login, org, people, shot, language):
    process, task = overdue_visit(org, people)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "handler_a", PASSWORD)
    if language == "en":
        set_language(page, "en")
    page.goto("/approvals/requested/")
    expect(page.locator("#requested a.qq-withdraw")).to_have_attribute(
        "href", f"/approvals/process/{process.pk}/withdraw/")
    shot(f"requested-{language}")
    page.goto(f"/approvals/process/{process.pk}/")
    urge = page.locator(f"#urge-{task.pk}")
    expect(urge).to_have_class(re.compile("qq-urge--overdue"))
    expect(page.locator("#withdraw-button")).to_be_visible()
    shot(f"process-{language}")
    urge.locator("input[name=message]").fill("请尽快审批" if language == "zh-hans" else "Please decide soon")
    urge.locator("button").click()
    expect(page.locator("#urges")).to_be_visible()
    expect(page.locator(f"#urge-{task.pk}")).to_contain_text("已催办" if language == "zh-hans" else "Reminder sent")
    assert ChainUrge.objects.filter(task=task).count() == 1
    shot(f"process-urged-{language}")

    page.locator("#withdraw-button").click()
    expect(page.locator("#withdraw-form")).to_be_visible()
    page.locator("#id_reason").fill("   ")
    page.locator("#submit-withdraw").click()
    expect(page.locator("#reason-errors")).to_contain_text(
        "撤回理由：必须填写" if language == "zh-hans" else "Reason for withdrawal: required")
    shot(f"withdraw-error-{language}")
    page.locator("#id_reason").fill("债务人已主动联系还款")
    page.locator("#submit-withdraw").click()
    expect(page.locator("#outcome")).to_have_text("已撤回" if language == "zh-hans" else "Withdrawn")
    expect(page.locator("#withdraw-button")).to_have_count(0)
    assert reload(process).outcome == Outcome.WITHDRAWN
    shot(f"process-withdrawn-{language}")
