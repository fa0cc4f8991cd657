"""加签 in the browser (rules R4.156-R4.159): the 总经理, holding a write-off's 总经理批示, asks
法务部 to sign first; a missing reason is named and the choices are kept; 法务部 finds the task
in their inbox and approves with their password; the 总经理 then approves."""
import pytest
from playwright.sync_api import expect

from approvals.models import AddedSign, Decision, Signature

from .conftest import PASSWORD
from .test_approval_workspace_journey import english, write_off_at_gm

pytestmark = pytest.mark.browser


def test_gm_asks_legal_to_sign_first_then_approves(page, login, org, people, shot):
    _debt, process = write_off_at_gm(org, people, "QQ-ADD-1")
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "gm", PASSWORD)
    page.goto("/approvals/inbox/")
    page.locator("table.qq-inbox tbody tr", has_text="QQ-ADD-1").locator("a").click()
    page.locator("#claim").click()
    page.locator("#add-signers").click()
    expect(page.locator("h1")).to_contain_text("加签：总经理批示")
    legal_box = page.locator(f"input[name=people][value='{people['legal'].pk}']")
    expect(page.locator("#add-signers-form")).to_contain_text("法务部")  # each person with their role
    legal_box.check()
    page.locator("#submit-add-signers").click()
    expect(page.locator("body")).to_contain_text("请填写加签理由")
    expect(page.locator(f"input[name=people][value='{people['legal'].pk}']")).to_be_checked()  # kept
    shot("add-signers-error-zh")
    page.locator("textarea[name=reason]").fill("请法务部确认破产裁定的效力")
    page.locator("#submit-add-signers").click()
    expect(page.locator("body")).to_contain_text("已加签")
    assert AddedSign.objects.filter(process=process, to_user=people["legal"], mode="before").exists()

    # 法务部 finds it in the inbox, reads the dossier and signs
    page.context.clear_cookies()
    login(page, "legal", PASSWORD)
    page.goto("/approvals/inbox/")
    row = page.locator("table.qq-inbox tbody tr", has_text="QQ-ADD-1")
    expect(row).to_contain_text("加签：总经理批示")
    row.locator("a").click()
    expect(page.locator("#dossier-path")).to_contain_text("清欠办审核")
    expect(page.locator("#signature-covers")).to_contain_text("破产宣告裁定")
    shot("added-task-zh")
    page.locator("input[name=decision][value=approve]").check()
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#submit-decision").click()
    expect(page.locator("body")).to_contain_text("已办理")
    added = Decision.objects.get(process=process, by=people["legal"])
    assert Signature.objects.filter(decision=added).exists()

    # back to the 总经理: the step is his again
    page.context.clear_cookies()
    login(page, "gm", PASSWORD)
    page.goto("/approvals/inbox/")
    page.locator("table.qq-inbox tbody tr", has_text="QQ-ADD-1").locator("a").click()
    expect(page.locator("#dossier-path")).to_contain_text("加签：总经理批示")
    expect(page.locator("#added-waiting")).to_have_count(0)
    english(page)
    page.reload()
    expect(page.locator("#add-signers")).to_contain_text("Add signers")
    shot("decide-after-added-en")
    page.locator("input[name=decision][value=approve]").check()
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#submit-decision").click()
    expect(page.locator("body")).to_contain_text("Done")
    assert Decision.objects.filter(process=process, step="gm_instruction", by=people["gm"]).exists()
