"""On the phone (issue 18 item 9, rule R4.155): at 390 px the 总经理 opens his inbox, a write-off's
dossier, previews the evidence PDF inside the page, signs with his password and approves; the
inbox, the decision page, the process page, the batch page and the meeting's vote form never
scroll sideways, in Chinese and in English."""
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from approvals import meetings
from approvals.models import Chain, Decision, Signature
from documents.catalogue import DocType
from documents.models import AccessLog, Action
from tests import factories as f
from tests.approvals.helpers import act, claim, files, start
from tests.approvals.helpers import open_task as open_step
from workflows import roles

from .conftest import PASSWORD
from .test_approval_workspace_journey import bankrupt_debt, set_language, write_off_at_gm

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Horizontal scrolling, measured against the phone's own width: a mobile browser widens its
# layout viewport (and innerWidth) to fit content that overflows, so innerWidth alone would
# hide the problem. The elements listed are the visible ones reaching past the right edge.
OVERFLOW = """() => {
  const edge = screen.width;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > edge + 1 && el.checkVisibility()) {
      const name = typeof el.className === 'string' ? el.className.trim() : '';
      const cls = name ? '.' + name.split(/\\s+/).join('.') : '';
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' right=' + Math.round(box.right));
    }
  }
  return {edge, inner: window.innerWidth, scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 20)};
}"""


@pytest.fixture
def context(browser, site_url):
    """A phone: 390 px wide, 2x pixels, touch, mobile viewport handling (overrides conftest's)."""
    ctx = browser.new_context(base_url=site_url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE,
                              device_scale_factor=2, is_mobile=True, has_touch=True)
    ctx.set_default_timeout(15_000)
    try:
        yield ctx
    finally:
        ctx.close()


def assert_fits(page, what):
    page.wait_for_load_state("load")
    m = page.evaluate(OVERFLOW)
    assert m["edge"] == PHONE["width"], m
    assert m["scroll"] <= m["edge"] and m["inner"] == m["edge"] and not m["wide"], (
        f"{what} scrolls sideways at {m['edge']} px (page {m['scroll']} px wide): {m['wide']}")


def write_off_at_committee(org, people, code):
    debt = bankrupt_debt(org, people, code)
    response, process = start(people["handler"], Chain.WRITE_OFF, debt, reason="债务人破产，财产已分配完毕",
                              condition="bankrupt",
                              **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING))
    assert response.status_code == 302
    return debt, process


def open_task(page, code):
    """From the inbox to the decision page of the write-off for `code` (claiming it)."""
    card = page.locator("table.qq-inbox tbody tr", has_text=code)
    expect(card).to_be_visible()
    card.locator("a").tap()
    expect(page.locator("#claim")).to_be_visible()
    assert_fits(page, "the claim page")
    page.locator("#claim").tap()
    expect(page.locator("#submit-decision")).to_be_visible()


def test_gm_opens_the_dossier_previews_the_evidence_and_approves_on_a_phone(page, login, org, people, shot):
    _debt, process = write_off_at_gm(org, people, "QQ-PH-J1")
    write_off_at_gm(org, people, "QQ-PH-J2")
    login(page, "gm", PASSWORD)
    page.goto("/approvals/inbox/")
    expect(page.locator("table.qq-inbox tbody tr", has_text="QQ-PH-J1")).to_contain_text("88,000.00")
    assert_fits(page, "the inbox")
    shot("inbox-zh")

    open_task(page, "QQ-PH-J1")
    assert_fits(page, "the decision page")
    facts = page.locator("#dossier-facts")
    expect(facts).to_be_visible()
    expect(page.locator("#dossier-debt-link")).to_have_text("QQ-PH-J1")
    expect(page.locator("#dossier-balance")).to_contain_text("88,000.00")
    expect(page.locator("#dossier-limitation")).to_contain_text(re.compile(r"(剩余|已届满) \d+ 天"))
    documents = page.locator("#dossier .qq-doc")
    expect(documents).to_have_count(2)
    expect(documents.filter(has_text="坏账核销申请报告")).to_be_visible()

    ruling = documents.filter(has_text="破产宣告裁定")
    with page.expect_response(re.compile(r"/documents/doc/\d+/preview/")) as preview:
        ruling.locator("summary").tap()
    assert preview.value.status == 200 and preview.value.headers["content-type"] == "application/pdf"
    frame = ruling.locator("iframe")
    expect(frame).to_be_visible()
    box = frame.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["width"] >= 0.8 * PHONE["width"], box
    assert box["height"] >= 0.5 * PHONE["height"], box
    assert AccessLog.objects.filter(user=people["gm"], action=Action.PREVIEW).count() == 1
    assert_fits(page, "the decision page with the preview open")
    shot("dossier-preview-zh")

    page.locator("input[name=decision][value=approve]").check()
    page.locator("textarea[name=comment]").fill("同意核销")
    password = page.locator("input[name=password]")
    password.fill(PASSWORD)
    box = password.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    shot("decide-zh")
    page.locator("#submit-decision").tap()

    expect(page).to_have_url(re.compile(r"/approvals/inbox/"))
    expect(page.locator("vf-snackbar")).to_contain_text("已办理：总经理批示")
    expect(page.locator("table.qq-inbox tbody tr", has_text="QQ-PH-J2")).to_be_visible()
    expect(page.locator("table.qq-inbox tbody tr", has_text="QQ-PH-J1")).to_have_count(0)
    assert_fits(page, "the inbox after the decision")
    shot("inbox-after-zh")
    decision = Decision.objects.get(process=process, step="gm_instruction")
    assert (decision.by, decision.decision, decision.comment) == (people["gm"], "approve", "同意核销")
    assert Signature.objects.filter(decision=decision, signer=people["gm"]).exists()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_approval_pages_do_not_scroll_sideways_on_a_phone(page, login, org, people, shot, language):
    _debt, waiting = write_off_at_gm(org, people, "QQ-PH-P1")
    write_off_at_gm(org, people, "QQ-PH-P2")
    # a decided step, so the process page shows a signature with its full SHA-256
    _signed_debt, signed = write_off_at_gm(org, people, "QQ-PH-P3")
    assert act(people["gm"], signed, "gm_instruction", comment="同意", password=PASSWORD).status_code == 302

    write_off_at_committee(org, people, "QQ-PH-C1")

    login(page, "committee", PASSWORD)
    set_language(page, language)
    page.goto("/approvals/inbox/")
    expect(page.locator("h1")).to_have_text("审批待办" if language == "zh-hans" else "Approval inbox")
    expect(page.locator("table.qq-inbox tbody tr", has_text="QQ-PH-C1")).to_be_visible()
    assert_fits(page, "the committee's inbox")
    shot(f"committee-inbox-{language}")
    # the committee's step requires documents: the dossier lists them first, with their previews
    open_task(page, "QQ-PH-C1")
    required = page.locator("#dossier-required")
    expect(required.locator(".qq-doc")).to_have_count(2)
    required.locator(".qq-preview summary").first.tap()
    frame = required.locator(".qq-preview iframe").first
    expect(frame).to_be_visible()
    box = frame.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["width"] >= 0.7 * PHONE["width"], box
    assert_fits(page, "the committee's decision page")
    shot(f"committee-decide-{language}")
    # 清欠办 may remind the GM of his open step: the process page with its urge form
    page.goto(f"/approvals/process/{waiting.pk}/")
    expect(page.locator("#open-steps")).to_be_visible()
    assert_fits(page, "the process page with the urge form")
    shot(f"committee-process-{language}")

    page.context.clear_cookies()
    login(page, "gm", PASSWORD)
    set_language(page, language)
    page.goto("/approvals/inbox/")
    assert_fits(page, "the GM's inbox")
    shot(f"inbox-{language}")
    open_task(page, "QQ-PH-P1")
    page.locator("#dossier .qq-preview summary").first.tap()
    expect(page.locator("#dossier .qq-preview iframe").first).to_be_visible()
    assert_fits(page, "the decision page")
    shot(f"decide-{language}")
    page.goto(f"/approvals/process/{signed.pk}/")
    expect(page.locator(".qq-signature")).to_have_count(1)
    assert_fits(page, "the process page")
    shot(f"process-{language}")
    page.goto("/approvals/batch/")
    expect(page.locator("form.qq-batch-group tbody tr")).to_have_count(2)
    assert_fits(page, "the batch signing page")
    shot(f"batch-{language}")


@pytest.fixture
def archive_dir(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_meeting_vote_form_does_not_scroll_sideways_on_a_phone(page, login, org, people, shot, language,
                                                                   archive_dir):
    members = [f.user(f"office_{i}", roles.GM_OFFICE, org["hq"], first_name=f"委员{i}") for i in (2, 3)]
    _debt, process = write_off_at_gm(org, people, "QQ-PH-M1")
    assert act(people["gm"], process, "gm_instruction", comment="同意", password=PASSWORD).status_code == 302
    task = open_step(process, "authority_approval")
    claim(people["gm_office"], task)
    url = reverse("approvals:meeting", args=[task.pk])

    login(page, "gm_office", PASSWORD)
    set_language(page, language)
    page.goto(url)
    expect(page.locator("#meeting-convene")).to_be_visible()
    assert_fits(page, "the secretary's meeting page")
    shot(f"convene-{language}")
    meetings.convene(task=task, secretary=people["gm_office"],
                     present=[u.pk for u in meetings.members_for(task).eligible])

    page.context.clear_cookies()
    login(page, members[0].username, PASSWORD)
    set_language(page, language)
    page.goto(url)
    expect(page.locator("#vote-form")).to_be_visible()
    assert_fits(page, "the vote form")
    password = page.locator("#vote-form input[name=password]")
    box = password.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    shot(f"vote-{language}")
