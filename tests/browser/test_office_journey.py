"""What the statutory calendar, retention and quarterly-report work looks like to the people who
use it (issues 16 part 1, 17 items 18-19): a responsible person reports a quarter late and sees
it marked; 清欠办 sees whose report is late or missing; the case file shows its retention; an
administrator is asked for next year's holidays; a delegation names its working days."""
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from approvals.delegation import record_absence
from documents import services
from documents.catalogue import DocType
from tests import factories as f
from tests.browser.conftest import PASSWORD
from tests.documents import samples
from workflows import holidays, ledger, roles
from workflows.models import EntryKind, User

pytestmark = pytest.mark.browser
WIDE = {"width": 1366, "height": 900}
SH = ZoneInfo("Asia/Shanghai")


def english(page, site_url):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": site_url}])


def test_quarterly_report_submitted_late_and_seen_by_the_committee(page, login, people, org, shot, site_url):
    page.set_viewport_size(WIDE)
    f.user("resp_missing", roles.RESPONSIBLE, org["b"])
    login(page, people["responsible"].username, PASSWORD)
    page.goto("/reports/quarterly/?year=2026&quarter=3")
    expect(page.locator("#due-note")).to_contain_text("2026-10-15（含）前上报")
    page.locator("#submit-report").click()  # empty analysis: the browser's own required check
    page.fill("#id_analysis", "三季度收回进度低于计划，已对两家单位发函催收。")
    page.locator("#submit-report").click()
    expect(page.locator("#own-report")).to_contain_text("逾期上报")
    shot("responsible-zh")
    login(page, people["committee"].username, PASSWORD)
    page.goto("/reports/quarterly/?year=2026&quarter=3")
    expect(page.locator('tr[data-person="resp_missing"]')).to_contain_text("逾期未报")
    expect(page.locator(f'tr[data-person="{people["responsible"].username}"]')).to_contain_text("逾期上报")
    shot("committee-zh")
    english(page, site_url)
    page.goto("/reports/quarterly/?year=2026&quarter=3")
    expect(page.locator('tr[data-person="resp_missing"]')).to_contain_text("Overdue, not submitted")
    shot("committee-en")


def test_case_file_shows_retention(page, login, people, org, shot, settings, tmp_path, site_url):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}
    page.set_viewport_size(WIDE)
    debt = f.debt(org["a"], people["handler"], debtor_obj=f.debtor("华东机电设备有限公司"))
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, debt.balance, date(2025, 3, 1), by=people["finance"])
    services.attach(debt, DocType.ORIGINAL_VOUCHERS, samples.pdf("v.pdf", extra=b"v"), people["handler"], title="凭证")
    login(page, people["committee"].username, PASSWORD)
    page.goto(f"/archive/casefile/{debt.pk}/")
    expect(page.locator("#retention")).to_contain_text("催收资料（0 份）：保管 5 年，至")
    expect(page.locator("#retention")).to_contain_text("会计凭证（1 份）：保管 30 年，至")
    shot("zh")
    english(page, site_url)
    page.goto(f"/archive/casefile/{debt.pk}/")
    expect(page.locator("#retention")).to_contain_text("Accounting vouchers (1 document): kept 30 years until")
    shot("en")


def test_administrator_is_asked_for_next_years_holidays_and_delegation_counts_working_days(
        page, login, people, org, shot, site_url, allowed_console_errors):
    # Django's admin links no icon, so chromium's own /favicon.ico request is a 404
    allowed_console_errors.append(re.compile(r"status of 404 \(Not Found\)$"))
    page.set_viewport_size(WIDE)
    holidays.seed_from_package()  # a transactional test may follow another that flushed the table
    User.objects.create_superuser("root", "root@example.com", PASSWORD)
    login(page, "root", PASSWORD)
    page.goto("/admin/")
    expect(page.locator(".qq-holiday-warning")).to_contain_text("2027 年的法定节假日安排尚未录入")
    shot("admin-index-zh")
    page.goto("/admin/workflows/holidaycalendar/?year=2026")
    expect(page.locator("#result_list")).to_contain_text("国庆节")
    shot("calendar-zh")
    colleague = f.user("handler_a2", roles.HANDLER, org["a"])
    record_absence(people["handler"], colleague, datetime(2026, 9, 30, tzinfo=SH), datetime(2026, 10, 11, tzinfo=SH),
                   "国庆休假")
    login(page, people["handler"].username, PASSWORD)
    page.goto("/approvals/delegations/")
    expect(page.locator("body")).to_contain_text("4 个工作日")
    shot("delegation-zh")
    english(page, site_url)
    page.goto("/approvals/delegations/")
    expect(page.locator("body")).to_contain_text("4 working days")
    shot("delegation-en")
