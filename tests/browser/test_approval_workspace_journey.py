"""Browser journeys of the approval workspace (issue 19): the GM opens a write-off's dossier,
previews the evidence PDF inside the page, then signs three write-offs in one batch with one
password; a handler starts a write-off through the labelled slots; a request that would
deadlock is refused at submit."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from approvals.models import Chain, ChainProcess, Signature
from documents.catalogue import DocType
from documents.models import AccessLog, Action
from tests import factories as f
from tests.approvals.helpers import act, files, pdf_bytes, start
from workflows import lifecycle
from workflows.models import State

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def set_language(page, code):
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    page.context.add_cookies([{"name": "django_language", "value": code, "url": origin + "/"}])


def english(page):
    set_language(page, "en")


def bankrupt_debt(org, people, code, amount="88000.00"):
    debtor = f.debtor(name=f"破产债务人{code[-1]}", bankrupt=True, bankrupt_on=date(2024, 5, 1))
    debt = f.debt(org["a"], people["handler"], amount=amount, due=date(2021, 6, 30), debtor_obj=debtor, code=code)
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    return debt


def write_off_at_gm(org, people, code):
    debt = bankrupt_debt(org, people, code)
    data = {"reason": "债务人破产，财产已分配完毕", "condition": "bankrupt",
            **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING)}
    response, process = start(people["handler"], Chain.WRITE_OFF, debt, **data)
    assert response.status_code == 302
    assert act(people["committee"], process, "committee_review", comment="证据齐全").status_code == 302
    return debt, process


def test_gm_previews_the_evidence_then_signs_three_write_offs_in_one_batch(page, login, org, people, shot):
    items = [write_off_at_gm(org, people, f"QQ-WS-D{i}") for i in (1, 2, 3)]
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "gm", PASSWORD)
    page.goto("/approvals/inbox/")
    page.locator("table.qq-inbox tbody tr", has_text="QQ-WS-D1").locator("a").click()
    dossier = page.locator("#dossier")
    expect(dossier).to_contain_text("QQ-WS-D1")
    expect(dossier).to_contain_text("88,000.00")
    expect(page.locator("#dossier-limitation")).to_contain_text(re.compile(r"(剩余|已届满) \d+ 天"))
    expect(page.locator("#dossier-path")).to_contain_text("清欠办审核")
    expect(page.locator("#dossier-path")).to_contain_text("证据齐全")
    ruling = page.locator(".qq-doc", has_text="破产宣告裁定")
    expect(ruling).to_contain_text("v1")
    # the evidence PDF, previewed inside the page through the archive's recorded view
    with page.expect_response(re.compile(r"/documents/doc/\d+/preview/")) as preview:
        ruling.locator("summary").click()
    assert preview.value.status == 200 and preview.value.headers["content-type"] == "application/pdf"
    expect(ruling.locator("iframe")).to_be_visible()
    assert AccessLog.objects.filter(user=people["gm"], action=Action.PREVIEW).count() == 1
    shot("dossier-zh")

    # three write-offs, one password
    page.locator("#menu-batch").click()
    group = page.locator("form.qq-batch-group", has_text="总经理批示")
    for debt, _process in items:
        row = group.locator("tr", has_text=debt.code)
        expect(row).to_contain_text("破产宣告裁定")
        row.locator("input[type=checkbox]").check()
    group.locator("input[name=password]").fill(PASSWORD)
    shot("batch-zh")
    group.locator("button.qq-batch-submit").click()
    result = page.locator("#batch-outcomes")
    expect(page.locator("#batch-result")).to_contain_text("已签署 3 项")
    for debt, _process in items:
        expect(result.locator("tr", has_text=debt.code)).to_contain_text("已签署同意")
    shot("batch-result-zh")
    for debt, process in items:
        signature = Signature.objects.get(decision__process=process, decision__step="gm_instruction")
        assert {d["id"] for d in signature.documents} == set(
            debt.case_file.documents.values_list("pk", flat=True))
    english(page)
    page.goto("/approvals/batch/")
    expect(page.locator("#batch-empty")).to_contain_text("Nothing to sign in a batch")
    shot("batch-empty-en")


def test_the_signature_box_names_the_versions_it_covers(page, login, org, people, shot):
    write_off_at_gm(org, people, "QQ-WS-V1")
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "gm", PASSWORD)
    page.goto("/approvals/inbox/")
    page.locator("table.qq-inbox tbody tr", has_text="QQ-WS-V1").locator("a").click()
    page.locator("#claim").click()
    expect(page.locator("#signature-covers")).to_contain_text("破产宣告裁定")
    expect(page.locator("#signature-covers")).to_contain_text("坏账核销申请报告")
    shot("decide-zh")
    english(page)
    page.reload()
    expect(page.locator("#signature-box")).to_contain_text("Electronic signature")
    shot("decide-en")


@pytest.fixture
def evidence(tmp_path):
    def make(name):
        path = tmp_path / name
        path.write_bytes(pdf_bytes(name))   # a PDF the page's preview renders
        return str(path)
    return make


def test_handler_starts_a_write_off_through_the_labelled_slots(page, login, org, people, shot, evidence):
    debt = bankrupt_debt(org, people, "QQ-WS-S1")
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "handler_a", PASSWORD)
    page.goto(f"/debts/{debt.pk}/")
    page.locator("#debt-actions a", has_text="坏账核销").click()
    expect(page.locator("h1")).to_contain_text("发起坏账核销申请")
    # The form's script (start.js, at the page's end) listens for the change; on a busy machine the
    # heading is there before it runs, and a change made then re-renders nothing.
    page.wait_for_load_state("load")
    slots = page.locator("#required-slots")
    # the first condition's evidence; choosing 破产 lists the ruling instead (the script re-renders)
    expect(slots).to_contain_text("死亡/注销证明")
    page.locator("textarea[name=reason]").fill("债务人破产，财产已分配完毕")
    page.locator("select[name=condition]").select_option("bankrupt")
    expect(slots).to_contain_text("破产宣告裁定")
    expect(slots).not_to_contain_text("死亡/注销证明")
    expect(page.locator("textarea[name=reason]")).to_have_value("债务人破产，财产已分配完毕")
    shot("start-zh")
    page.get_by_label("坏账核销申请报告").set_input_files(evidence("report.pdf"))
    page.get_by_label(re.compile("核销证据")).set_input_files(evidence("ruling.pdf"))
    page.locator("#submit-request").click()
    expect(page.locator("#outcome")).to_have_text("审批中")
    expect(page.locator("body")).to_contain_text(f"坏账核销申请报告 {debt.code}")
    shot("submitted-zh")
    process = ChainProcess.objects.get(debt=debt)
    assert process.condition == "bankrupt"
    assert set(process.debt.case_file.documents.values_list("doc_type", flat=True)) == {
        "write_off_application", "bankruptcy_ruling"}
    english(page)
    other = bankrupt_debt(org, people, "QQ-WS-S2")
    page.goto(f"/approvals/start/write_off/{other.pk}/?condition=bankrupt")
    expect(page.locator("#required-slots")).to_contain_text("Bankruptcy ruling")
    shot("start-en")


def test_a_request_that_would_deadlock_is_refused_at_submit(page, login, org, people, shot):
    # 清欠办主任 is the only 清欠小组组长: his own visit plan could never be approved.
    debt = bankrupt_debt(org, people, "QQ-WS-X1")
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "committee_head", PASSWORD)
    page.goto(f"/approvals/start/visit/{debt.pk}/")
    page.locator("textarea[name=reason]").fill("下周一上门催收")
    page.locator("#submit-request").click()
    errors = page.locator("#request-errors")
    expect(errors).to_contain_text("步骤“清欠小组组长批准”无人可以办理")
    expect(errors).to_contain_text("申请人不能审批自己的申请")
    expect(page.locator("textarea[name=reason]")).to_have_value("下周一上门催收")
    shot("deadlock-zh")
    assert not ChainProcess.objects.filter(debt=debt).exists()
    english(page)
    page.locator("textarea[name=reason]").fill("Visit next Monday")
    page.locator("#submit-request").click()
    expect(page.locator("#request-errors")).to_contain_text("nobody can take it")
    shot("deadlock-en")
