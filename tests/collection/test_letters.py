"""Letters a company can send (issue 16 part 4, rule R9.13) and letter generation that a double
click cannot break (issue 19 item 8): the PDF text is read back with pypdf."""
import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from approvals.flows import OutsourcingFlow
from approvals.models import Chain, ChainProcess, Outcome
from collection import letters
from collection.exceptions import CollectionError
from collection.letters import chinese_date_upper, draft_letter, generate_letter, kinds_for
from collection.models import Agency, AgencyKind, Contact, Engagement, Letter, LetterKind, LetterSequence
from documents.models import Document
from documents.services import open_document
from tests import factories as f
from tests.collection.conftest import make_letterhead
from workflows import ledger
from workflows.models import EntryKind

pytestmark = pytest.mark.django_db


def text_of(letter_or_bytes):
    if isinstance(letter_or_bytes, bytes):
        data = letter_or_bytes
    else:
        with open_document(letter_or_bytes.document) as fh:
            data = fh.read()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return text.replace("\n", "")


def addressed_debt(unit, handler, amount="800.00"):
    return f.debt(unit, handler, amount=amount, debtor_obj=f.debtor(address="佛山市南海区桂城街道1号"))


def engage_law_firm(debt, people, name="广东正平律师事务所"):
    firm = Agency.objects.create(name=name, kind=AgencyKind.LAW_FIRM, contact="赵律师", phone="020-38880000",
                                 address="广州市天河区珠江新城华夏路8号", default_fee_percent=Decimal("5.00"),
                                 created_by=people["committee"])
    decision = ChainProcess.objects.create(flow_class=OutsourcingFlow, debt=debt, chain=Chain.OUTSOURCING,
                                           requested_by=people["handler"], outcome=Outcome.APPROVED, active=False)
    return Engagement.objects.create(debt=debt, agency=firm, decision=decision, fee_percent=Decimal("5.00"),
                                     start_date=timezone.localdate(), created_by=people["committee"])


def test_chinese_date_in_the_signature():
    assert chinese_date_upper(date(2026, 12, 2)) == "二〇二六年十二月二日"
    assert chinese_date_upper(date(2030, 10, 31)) == "二〇三〇年十月三十一日"
    assert chinese_date_upper(date(2027, 1, 20)) == "二〇二七年一月二十日"


def test_demand_letter_carries_letterhead_account_number_recipient_and_signature(overdue, people, letterhead):
    letter = generate_letter(overdue, LetterKind.DEMAND, by=people["handler"])
    text = text_of(letter)
    year = timezone.localdate().year
    assert letter.number == f"一工清〔{year}〕1号" and letter.number in text
    # letterhead: name, address, contact person, telephone
    for part in ("第一工程有限公司", "广州市越秀区东风中路100号", "王清欠", "020-83001234"):
        assert part in text, part
    # the creditor's account the debtor pays into
    assert "支付至我方以下账户" in text
    for part in ("中国工商银行广州东风路支行", "3602000109200012345"):
        assert part in text, part
    # 致 / 收件人
    assert "致：广州恒基建材有限公司" in text and "收件人：李明" in text and "广州市天河区体育西路1号" in text
    # 落款: the sender, the date in Chinese and the room for the seal
    assert chinese_date_upper(timezone.localdate()) in text and "盖章" in text
    assert "预览" not in text
    assert (letter.unit, letter.year, letter.seq) == (letterhead.unit, year, 1)
    assert letter.recipient == "广州恒基建材有限公司" and letter.attention == "李明"


def test_the_letter_is_chinese_whatever_the_users_language(overdue, people):
    with translation.override("en"):
        letter = generate_letter(overdue, LetterKind.LEGAL_NOTICE, by=people["legal"])
    text = text_of(letter)
    assert "法务催告函" in text.replace(" ", "") and "Legal notice" not in text
    assert letter.document.title.startswith("法务催告函")


def test_numbers_run_per_unit_per_year(org, people, overdue, letterhead):
    year = timezone.localdate().year
    LetterSequence.objects.create(unit=letterhead.unit, year=year - 1, last=41)  # last year's letters
    first = generate_letter(overdue, LetterKind.DEMAND, by=people["handler"])
    second = generate_letter(overdue, LetterKind.BALANCE_CONFIRMATION, by=people["handler"])
    make_letterhead(org["b"], name="第二工程有限公司", doc_code="二工清")
    other = addressed_debt(org["b"], people["handler_b"], "500.00")
    third = generate_letter(other, LetterKind.DEMAND, by=people["handler_b"])
    assert [first.seq, second.seq, third.seq] == [1, 2, 1]
    assert third.number == f"二工清〔{year}〕1号" and "第二工程有限公司" in text_of(third)
    assert LetterSequence.objects.get(unit=letterhead.unit, year=year - 1).last == 41


def test_a_branch_without_letterhead_writes_as_its_company_and_none_refuses(org, people, letterhead):
    branch_debt = addressed_debt(org["a1"], people["handler"], "800.00")
    letter = generate_letter(branch_debt, LetterKind.DEMAND, by=people["handler"])
    assert letter.unit == org["a"] and "第一工程有限公司" in text_of(letter)
    orphan = addressed_debt(org["b"], people["handler_b"], "800.00")
    with pytest.raises(CollectionError, match="尚未维护函件抬头"):
        generate_letter(orphan, LetterKind.DEMAND, by=people["handler_b"])
    assert not Letter.objects.filter(debt=orphan).exists()


def test_lawyer_letter_only_while_a_law_firm_is_engaged(overdue, people):
    with pytest.raises(CollectionError, match=r"未委托律师事务所.*法务催告函"):
        generate_letter(overdue, LetterKind.LAWYER, by=people["legal"])
    offered = {k: why for k, _label, why in kinds_for(people["legal"], overdue)}
    assert "法务催告函" in offered[LetterKind.LAWYER] and offered[LetterKind.LEGAL_NOTICE] == ""
    notice = generate_letter(overdue, LetterKind.LEGAL_NOTICE, by=people["legal"])
    text = text_of(notice)
    assert "法务催告函" in text.replace(" ", "") and "委托" not in text and "法务部受" not in text
    assert "3602000109200012345" in text  # it asks for payment: the account is named

    engage_law_firm(overdue, people)
    lawyer = generate_letter(overdue, LetterKind.LAWYER, by=people["legal"])
    text = text_of(lawyer)
    assert "广东正平律师事务所受第一工程有限公司" in text and "法务部受" not in text
    assert "赵律师" in text and "广州市天河区珠江新城华夏路8号" in text
    assert "支付至委托人以下账户" in text and "3602000109200012345" in text
    assert lawyer.document.doc_type == "lawyer_letter"


def test_handlers_get_neither_lawyer_nor_legal_notice(overdue, people):
    kinds = [k for k, _label, _why in kinds_for(people["handler"], overdue)]
    assert kinds == [LetterKind.DEMAND, LetterKind.BALANCE_CONFIRMATION]
    with pytest.raises(CollectionError, match="法务催告函只能由法务部出具"):
        generate_letter(overdue, LetterKind.LEGAL_NOTICE, by=people["handler"])


def test_the_preview_writes_nothing_and_the_archive_is_what_was_previewed(overdue, people):
    c = Client()
    c.force_login(people["handler"])
    query = {"kind": "demand", "attention": "财务部 李明", "address": "广州市天河区体育西路1号A座"}
    page = c.get(reverse("collect:letter_preview", kwargs={"debt_id": overdue.pk}), query)
    html = page.content.decode()
    number = f"一工清〔{timezone.localdate().year}〕1号"
    assert page.status_code == 200 and number in html and "3602000109200012345" in html
    sheet = c.get(reverse("collection:letter_sheet", kwargs={"debt_id": overdue.pk}), query)
    assert "预览 · 未存档" in sheet.content.decode() and sheet["X-Frame-Options"] == "SAMEORIGIN"
    preview_pdf = c.get(reverse("collection:letter_preview_pdf", kwargs={"debt_id": overdue.pk}), query)
    assert preview_pdf["Content-Type"] == "application/pdf"
    assert "预览" in text_of(preview_pdf.content) and "财务部 李明" in text_of(preview_pdf.content)
    assert not Letter.objects.exists() and not Document.objects.exists() and not LetterSequence.objects.exists()

    # Posting without the preview is refused.
    url = reverse("collection:letter", kwargs={"debt_id": overdue.pk})
    r = c.post(url, {"kind": "demand"}, follow=True)
    assert "请先预览函件" in r.content.decode() and not Letter.objects.exists()

    draft = draft_letter(overdue, "demand", by=people["handler"], attention=query["attention"],
                         address=query["address"])
    token = "0b0e8a7e-3c8f-4c4e-9a55-0c7c4b1e2f10"
    confirm = {**query, "fingerprint": draft.fingerprint, "preview_token": token}
    r = c.post(url, confirm, follow=True)
    letter = Letter.objects.get()
    assert f"函件 {number} 已生成并存入案卷" in r.content.decode()
    assert letter.attention == "财务部 李明" and "财务部 李明" in text_of(letter) and "预览" not in text_of(letter)
    # The same preview confirmed again (a double click) archives nothing more.
    r = c.post(url, confirm, follow=True)
    assert Letter.objects.count() == 1 and "未重复生成" in r.content.decode()


def test_a_preview_that_no_longer_matches_is_refused(overdue, people):
    draft = draft_letter(overdue, "demand", by=people["handler"])
    ledger.post_entry(overdue.pk, EntryKind.PAYMENT, Decimal("20000.00"), timezone.localdate(), by=people["handler"],
                      reference="BANK-1")
    overdue.refresh_from_db()
    with pytest.raises(CollectionError, match="预览之后函件内容已变化"):
        generate_letter(overdue, "demand", by=people["handler"], fingerprint=draft.fingerprint)
    assert not Letter.objects.exists()


def test_preview_page_names_what_is_missing(org, people):
    orphan = addressed_debt(org["b"], people["handler_b"], "800.00")
    c = Client()
    c.force_login(people["handler_b"])
    page = c.get(reverse("collect:letter_preview", kwargs={"debt_id": orphan.pk}), {"kind": "demand"})
    assert "尚未维护函件抬头" in page.content.decode() and "letter-confirm" not in page.content.decode()
    lawyer = c.get(reverse("collect:letter_preview", kwargs={"debt_id": orphan.pk}), {"kind": "lawyer"})
    assert "律师函只能由法务部出具" in lawyer.content.decode()
    auditor = Client()
    auditor.force_login(people["auditor"])
    assert auditor.get(reverse("collect:letter_preview", kwargs={"debt_id": orphan.pk}),
                       {"kind": "demand"}).status_code == 403  # the auditor reads, never writes


def test_another_letter_taking_the_predicted_number_retypesets(overdue, people, monkeypatch):
    """A second request archives its letter while the first is being typeset: the first is
    typeset again with the next number, and each PDF carries its own number."""
    real = letters.render_pdf
    calls = []

    def racing_render(draft, number, **kw):
        calls.append(number)
        if len(calls) == 1:
            monkeypatch.setattr(letters, "render_pdf", real)
            generate_letter(overdue, LetterKind.BALANCE_CONFIRMATION, by=people["handler"])
            monkeypatch.setattr(letters, "render_pdf", racing_render)
        return real(draft, number, **kw)

    monkeypatch.setattr(letters, "render_pdf", racing_render)
    first = generate_letter(overdue, LetterKind.DEMAND, by=people["handler"])
    year = timezone.localdate().year
    assert calls == [f"一工清〔{year}〕1号", f"一工清〔{year}〕2号"]
    other = Letter.objects.exclude(pk=first.pk).get()
    assert (other.seq, first.seq) == (1, 2)
    assert first.number in text_of(first) and other.number in text_of(other)
    assert Contact.objects.filter(kind="letter").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_pdf_is_typeset_outside_the_write_transaction(org, people, letterhead, monkeypatch):
    """Issue 19 item 8: SQLite has one writer; a second of typesetting inside the transaction
    made a double click wait and fail."""
    debt = addressed_debt(org["a"], people["handler"], "3000.00")
    real = letters.render_pdf
    seen = []

    def watching(draft, number, **kw):
        seen.append(connection.in_atomic_block)
        return real(draft, number, **kw)

    monkeypatch.setattr(letters, "render_pdf", watching)
    letter = generate_letter(debt, LetterKind.DEMAND, by=people["handler"])
    assert seen == [False] and letter.seq == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_letters_get_distinct_numbers(on_postgres, org, people, letterhead):
    debt = addressed_debt(org["a"], people["handler"], "3000.00")
    results, errors = [], []
    start = threading.Barrier(3)

    def issue():
        try:
            start.wait()
            results.append(generate_letter(debt, LetterKind.DEMAND, by=people["handler"]).seq)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(results) == [1, 2, 3]
    assert LetterSequence.objects.get(unit=letterhead.unit).last == 3
