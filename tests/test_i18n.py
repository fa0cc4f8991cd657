"""English catalogue (locale/en): pages and field-named errors follow the user's language, the
catalogue is complete with the placeholders of every msgid, and the committed .mo matches the .po."""
import ast
import gettext
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from collection.contacts import log_contact
from collection.exceptions import CollectionError
from collection.models import ContactKind
from documents.forms import SearchForm
from tests import factories as f

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"%\([^)]+\)[sdif]|%[sdif%]|\{[A-Za-z_][A-Za-z0-9_]*\}")


@pytest.fixture(autouse=True)
def restore_language():
    """LocaleMiddleware and override() leave the thread's language behind; put it back."""
    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate()


# --- a tiny .po parser -----------------------------------------------------------------------

def _unquote(text):
    return ast.literal_eval(text)


def parse_po(path):
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr (index -> text), flags, obsolete."""
    entries, entry, key = [], None, None

    def start():
        entries.append({"flags": set(), "msgstr": {}, "obsolete": False})
        return entries[-1]

    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        elif line.startswith("#"):
            if entry is None or entry["msgstr"]:  # a comment after a msgstr opens the next entry
                entry = start()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            continue
        if line.startswith('"'):
            name, index = key
            if index is None:
                entry[name] += _unquote(line)
            else:
                entry["msgstr"][index] += _unquote(line)
            continue
        word, _space, rest = line.partition(" ")
        if word in ("msgctxt", "msgid") and (entry is None or entry["msgstr"]):
            entry = start()
        entry["obsolete"] = entry["obsolete"] or obsolete
        plural = re.fullmatch(r"msgstr\[(\d+)\]", word)
        if plural or word == "msgstr":
            key = ("msgstr", int(plural.group(1)) if plural else 0)
            entry["msgstr"][key[1]] = _unquote(rest)
        elif word in ("msgctxt", "msgid", "msgid_plural"):
            key = (word, None)
            entry[word] = _unquote(rest)
        else:
            raise AssertionError(f"unexpected line in {path}: {raw!r}")
    return [e for e in entries if "msgid" in e]


def catalogue():
    return [e for e in parse_po(PO_PATH) if not e["obsolete"]]


def messages():
    """The translatable entries (the header, msgid "", left out)."""
    return [e for e in catalogue() if e["msgid"]]


def text_of(html):
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def chrome(html):
    """The parts of the shell we check: page title, headings and the navigation drawer. An
    element that declares its own language (the language switch names each language in
    itself: <button lang="zh-hans">简体中文</button>) is not the page's language."""
    html = re.sub(r'<(?!html\b)(\w+)\b[^>]*\slang="[^"]+"[^>]*>.*?</\1>', " ", html, flags=re.S)
    parts = re.findall(r"<title>(.*?)</title>", html, re.S)
    parts += re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", html, re.S)
    parts += re.findall(r'<nav class="mdc-drawer__content">(.*?)</nav>', html, re.S)
    return [text_of(p) for p in parts]


# --- (a) pages ----------------------------------------------------------------------------------

@pytest.fixture
def debt(org, people):
    return f.debt(org["a"], people["handler"], due=timezone.localdate() - timedelta(days=3),
                  debtor_obj=f.debtor("华东建材有限公司"))


@pytest.fixture
def handler_client(client, people):
    client.force_login(people["handler"])
    return client


def test_pages_in_english_for_an_english_browser(handler_client, debt):
    listing = handler_client.get(reverse("debts:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert listing["Content-Language"] == "en" and '<html lang="en"' in html
    assert re.search(r"<title>\s*Debts - Qingqian Debt Clearing\s*</title>", html)
    assert "Debt ledger" in chrome(html)
    assert "Debts" in chrome(html)
    nav = chrome(html)[-1]
    for label in ("Warnings", "Approvals", "Clearing archive", "Collection and litigation"):
        assert label in nav
    body = text_of(html)
    for label in ("Days overdue", "Debt balance (CNY)", "Written off (claim retained)", "1 debt"):
        assert label in body
    assert debt.debtor.name in body  # data stays as entered
    for part in chrome(html):
        assert not CJK.search(part), part

    detail = handler_client.get(reverse("debts:detail", kwargs={"pk": debt.pk}), HTTP_ACCEPT_LANGUAGE="en")
    html = detail.content.decode()
    assert detail.status_code == 200
    body = text_of(html)
    for label in ("Back to the debt list", "Responsible person", "3 days overdue", "Available actions",
                  "Add ledger entry", "State change record", "No state changes yet"):
        assert label in body
    for part in chrome(html):
        assert not CJK.search(part), part

    inbox = handler_client.get("/approvals/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    html = inbox.content.decode()
    assert inbox.status_code == 200
    assert "Approval inbox" in chrome(html)
    for part in chrome(html):
        assert not CJK.search(part), part


def test_pages_in_chinese_by_default_and_for_a_chinese_browser(handler_client, debt):
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}, {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}):
        response = handler_client.get(reverse("debts:index"), **headers)
        html = response.content.decode()
        assert response["Content-Language"] == "zh-hans" and '<html lang="zh-hans"' in html
        assert re.search(r"<title>\s*债权列表 - 清欠管理系统\s*</title>", html), headers
        assert "清欠台账" in chrome(html)
        body = text_of(html)
        assert "逾期天数" in body and "债权余额(元)" in body
        assert "Debt balance" not in body and "Warnings" not in body

    detail = handler_client.get(reverse("debts:detail", kwargs={"pk": debt.pk}))
    body = text_of(detail.content.decode())
    assert "返回债权列表" in body and "逾期 3 天" in body and "Back to the debt list" not in body


def test_language_switch_sets_the_cookie(handler_client, debt):
    switched = handler_client.post(reverse("set_language"), {"language": "en", "next": reverse("debts:index")})
    assert switched.status_code == 302
    assert handler_client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = handler_client.get(reverse("debts:index")).content.decode()  # no Accept-Language: the cookie decides
    assert "Debt ledger" in chrome(html) and "清欠台账" not in chrome(html)

    handler_client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("debts:index")})
    html = handler_client.get(reverse("debts:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "清欠台账" in chrome(html)  # the chosen language beats the browser's


# --- (b) field-named errors ------------------------------------------------------------------

def contact_error(debt, by, **kwargs):
    with pytest.raises(CollectionError) as caught:
        log_contact(debt, ContactKind.PHONE, kwargs.pop("outcome", "电话未接通"), by=by, **kwargs)
    return caught.value.message


def test_service_errors_name_the_field_in_the_active_language(debt, people):
    handler = people["handler"]
    with translation.override("en"):
        assert contact_error(debt, handler, outcome=" ") == "Outcome: the contact outcome is required"
        assert contact_error(debt, handler, promise_amount="0", promise_date=timezone.localdate()) == \
            "Promised amount: must be greater than zero"
    with translation.override("zh-hans"):
        assert contact_error(debt, handler, outcome=" ") == "结果：必须填写联系结果"
        assert contact_error(debt, handler, promise_amount="0", promise_date=timezone.localdate()) == \
            "承诺还款金额：必须大于零"


def test_form_errors_name_the_field_in_the_active_language():
    data = {"date_from": "2026-13-45", "date_to": ""}
    with translation.override("en"):
        form = SearchForm(data)
        assert not form.is_valid()
        assert form.errors["date_from"] == ["Uploaded from: enter a valid date (YYYY-MM-DD)"]
        assert str(form["date_from"].label) == "Uploaded from"
    with translation.override("zh-hans"):
        form = SearchForm(data)
        assert not form.is_valid()
        assert form.errors["date_from"] == ["上传日期自：请输入有效日期（年-月-日）"]


# --- (c) the catalogue is complete -------------------------------------------------------------

def test_catalogue_header():
    header = [e for e in catalogue() if not e["msgid"]]
    assert len(header) == 1
    assert "fuzzy" not in header[0]["flags"]
    meta = header[0]["msgstr"][0]
    assert "Language: en\n" in meta
    assert "Project-Id-Version: Qingqian" in meta
    assert "charset=UTF-8" in meta
    assert "nplurals=2; plural=(n != 1);" in meta


def test_every_message_is_translated_with_its_placeholders():
    entries = messages()
    assert len(entries) > 1000
    assert not [e for e in parse_po(PO_PATH) if e["obsolete"]], "obsolete (#~) entries left in the catalogue"
    problems = []
    for e in entries:
        if "fuzzy" in e["flags"]:
            problems.append(f"fuzzy: {e['msgid']}")
        if e.get("msgid_plural") is not None:
            forms = [(e["msgid"], e["msgstr"].get(0, "")), (e["msgid_plural"], e["msgstr"].get(1, ""))]
        else:
            forms = [(e["msgid"], e["msgstr"].get(0, ""))]
        for source, target in forms:
            if not target.strip():
                problems.append(f"untranslated: {source}")
                continue
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
                problems.append(f"placeholders differ: {source!r} -> {target!r}")
            if re.findall(r"</?[a-zA-Z][^>]*>", source) != re.findall(r"</?[a-zA-Z][^>]*>", target):
                problems.append(f"HTML tags differ: {source!r} -> {target!r}")
            if CJK.search(target):
                problems.append(f"Chinese left in the English text: {target!r}")
    assert not problems, "\n".join(problems)


def test_python_format_messages_format():
    """A python-format message must take the same mapping as its msgid, or Django raises at run time."""
    for e in messages():
        if "python-format" not in e["flags"]:
            continue
        mapping = dict.fromkeys(re.findall(r"%\(([^)]+)\)", e["msgid"]), 1)
        for target in e["msgstr"].values():
            target % mapping  # a %% alone formats with any mapping


# --- (d) the committed .mo is the compiled .po ----------------------------------------------------

def test_compiled_catalogue_matches_the_po():
    assert MO_PATH.exists(), "compile with: manage.py compilemessages -l en --ignore=.venv"
    with MO_PATH.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)._catalog
    expected = {}
    for e in catalogue():
        key = e["msgid"] if e.get("msgctxt") is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e.get("msgid_plural") is not None:
            for index, text in e["msgstr"].items():
                expected[(key, index)] = text
        else:
            expected[key] = e["msgstr"][0]
    # GNUTranslations keys plural forms as (msgid, index); compare everything but the header.
    compiled = {k: v for k, v in compiled.items() if k not in ("", ("", 0))}
    expected = {k: v for k, v in expected.items() if k not in ("", ("", 0))}
    missing = sorted(str(k) for k in expected.keys() - compiled.keys())
    stale = sorted(str(k) for k in compiled.keys() - expected.keys())
    changed = sorted(str(k) for k in expected.keys() & compiled.keys() if expected[k] != compiled[k])
    assert not (missing or stale or changed), (
        "django.mo is out of date with django.po; run manage.py compilemessages -l en --ignore=.venv\n"
        f"missing: {missing[:5]}\nstale: {stale[:5]}\nchanged: {changed[:5]}")


def test_django_uses_the_committed_catalogue():
    with translation.override("en"):
        assert translation.gettext("清欠管理系统") == "Qingqian Debt Clearing"
        assert translation.ngettext("共 %(counter)s 笔债权", "共 %(counter)s 笔债权", 2) % {"counter": 2} == "2 debts"
        assert translation.ngettext("共 %(counter)s 笔债权", "共 %(counter)s 笔债权", 1) % {"counter": 1} == "1 debt"
    with translation.override("zh-hans"):
        assert translation.gettext("清欠管理系统") == "清欠管理系统"
