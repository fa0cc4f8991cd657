import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from collection.exceptions import CollectionError
from collection.letters import generate_letter, record_receipt, record_signed_confirmation
from collection.models import Contact, ContactKind, LetterKind
from collection.visits import record_visit
from documents.catalogue import DocType
from documents.services import open_document
from tests.approvals.helpers import pdf
from workflows.limitation import refresh_debt_clock
from workflows.models import LimitationEvent

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def _text(document):
    with open_document(document) as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return "".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("kind,doc_type,heading", [
    (LetterKind.DEMAND, DocType.DEMAND_LETTER, "催款函"),
    (LetterKind.BALANCE_CONFIRMATION, DocType.BALANCE_CONFIRMATION, "对账确认函"),
])
def test_letter_pdf_carries_the_debtors_chinese_name_in_its_text_layer(overdue, people, kind, doc_type, heading):
    letter = generate_letter(overdue, kind, by=people["handler"])
    doc = letter.document
    assert doc.doc_type == doc_type and doc.system_generated and doc.mime_type == "application/pdf"
    text = _text(doc)
    assert "广州恒基建材有限公司" in text
    assert "120,000.00" in text and "壹拾贰万元整" in text.replace("\n", "") and overdue.contract.number in text
    assert heading in text.replace(" ", "")  # the title is letter-spaced
    assert letter.amount == overdue.balance
    assert Contact.objects.filter(debt=overdue, kind=ContactKind.LETTER, documents=doc).exists()


def test_lawyer_letter_only_by_legal_team(overdue, people):
    with pytest.raises(CollectionError, match="律师函"):
        generate_letter(overdue, LetterKind.LAWYER, by=people["handler"])
    letter = generate_letter(overdue, LetterKind.LAWYER, by=people["legal"])
    assert "广州恒基建材有限公司" in _text(letter.document)
    with pytest.raises(PermissionDenied):
        generate_letter(overdue, LetterKind.DEMAND, by=people["auditor"])


def test_receipt_moves_the_limitation_deadline(overdue, people):
    before = refresh_debt_clock(overdue).limitation_deadline
    assert before == date(2028, 3, 31)
    letter = generate_letter(overdue, LetterKind.DEMAND, by=people["handler"])
    today = timezone.localdate()
    receipt = SimpleUploadedFile("receipt.pdf", pdf("r").read(), content_type="application/pdf")
    record_receipt(letter, by=people["handler"], tracking_no="EMS1234567890CN", receipt_date=today, file=receipt)
    letter.refresh_from_db()
    assert letter.receipt_tracking_no == "EMS1234567890CN" and letter.proof.doc_type == DocType.DELIVERY_RECEIPT
    event = LimitationEvent.objects.get(debt=overdue)
    assert event.kind == "demand_letter_receipt" and event.date == today
    overdue.clock.refresh_from_db()
    assert overdue.clock.limitation_deadline == today.replace(year=today.year + 3) != before
    with pytest.raises(CollectionError, match="不能重复"):
        record_receipt(letter, by=people["handler"], tracking_no="X", receipt_date=today)


def test_signed_confirmation_moves_the_limitation_deadline(overdue, people):
    letter = generate_letter(overdue, LetterKind.BALANCE_CONFIRMATION, by=people["handler"])
    today = timezone.localdate()
    with pytest.raises(CollectionError, match="签认"):
        record_receipt(letter, by=people["handler"], tracking_no="X", receipt_date=today)
    with pytest.raises(CollectionError, match="日期"):
        record_signed_confirmation(letter, by=people["handler"], signed_date=today + timedelta(days=1))
    record_signed_confirmation(letter, by=people["handler"], signed_date=today)
    assert LimitationEvent.objects.get(debt=overdue).kind == "balance_confirmation"
    overdue.clock.refresh_from_db()
    assert overdue.clock.last_event_on == today


def test_visit_needs_an_approved_visit_plan(overdue, people):
    with pytest.raises(CollectionError, match="上门催收计划"):
        record_visit(overdue, by=people["handler"], visited_on=timezone.localdate(), business_operating=True,
                     met_whom="财务经理", next_step="下周再访")


def test_visit_report_with_photo(visiting, people):
    photo = SimpleUploadedFile("site.png", PNG, content_type="image/png")
    report = record_visit(visiting, by=people["handler"], visited_on=timezone.localdate(), business_operating=False,
                          met_whom="法定代表人王强", assets_seen="厂房已停工，设备尚在", next_step="申请诉讼",
                          photos=[photo], signed_record=pdf("visit-record.pdf"))
    assert report.contact.kind == ContactKind.VISIT
    assert report.signed_record.doc_type == DocType.VISIT_REPORT
    assert report.photos.get().doc_type == DocType.PHOTO
    with pytest.raises(CollectionError, match="接待人"):
        record_visit(visiting, by=people["handler"], visited_on=timezone.localdate(), business_operating=True,
                     met_whom="", next_step="x")
