"""The product's shell over viewflow (issue 19 item 7): page titles with the product's name,
branded login and error pages with a way back, a language switch, the zh_Hans catalogue of
the viewflow strings we show, and the account pages in the material look instead of the
Django admin's."""
import gettext
import re
from pathlib import Path

import pytest
import viewflow
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from tests.test_i18n import parse_po, text_of

ZH_DIR = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
VIEWFLOW_PO = Path(viewflow.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u3400-\u9fff]")
SAME_IN_CHINESE = ("#", "PNG", "BPMN", "%(label)s %(name)s")
FOREIGN_TITLES = ("Django Material", "Viewflow Demo suite", "Django 站点管理员", "Django administration")


@pytest.fixture(autouse=True)
def restore_language():
    before = translation.get_language()
    yield
    translation.activate(before) if before else translation.deactivate()


def title_of(html):
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


# --- the catalogue ----------------------------------------------------------------------------

def zh_entries():
    return {(e.get("msgctxt"), e["msgid"]): e for e in parse_po(ZH_DIR / "django.po") if e["msgid"]}


def test_every_viewflow_string_has_a_chinese_translation():
    """viewflow ships a zh_Hans catalogue with every entry empty; ours fills each of them."""
    ours = zh_entries()
    shipped = [e for e in parse_po(VIEWFLOW_PO) if e["msgid"] and not e["obsolete"]]
    assert len(shipped) > 100
    problems = []
    for e in shipped:
        mine = ours.get((e.get("msgctxt"), e["msgid"]))
        if mine is None or not all(v.strip() for v in mine["msgstr"].values()) or not mine["msgstr"]:
            problems.append(e["msgid"].strip())
        elif "fuzzy" in mine["flags"]:
            problems.append(f"fuzzy: {e['msgid'].strip()}")
        elif not CJK.search("".join(mine["msgstr"].values())) and e["msgid"].strip() not in SAME_IN_CHINESE:
            problems.append(f"not Chinese: {e['msgid'].strip()}")
    assert not problems, problems


def test_the_compiled_chinese_catalogue_matches_the_po():
    with (ZH_DIR / "django.mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog
    for (ctxt, msgid), e in zh_entries().items():
        key = msgid if ctxt is None else f"{ctxt}\x04{msgid}"
        if e.get("msgid_plural") is not None:
            key = (key, 0)
        assert compiled.get(key) == e["msgstr"][0], f"recompile locale/zh_Hans: {msgid!r}"


# Looked up through variables: a literal gettext("Inbox") here would land in the en catalogue.
AT_RUN_TIME = {"Inbox": "我的待办", "Queue": "待认领", "Processes": "流程", "Applications": "功能模块"}


def test_viewflow_strings_are_chinese_at_run_time():
    with translation.override("zh-hans"):
        for msgid, chinese in AT_RUN_TIME.items():
            assert translation.gettext(msgid) == chinese
        context, done = "STATUS", "Done"
        assert translation.pgettext(context, done) == "已完成"
    with translation.override("en"):
        msgid = "Inbox"
        assert translation.gettext(msgid) == "Inbox"


# --- login, titles, language switch ---------------------------------------------------------------

def test_login_page_names_the_product_in_both_languages(client, db):
    zh = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert title_of(zh) == "登录 - 清欠管理系统"
    assert "清欠管理系统" in text_of(zh)
    en = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert title_of(en) == "Log in - Qingqian Debt Clearing"
    for html in (zh, en):
        assert not any(t in html for t in FOREIGN_TITLES)
    # the switch to the other language, named in itself and marked with its language
    assert re.search(r'<button[^>]*name="language" value="en" lang="en"[^>]*>.*?English', zh, re.S)
    assert re.search(r'<button[^>]*name="language" value="zh-hans" lang="zh-hans"[^>]*>.*?简体中文', en, re.S)
    assert not CJK.search(re.sub(r'<button[^>]*lang="zh-hans".*?</button>', "", text_of_keep_buttons(en), flags=re.S))


def text_of_keep_buttons(html):
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<(?!/?button)[^>]+>", " ", html)


def test_pages_carry_the_product_name_and_the_user_menu_switches_language(client, people):
    client.force_login(people["handler"])
    for path in ("/approvals/", "/plan_approvals/", reverse("debts:index")):
        html = client.get(path, follow=True).content.decode()
        assert "清欠管理系统" in title_of(html), path
        assert not any(t in html for t in FOREIGN_TITLES), path
        menu = html[html.index('class="vf-page__menu-secondary"'):]
        assert 'action="/i18n/setlang/"' in menu and 'value="en"' in menu, path
    html = client.get("/plan_approvals/", follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Qingqian Debt Clearing" in title_of(html)


def test_the_switch_returns_to_the_same_page_in_the_other_language(client, people):
    client.force_login(people["handler"])
    page = reverse("debts:index") + "?state=overdue"
    html = client.get(page).content.decode()
    assert f'name="next" value="{page}"' in html
    response = client.post(reverse("set_language"), {"language": "en", "next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert "Debt ledger" in client.get(page).content.decode()


# --- error pages ----------------------------------------------------------------------------------

@override_settings(DEBUG=False)
def test_404_page_is_branded_with_a_way_back(client, people):
    client.force_login(people["handler"])
    for lang, title, home in (("zh-hans", "404 页面不存在 - 清欠管理系统", "返回首页"),
                              ("en", "404 Page not found - Qingqian Debt Clearing", "Home page")):
        response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=lang)
        html = response.content.decode()
        assert response.status_code == 404
        assert title_of(html) == title
        assert re.search(rf'<a href="/"[^>]*>{home}</a>', html)
        assert "data-qq-back" in html
    assert not CJK.search(text_of(html))


@override_settings(DEBUG=False)
def test_403_page_says_why_and_offers_a_way_back(client, people):
    client.force_login(people["handler"])  # a handler may not open the audit pages
    response = client.get(reverse("archive:integrity"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 403
    html = response.content.decode()
    assert title_of(html) == "403 无权访问 - 清欠管理系统"
    assert '<a href="/"' in html and "返回首页" in html and "以其他用户登录" in html
    assert "Access Forbidden" not in html and "have no rights" not in html


def test_500_page_renders_without_a_request(db):
    with translation.override("zh-hans"):
        html = server_error(RequestFactory().get("/")).content.decode()
    assert "系统错误" in html and '<a href="/"' in html and "清欠管理系统" in html
    assert "There's been an error" not in html


# --- account pages in the product's look ---------------------------------------------------------

def test_password_change_and_profile_are_material_pages(client, people):
    client.force_login(people["handler"])
    html = client.get(reverse("password_change")).content.decode()
    assert title_of(html) == "密码修改 - 清欠管理系统"
    assert "vf-form" in html and "Django 管理" not in html and "site-name" not in html
    profile = client.get(reverse("profile")).content.decode()
    body = text_of(profile)
    assert "第一分公司" in body and "清欠专员/经办人" in body  # unit and role, named
    assert "True" not in body and "False" not in body
    en = text_of(client.get(reverse("profile"), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "Change password" in en and "Profile" in en
