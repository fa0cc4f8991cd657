"""Collection journeys: a handler logs a visit with a photo and generates a demand letter; the
legal team takes a case and moves it to judgment."""
import io
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from collection.models import LegalCase, Letter, Stage, VisitReport
from documents.services import open_document
from tests import factories as f
from tests.browser.conftest import PASSWORD
from tests.collection.conftest import make_letterhead, move_gated
from tests.collection.test_letters_visits import PNG
from workflows import lifecycle
from workflows.models import State

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def archive_in_tmp(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}


def _overdue(org, people, name):
    if not hasattr(org["a"], "letterhead"):
        make_letterhead(org["a"])
    debt = f.debt(org["a"], people["handler"], people["responsible"], amount="86000.00", due=date(2025, 6, 30),
                  debtor_obj=f.debtor(name, address="广东省佛山市顺德区大良街道1号", contact="陈芳"))
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    return debt


def test_handler_logs_a_visit_with_a_photo_and_generates_a_demand_letter(page, login, org, people, tmp_path):
    debt = move_gated(_overdue(org, people, "佛山顺德五金制品有限公司"), State.VISIT, people["committee_head"])
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)
    login(page, people["handler"].username, PASSWORD)
    page.goto("/collect/")
    page.get_by_role("link", name=debt.code).click()
    expect(page.locator("h1")).to_contain_text("佛山顺德五金制品有限公司")
    form = page.locator("#visit-form")
    form.locator("input[name=visited_on]").fill(timezone.localdate().isoformat())
    form.locator("select[name=business_operating]").select_option("1")
    form.locator("input[name=met_whom]").fill("财务总监陈芳")
    form.locator("textarea[name=assets_seen]").fill("仓库存货约三十万元")
    form.locator("textarea[name=next_step]").fill("两周内签订分期还款协议")
    form.locator("input[name=photos]").set_input_files(str(photo))
    form.locator("button[type=submit]").click()
    # No signed record and no reason: refused, saying what to add (rule R9.4).
    expect(page.locator("#collection-refused")).to_contain_text("或填写未能取得签字的原因")
    assert not VisitReport.objects.filter(debt=debt).exists()
    # What was typed is still there (issue 19 item 8); only the photo must be chosen again.
    form = page.locator("#visit-form")
    expect(form.locator("input[name=met_whom]")).to_have_value("财务总监陈芳")
    expect(form.locator("textarea[name=next_step]")).to_have_value("两周内签订分期还款协议")
    form.locator("input[name=visited_on]").fill(timezone.localdate().isoformat())
    form.locator("select[name=business_operating]").select_option("1")
    form.locator("input[name=met_whom]").fill("财务总监陈芳")
    form.locator("textarea[name=assets_seen]").fill("仓库存货约三十万元")
    form.locator("textarea[name=next_step]").fill("两周内签订分期还款协议")
    form.locator("input[name=photos]").set_input_files(str(photo))
    form.locator("textarea[name=no_signature_reason]").fill("财务总监称须法定代表人授权，拒绝签字")
    form.locator("button[type=submit]").click()
    expect(page.locator("#collection-messages")).to_contain_text("已登记走访报告")
    expect(page.locator("#visits .visit-signature")).to_contain_text("拒绝签字")
    expect(page.locator("#visits")).to_contain_text("财务总监陈芳")
    expect(page.locator("#visits")).to_contain_text("现场.png")
    expect(page.locator("#contacts")).to_contain_text("上门走访")

    page.locator("#letter-kind").select_option("demand")
    page.locator("#letter-form button[type=submit]").click()
    # The preview: what will be archived, before anything is (rule R9.13).
    number = f"一工清〔{timezone.localdate().year}〕1号"
    expect(page.locator("#letter-number")).to_contain_text(number)
    expect(page.locator("#letter-account")).to_contain_text("3602000109200012345")
    expect(page.frame_locator("#letter-sheet").locator("body")).to_contain_text("预览 · 未存档")
    expect(page.frame_locator("#letter-sheet").locator("body")).to_contain_text("佛山顺德五金制品有限公司")
    assert not Letter.objects.filter(debt=debt).exists()
    page.locator("#letter-confirm button[type=submit]").click()
    expect(page.locator("#collection-messages")).to_contain_text(f"函件 {number} 已生成并存入案卷")
    letter = Letter.objects.get(debt=debt)
    expect(page.locator("#letters")).to_contain_text(letter.number)
    with open_document(letter.document) as fh:
        text = PdfReader(io.BytesIO(fh.read())).pages[0].extract_text()
    assert "佛山顺德五金制品有限公司" in text and number in text
    assert VisitReport.objects.get(debt=debt).photos.count() == 1


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_legal_team_previews_a_legal_notice_at_1366(browser, site_url, org, people, shot, locale):
    """The letter form and its preview as the legal team sees them, in both languages."""
    debt = _overdue(org, people, "中山火炬塑胶有限公司")
    ctx = browser.new_context(base_url=site_url, locale=locale, timezone_id="Asia/Shanghai",
                              viewport={"width": 1366, "height": 900})
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("/accounts/login/")
        page.fill("input[name=username]", people["legal"].username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form.vf-form button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto(f"/collect/debt/{debt.pk}/")
        # No law firm is engaged: the 律师函 is offered greyed out, with the reason.
        expect(page.locator("#letter-kind option[value=lawyer]")).to_be_disabled()
        expect(page.locator(".letter-unavailable")).to_contain_text(
            "法务催告函" if locale == "zh-CN" else "legal notice")
        shot(f"debt-letters-{locale}", page)
        page.locator("#letter-kind").select_option("legal_notice")
        page.locator("#letter-form button[type=submit]").click()
        expect(page.locator("#letter-number")).to_contain_text("一工清〔")
        expect(page.frame_locator("#letter-sheet").locator("body")).to_contain_text("我公司法务部现正式催告")
        shot(f"letter-preview-{locale}", page)
        assert not errors and not Letter.objects.exists()
    finally:
        ctx.close()


def test_legal_team_takes_a_case_and_moves_it_to_judgment(page, login, org, people):
    debt = move_gated(_overdue(org, people, "东莞长安电子有限公司"), State.LEGAL, people["gm"])
    today = timezone.localdate().isoformat()
    login(page, people["legal"].username, PASSWORD)
    page.goto("/collect/legal/")
    expect(page.locator("h1")).to_contain_text("法律事务看板")
    page.locator("#waiting").get_by_role("link", name=debt.code).click()
    page.locator("#take-case-form button[type=submit]").click()
    expect(page.locator("#case-stage")).to_contain_text("已受理")

    def move(stage, **fields):
        form = page.locator("#stage-form")
        form.locator("select[name=stage]").select_option(stage)
        form.locator("input[name=on]").fill(today)
        for name, value in fields.items():
            if name == "outcome":
                form.locator("select[name=outcome]").select_option(value)
            else:
                form.locator(f"input[name={name}]").fill(value)
        form.locator("button[type=submit]").click()
        expect(page.locator("#collection-messages")).to_contain_text("案件阶段已变更")

    move("filed", court="东莞市第二人民法院", case_number="(2026)粤1972民初88号")
    expect(page.locator("#case-stage")).to_contain_text("立案")
    page.locator("#hearing-form input[name=at]").fill(f"{today}T09:30")
    page.locator("#hearing-form input[name=place]").fill("第五法庭")
    page.locator("#hearing-form button[type=submit]").click()
    expect(page.locator("#case-hearings")).to_contain_text("第五法庭")
    move("hearing")
    move("judgment", outcome="judgment", judgment_amount="86000.00")
    expect(page.locator("#case-stage")).to_contain_text("判决")
    expect(page.locator("#case-outcome")).to_contain_text("86,000.00")
    case = LegalCase.objects.get(debt=debt)
    assert case.stage == Stage.JUDGMENT and case.case_number == "(2026)粤1972民初88号"
    assert list(case.stage_changes.values_list("to_stage", flat=True)) == ["taken", "filed", "hearing", "judgment"]
    page.goto("/collect/legal/")
    expect(page.locator("#stage-counts a[data-stage=judgment]")).to_contain_text("1")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_finance_sends_the_scheduled_confirmations(browser, site_url, org, people, shot, settings, locale):
    """定期对账 (rule R5.19): finance sees the debts due, starts the run and sees it finish."""
    settings.QQ_CONFIRMATIONS_INLINE = True  # the live server runs the job inside the request
    debts = [_overdue(org, people, name) for name in ("江门新会五金厂", "肇庆高要建材有限公司")]
    ctx = browser.new_context(base_url=site_url, locale=locale, timezone_id="Asia/Shanghai",
                              viewport={"width": 1366, "height": 900})
    try:
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("/accounts/login/")
        page.fill("input[name=username]", people["finance"].username)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form.vf-form button[type=submit]").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        page.goto("/collect/confirmations/")
        expect(page.locator("#confirmations-due")).to_contain_text(debts[0].code)
        shot(f"confirmations-{locale}", page)
        page.locator("#confirmations-form button[type=submit]").click()
        expect(page.locator("#confirmation-runs .run-progress")).to_contain_text("2/2")
        shot(f"confirmations-done-{locale}", page)
        assert not errors
        assert Letter.objects.filter(debt__in=debts, kind="balance_confirmation").count() == 2
    finally:
        ctx.close()
