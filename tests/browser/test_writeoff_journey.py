"""Browser journey (issue 4.12): a handler requests a write-off with evidence; 清欠办 reviews;
the 总经理 signs with the password; the authority body approves; finance files and books it
(rule R4.48); the debt shows written_off and its ledger entry."""
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from approvals.models import ChainProcess
from tests import factories as f
from tests.approvals.helpers import pdf_bytes
from workflows import lifecycle
from workflows.models import State

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def evidence(tmp_path):
    def make(name):
        path = Path(tmp_path) / name
        path.write_bytes(pdf_bytes(name))   # a PDF the page's preview renders
        return str(path)
    return make


def switch_user(page, login, username):
    page.context.clear_cookies()
    login(page, username, PASSWORD)


def decide(page, debt_code, password=None, attach=None):
    page.goto("/approvals/inbox/")
    row = page.locator("table.qq-inbox tbody tr", has_text=debt_code)
    expect(row).to_have_count(1)
    row.locator("a").click()
    page.locator("#claim").click()
    expect(page.locator("#submit-decision")).to_be_visible()
    page.locator("input[name=decision][value=approve]").check()
    page.locator("textarea[name=comment]").fill("同意")
    if attach:
        doc_type, path = attach
        page.locator("select[name=doc_type_1]").select_option(doc_type)
        page.locator("input[name=file_1]").set_input_files(path)
    if password:
        page.locator("input[name=password]").fill(password)
    page.locator("#submit-decision").click()
    expect(page).to_have_url(re.compile(r"/approvals/inbox/"))


def test_write_off_journey(page, login, org, people, evidence):
    debtor = f.debtor(name="破产债务人", bankrupt=True, bankrupt_on=date(2024, 5, 1))
    debt = f.debt(org["a"], people["handler"], amount="88000.00", due=date(2021, 6, 30), debtor_obj=debtor,
                  code="QQ-WO-J1")
    lifecycle.apply_transition(debt.pk, State.OVERDUE)

    login(page, "handler_a", PASSWORD)
    page.goto(f"/approvals/start/write_off/{debt.pk}/")
    page.wait_for_load_state("load")
    page.locator("textarea[name=reason]").fill("债务人破产，财产已分配完毕")
    page.locator("select[name=condition]").select_option("bankrupt")
    # The page's script re-renders the attachment rows for the chosen condition: what is chosen
    # in them before it has (a CI run did) is replaced, as test_approval_workspace_journey waits.
    expect(page.locator("#required-slots")).to_contain_text("破产宣告裁定")
    page.locator("select[name=doc_type_1]").select_option("write_off_application")
    page.locator("input[name=file_1]").set_input_files(evidence("application.pdf"))
    page.locator("#submit-request").click()
    # Without the matching evidence the request is refused, naming what is missing.
    expect(page.locator(".errorlist.nonfield")).to_contain_text("破产宣告裁定")
    page.locator("select[name=doc_type_1]").select_option("write_off_application")
    page.locator("input[name=file_1]").set_input_files(evidence("application.pdf"))
    page.locator("select[name=doc_type_2]").select_option("bankruptcy_ruling")
    page.locator("input[name=file_2]").set_input_files(evidence("ruling.pdf"))
    page.locator("#submit-request").click()
    expect(page.locator("#outcome")).to_have_text("审批中")
    process = ChainProcess.objects.get(debt=debt)
    assert process.authority_body == "gm_office"

    switch_user(page, login, "committee")
    decide(page, "QQ-WO-J1")

    switch_user(page, login, "gm")
    decide(page, "QQ-WO-J1", password=PASSWORD)

    switch_user(page, login, "gm_office")
    decide(page, "QQ-WO-J1", password=PASSWORD, attach=("meeting_resolution", evidence("resolution.pdf")))
    page.goto(f"/debts/{debt.pk}/")
    expect(page.locator("#debt-state")).to_have_text("逾期")

    switch_user(page, login, "finance_a")
    decide(page, "QQ-WO-J1")

    page.goto(f"/approvals/process/{process.pk}/")
    expect(page.locator("#outcome")).to_have_text("已批准")
    expect(page.locator("#debt-state")).to_have_text("已核销(账销案存)")
    expect(page.locator("#decisions")).to_contain_text("审批机构批准")
    expect(page.locator("#decisions")).to_contain_text("财务部备案并列销账项")
    page.goto(f"/debts/{debt.pk}/")
    expect(page.locator("#debt-state")).to_have_text("已核销(账销案存)")
    expect(page.locator("#debt-entries")).to_contain_text("核销")
