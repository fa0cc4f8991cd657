"""会签 in the browser (rules R4.148-R4.153): a litigation request whose 清欠小组审核 is a 会签 of
清欠办 and 法务部. 法务部 finds its own member's task, titled for it, and approves; the chain waits
for 清欠办, which approves in English; only then does the 总经理 get the next step."""
import pytest
from playwright.sync_api import expect

from approvals.models import Chain, Decision, JointMode, JointSignRule
from workflows import roles

from ..approvals.test_joint_sign import litigate
from .conftest import PASSWORD
from .test_approval_workspace_journey import english

pytestmark = pytest.mark.browser


def test_each_member_signs_its_own_task_and_the_chain_waits_for_all(page, login, org, people, shot):
    JointSignRule.objects.create(chain=Chain.LITIGATION, step="committee_review", mode=JointMode.ALL,
                                 roles=[roles.COMMITTEE, roles.LEGAL])
    process = litigate(org, people)
    code = process.debt.code
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "legal", PASSWORD)
    page.goto("/approvals/inbox/")
    row = page.locator("table.qq-inbox tbody tr", has_text=code)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("清欠小组审核（会签：法务部）")
    shot("joint-inbox-legal-zh")
    row.locator("a").click()
    page.locator("#claim").click()
    expect(page.locator("h1")).to_contain_text("会签：法务部")
    expect(page.locator("#add-signers")).to_have_count(0)   # the rule names the signers (R4.153)
    page.locator("input[name=decision][value=approve]").check()
    page.locator("textarea[name=comment]").fill("诉讼风险可控，同意起诉")
    shot("joint-decide-legal-zh")
    page.locator("#submit-decision").click()
    expect(page.locator("body")).to_contain_text("已办理")
    assert process.task_set.filter(flow_task=process.flow_class.instance.node("gm_signature")).count() == 0

    page.context.clear_cookies()
    login(page, "committee", PASSWORD)
    english(page)
    page.goto("/approvals/inbox/")
    row = page.locator("table.qq-inbox tbody tr", has_text=code)
    expect(row).to_have_count(1)
    row.locator("a").click()
    page.locator("#claim").click()
    expect(page.locator("#dossier-path")).to_contain_text(people["legal"].get_full_name() or "legal")
    shot("joint-decide-committee-en")
    page.locator("input[name=decision][value=approve]").check()
    page.locator("#submit-decision").click()
    expect(page.locator("body")).to_contain_text("Done")
    assert Decision.objects.filter(process=process, step="committee_review").count() == 2

    page.context.clear_cookies()
    login(page, "gm", PASSWORD)
    page.goto("/approvals/inbox/")
    expect(page.locator("table.qq-inbox tbody tr", has_text=code)).to_contain_text("总经理签批起诉名单")


def test_the_administrator_sets_a_countersign_and_an_error_names_the_field(page, login, people, shot,
                                                                            allowed_console_errors):
    import re

    from workflows.models import User

    allowed_console_errors.append(re.compile(r"status of 404 \(Not Found\)$"))  # the admin's favicon
    User.objects.create_superuser("root", "root@example.com", PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "root", PASSWORD)
    page.goto("/admin/approvals/jointsignrule/add/")
    page.select_option("select[name=chain]", Chain.WRITE_OFF)
    page.select_option("select[name=step]", "committee_review")
    page.locator(f"input[name=roles][value={roles.LEGAL}]").check()
    page.locator("input[type=submit][name=_save]").click()
    # one member only: the error is at the roles, in Chinese, and the choices are kept
    expect(page.locator(".field-roles .errorlist")).to_contain_text("会签/或签至少需要 2 个角色或人员")
    expect(page.locator(f"input[name=roles][value={roles.LEGAL}]")).to_be_checked()
    expect(page.locator("select[name=step]")).to_have_value("committee_review")
    shot("admin-error-zh")
    page.locator(f"input[name=roles][value={roles.FINANCE}]").check()
    page.locator("input[type=submit][name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("会签/或签设置“坏账核销 清欠办审核：会签（全部同意）”")
    rule = JointSignRule.objects.get(chain=Chain.WRITE_OFF, step="committee_review")
    assert sorted(rule.roles) == sorted([roles.LEGAL, roles.FINANCE]) and rule.mode == JointMode.ALL
