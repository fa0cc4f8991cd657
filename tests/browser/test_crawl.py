"""The crawl (issue 19, "Tests must show"): every demo login, in zh-hans and in en, opens every
page its menu reaches and the first rows of each list, and the crawl fails on

- an answer of 500 or more (a page, or anything it loads),
- a JavaScript console error or uncaught page error,
- chrome in the other language: in Chinese, any of viewflow's and Django's English strings
  below; in English, any of our Chinese chrome strings below, or Chinese in the parts of a page
  that are always chrome (title, app bar, menu, table headers, labels, buttons).

Data stays as entered (debtor and unit names are Chinese in the demo), so the English check
looks at chrome, not at the whole text. An element that declares its own language (the
language switch: <button lang="zh-hans">简体中文</button>) is not the page's language.
Screenshots of each role's start page go to test-results/screenshots/ (CI's artefact folder).
"""
import os
import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from tests.browser.conftest import SHOTS, TIMEOUT_MS
from workflows import demo

pytestmark = pytest.mark.browser

# English chrome that must never show in the Chinese UI (viewflow, its material frontend, Django).
ENGLISH_CHROME = [
    "Inbox", "Queue", "Archive", "Processes", "Process list", "Process brief", "Applications", "Back",
    "Log out", "Logout", "Log in", "Login", "Profile", "Dashboard", "Django Material", "Viewflow Demo suite",
    "Django administration", "No objects selected", "Show all", "Assign", "Unassign", "Execute", "Submit",
    "Cancel", "Save", "Filter", "Export", "Page not found", "Access Forbidden", "Server error", "View site",
    "Created", "Assigned", "Owner", "Description", "Started", "Finished", "Status", "Brief", "Task",
    "Previous tasks", "Next tasks", "Change password", "Reset password", "New process", "Flow Chart",
    "rows per page", "Next", "Previous", "Search", "Yes", "No", "Unknown", "Any date", "Today",
]
# Our own chrome that must never show in the English UI. (Not 审批 alone: it is part of data such
# as an authority rule's text; the menu item 审批 is caught by the chrome-part check below. Nor 提交:
# the step titles recorded with each decision, e.g. 提交申请, are stored text; buttons are checked below.)
CHINESE_CHROME = [
    "清欠台账", "债权列表", "预警", "计划与考核", "计划审批", "清欠档案", "催收与诉讼", "我的待办", "可认领",
    "已逾期", "通知", "委托代理", "功能模块", "个人资料", "退出登录", "修改密码", "筛选", "清除", "上一页", "下一页",
    "导出", "返回", "保存", "取消", "登记", "上传", "债权编号", "债务人", "债权余额", "经办人", "到期日",
    "逾期天数", "诉讼时效", "剩余", "届满", "没有", "共 ", "第 ", "页", "处理中", "清欠管理系统",
]
# The parts of a page that are always chrome, whatever the data.
CHROME_SELECTORS = ("title, .mdc-top-app-bar__title, .vf-page__menu .mdc-drawer__content, th, label, button, "
                    "summary, .mdc-button")
CJK = re.compile(r"[\u3400-\u9fff]")
MAX_PAGES_PER_ROLE = 45  # per language; the menus and their first rows fit well inside
SKIP = re.compile(r"/accounts/logout|/i18n/|/admin/|/api/|/export|\.xlsx|/download|/preview|/pdf|"
                  r"/media/|/static/|/healthz|/metrics|^mailto:|^javascript:")
# A document answered 403/404 logs a console line of its own; it is reported as the page's status.
DOCUMENT_4XX = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d\b")

VISIBLE_TEXT = """() => {
  const skip = el => el.closest('[lang]:not(html)') || el.closest('script, style, template, [hidden]');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [document.title];
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || skip(el)) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    parts.push(node.textContent);
  }
  return parts.join(' ').replace(/\\s+/g, ' ');
}"""

CHROME_TEXT = """(selectors) => {
  const out = [document.title];
  for (const el of document.querySelectorAll(selectors)) {
    if (el.closest('[lang]:not(html)')) continue;
    const copy = el.cloneNode(true);
    copy.querySelectorAll('[lang], .material-icons, select, option, input, textarea').forEach(c => c.remove());
    const text = copy.textContent.replace(/\\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  return out;
}"""

LINKS = """() => {
  const menu = [...document.querySelectorAll('.vf-page__menu a[href]')].map(a => a.href);
  const rows = [];
  for (const table of document.querySelectorAll('main table')) {
    const first = table.querySelector('tbody tr a[href]');
    if (first) rows.push(first.href);
  }
  return {menu, rows};
}"""


def english_words(text):
    return [w for w in ENGLISH_CHROME if re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])", text)]


@pytest.fixture
def demo_site(settings, tmp_path):
    settings.QQ_DEMO = True
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}
    demo.seed(debt_count=40)
    call_command("run_daily", stdout=open("/dev/null", "w"))  # noqa: SIM115 — the clock's output is not wanted
    names = [spec.username for spec in demo.USERS]
    only = os.environ.get("QQ_CRAWL_ROLES")  # a local run may crawl a few logins: QQ_CRAWL_ROLES=gm,handler
    return [n for n in names if n in only.split(",")] if only else names


def crawl(browser, site_url, username, language):
    """Visit what `username` reaches in `language`; returns (pages visited, problems)."""
    locale = "zh-CN" if language == "zh-hans" else "en-US"
    context = browser.new_context(base_url=site_url, locale=locale, timezone_id="Asia/Shanghai",
                                  viewport={"width": 1366, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": "django_language", "value": language, "url": site_url}])
    page = context.new_page()
    problems, current = [], {"url": ""}

    def on_console(msg):
        if msg.type == "error" and not DOCUMENT_4XX.search(msg.text):
            problems.append(f"{username} [{language}] console error at {current['url']}: {msg.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"{username} [{language}] page error at {current['url']}: {exc}"))
    page.on("response", lambda r: r.status >= 500 and problems.append(
        f"{username} [{language}] HTTP {r.status} for {r.url} (on {current['url']})"))

    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.locator("form.vf-form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    host = urlsplit(site_url).netloc
    queue = deque((url, "login") for url in [page.url, "/accounts/profile/", "/accounts/password_change/"])
    seen, visited = set(), []
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        url, came_from = queue.popleft()
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if (parts.netloc and parts.netloc != host) or SKIP.search(path) or path in seen:
            continue
        seen.add(path)
        current["url"] = path
        response = page.goto(path, wait_until="load")
        status = response.status if response else 0
        visited.append((f"{path} (from {came_from})" if status >= 400 else path, status))
        if status >= 400:
            continue
        check_language(page, username, language, path, problems)
        if len(visited) == 1:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"crawl--{username}-{language}.png"), full_page=True)
        links = page.evaluate(LINKS)
        queue.extend((link, path) for link in links["menu"] + links["rows"])
    context.close()
    return visited, problems


def check_language(page, username, language, path, problems):
    where = f"{username} [{language}] {path}"
    if language == "zh-hans":
        found = english_words(page.evaluate(VISIBLE_TEXT))
        if found:
            problems.append(f"{where}: English chrome {found}")
        return
    text = page.evaluate(VISIBLE_TEXT)
    found = [w for w in CHINESE_CHROME if w in text and not _only_in_data(page, w)]
    chrome = [t for t in page.evaluate(CHROME_TEXT, CHROME_SELECTORS) if CJK.search(t)]
    if found or chrome:
        problems.append(f"{where}: Chinese chrome {found} {chrome[:8]}")


def _only_in_data(page, word):
    """True when `word` occurs only inside table cells or definitions (data: names, reasons)."""
    return page.evaluate("""(word) => {
      const skip = el => el.closest('[lang]:not(html), td, dd, option, textarea, input, pre, code, kbd, samp');
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const el = walker.currentNode.parentElement;
        if (el && !skip(el) && walker.currentNode.textContent.includes(word)) return false;
      }
      return !document.title.includes(word);
    }""", word)


def test_every_role_every_page_in_both_languages(browser, live_server, demo_site):
    report, problems = [], []
    for username in demo_site:
        for language in ("zh-hans", "en"):
            visited, found = crawl(browser, live_server.url, username, language)
            refused = [f"{p} {s}" for p, s in visited if s >= 400]
            report.append(f"{username} [{language}]: {len(visited)} pages; answered 4xx: {refused}")
            assert len(visited) >= 5, f"{username} [{language}] reached only {visited}"
            problems.extend(found)
    print("\n".join(report))
    assert not problems, "\n".join(problems)
