"""Browser journeys of 转交 (rule R4.130) and 退回到指定步骤 (rules R4.131, R4.132) at 1366px, in
Chinese and English: the holder's task page carries the transfer form (eligible people only; a
missing reason is named, the choice kept) and the decision form's choice of an earlier step."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from approvals.models import Decision, Transfer
from documents.catalogue import DocType
from tests import factories as f
from tests.approvals.helpers import PASSWORD as APPROVER_PASSWORD
from tests.approvals.helpers import act, claim, files, open_task
from workflows import roles

from .conftest import PASSWORD
from .test_approval_workspace_journey import set_language, write_off_at_gm

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("QQ_SHOTS", "/tmp/transfer_shots"))


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_holder_transfers_the_gm_step_from_the_task_page(page, login, org, people, shot, lang):
    gm2 = f.user("gm2", roles.GM, org["hq"], first_name="二", last_name="王")
    _, process = write_off_at_gm(org, people, f"QQ-TR-{lang[:2].upper()}")
    task = open_task(process, "gm_instruction")
    assert claim(people["gm"], task).status_code == 302
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "gm", PASSWORD)
    set_language(page, lang)
    page.goto(f"/approvals/task/{task.pk}/")
    form = page.locator("#transfer-form")
    expect(form.locator("select[name=to_user] option")).to_have_count(2)   # 请选择 + gm2
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"task_page_{lang}.png"), full_page=True)
    form.locator("select[name=to_user]").select_option(str(gm2.pk))
    form.locator("textarea[name=reason]").fill("   ")   # passes the browser's check, not the server's
    form.locator("#submit-transfer").click()
    expect(page.locator("#reason-errors")).to_be_visible()      # the reason is required
    expect(page.locator("select[name=to_user]")).to_have_value(str(gm2.pk))
    page.screenshot(path=str(SHOTS / f"transfer_error_{lang}.png"), full_page=True)
    page.locator("textarea[name=reason]").fill("出差" if lang == "zh-hans" else "travelling")
    page.locator("#submit-transfer").click()
    page.wait_for_url(lambda url: "/transfer/" not in url)
    page.wait_for_load_state("networkidle")   # the live server is done before the test reads the database
    assert Transfer.objects.get(task=task).to_user == gm2


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_finance_returns_the_write_off_to_the_gm_step(page, login, org, people, lang):
    _, process = write_off_at_gm(org, people, f"QQ-RT-{lang[:2].upper()}")
    assert act(people["gm"], process, "gm_instruction", password=APPROVER_PASSWORD).status_code == 302
    assert act(people["gm_office"], process, "authority_approval", password=APPROVER_PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    task = open_task(process, "finance_filing")
    assert claim(people["finance"], task).status_code == 302
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "finance_a", PASSWORD)
    set_language(page, lang)
    page.goto(f"/approvals/task/{task.pk}/")
    form = page.locator("#decision-form")
    expect(form.locator("select[name=return_to] option")).to_have_count(4)   # --- + the 3 steps passed
    form.locator("input[name=decision][value=return_to]").check()
    form.locator("select[name=return_to]").select_option("gm_instruction")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"decision_return_to_{lang}.png"), full_page=True)
    form.locator("textarea[name=comment]").fill("批示依据有误" if lang == "zh-hans" else "wrong basis")
    form.locator("#submit-decision").click()
    page.wait_for_url(lambda url: "/execute/" not in url)
    page.wait_for_load_state("networkidle")
    assert Decision.objects.get(process=process, step="finance_filing").returned_to == "gm_instruction"
    page.goto(f"/approvals/process/{process.pk}/")
    expect(page.locator("#decisions .qq-superseded")).to_have_count(2)
    page.screenshot(path=str(SHOTS / f"process_superseded_{lang}.png"), full_page=True)
