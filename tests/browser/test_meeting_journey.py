"""An authority body's meeting in the browser (rules R4.140-R4.145): the secretary records who
is present, a member votes with their password on a phone and on a desktop, the secretary closes
the vote and the chain moves on. Screenshots (1366 px and 390 px, Chinese and English) go to
/tmp/meeting_shots/ when QQ_SHOTS=1."""
import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from approvals.models import Meeting, MeetingStatus
from tests import factories as f
from tests.approvals.helpers import PASSWORD, act, claim, open_task
from tests.approvals.test_write_off import bankrupt_debt, request_write_off
from workflows import roles

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/meeting_shots")


def shot(page, name):
    if os.environ.get("QQ_SHOTS") == "1":
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def set_language(page, code):
    origin = page.url.split("/", 3)[:3]
    page.context.add_cookies([{"name": "django_language", "value": code, "url": "/".join(origin) + "/"}])


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}


def test_a_meeting_votes_in_the_browser(page, login, org, people):
    members = [f.user(f"office_{i}", roles.GM_OFFICE, org["hq"], first_name=f"委员{i}") for i in (2, 3)]
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    act(people["committee"], process, "committee_review")
    act(people["gm"], process, "gm_instruction", password=PASSWORD)
    task = open_task(process, "authority_approval")
    claim(people["gm_office"], task)
    url = reverse("approvals:meeting", args=[task.pk])

    login(page, "gm_office")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(url)
    expect(page.locator("#meeting-convene")).to_be_visible()
    shot(page, "convene_zh_1366")
    page.locator("#meeting-convene input[type=checkbox]").first.check()
    page.click("#convene-meeting")
    expect(page.locator("#meeting-history")).to_contain_text("未达法定出席人数")
    for box in page.locator("#meeting-convene input[type=checkbox]").all():
        box.check()
    page.click("#convene-meeting")
    expect(page.locator("#vote-form")).to_be_visible()
    page.context.clear_cookies()

    for member, width, language in ((members[0], 390, "zh-hans"), (members[1], 1366, "en")):
        login(page, member.username)
        page.set_viewport_size({"width": width, "height": 844 if width == 390 else 900})
        if language == "en":
            set_language(page, "en")
        page.goto(url)
        expect(page.locator("#vote-form")).to_be_visible()
        tag = "zh" if language == "zh-hans" else "en"
        shot(page, f"vote_{tag}_{width}")
        page.locator("#vote-form input[value=for]").check()
        page.fill("#vote-form textarea[name=opinion]", "证据充分")
        page.fill("#vote-form input[name=password]", PASSWORD)
        page.click("#submit-vote")
        expect(page.locator("#vote-refusal")).to_be_visible()
        if language == "en":
            shot(page, f"voted_{tag}_{width}")
            set_language(page, "en")
            page.set_viewport_size({"width": 390, "height": 844})
            page.goto(url)
            shot(page, "voted_en_390")
            page.context.add_cookies([{"name": "django_language", "value": "zh-hans",
                                       "url": page.url.split("/approvals")[0] + "/"}])
            page.set_viewport_size({"width": 1366, "height": 900})
            page.goto(url)
            shot(page, "voted_zh_1366")
        page.context.clear_cookies()

    login(page, "gm_office")
    page.goto(url)
    page.fill("#close-form input[name=password]", PASSWORD)
    page.click("#close-meeting")
    expect(page.locator("#meetings")).to_contain_text("表决通过", timeout=60_000)  # typesets two PDFs
    shot(page, "process_zh_1366")
    assert Meeting.objects.filter(task=task, status=MeetingStatus.PASSED).exists()
    assert open_task(process, "finance_filing") is not None
