import io
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from collection.exceptions import CollectionError
from collection.letters import generate_letter, record_receipt, record_signed_confirmation
from collection.models import Contact, ContactKind, DeliveryProof, LetterKind, VisitReport
from collection.visits import record_visit
from documents.catalogue import DocType
from documents.services import open_document
from tests.approvals.helpers import pdf
from workflows.limitation import deadline, refresh_debt_clock
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
    with pytest.raises(CollectionError, match="律师函只能由法务部出具"):
        generate_letter(overdue, LetterKind.LAWYER, by=people["handler"])
    letter = generate_letter(overdue, LetterKind.LEGAL_NOTICE, by=people["legal"])
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
    assert letter.proof_kind == DeliveryProof.RECEIPT
    event = LimitationEvent.objects.get(debt=overdue)
    assert event.kind == "demand_letter_receipt" and event.date == today
    overdue.clock.refresh_from_db()
    # three years on, rolled past a statutory holiday or weekend (民法典 第二百零三条)
    assert overdue.clock.limitation_deadline == deadline(today, 3) != before
    with pytest.raises(CollectionError, match="不能重复"):
        record_receipt(letter, by=people["handler"], tracking_no="X", receipt_date=today, file=pdf("again.pdf"))


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


def _visit(debt, by, **kw):
    fields = dict(visited_on=timezone.localdate(), business_operating=True, met_whom="财务经理张伟",
                  next_step="月底前付款五万元", assets_seen="")
    fields.update(kw)
    return record_visit(debt, by=by, **fields)


def test_visit_needs_the_signed_record_or_a_reason(visiting, people):
    with pytest.raises(CollectionError, match="债务人签字的走访记录：请上传"):
        _visit(visiting, people["handler"], no_signature_reason="   ")
    assert not VisitReport.objects.exists() and not Contact.objects.exists()
    unsigned = _visit(visiting, people["handler"], no_signature_reason="对方财务经理拒绝签字")
    assert unsigned.signed_record is None and unsigned.no_signature_reason == "对方财务经理拒绝签字"
    signed = _visit(visiting, people["handler"], next_step="下周再访", signed_record=pdf("signed.pdf"),
                    no_signature_reason="ignored")
    assert signed.signed_record.doc_type == DocType.VISIT_REPORT and signed.no_signature_reason == ""


def test_the_database_refuses_a_visit_report_without_signature_or_reason(visiting, people):
    report = _visit(visiting, people["handler"], no_signature_reason="法定代表人不在场")
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitReport.objects.filter(pk=report.pk).update(no_signature_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        VisitReport.objects.create(debt=visiting, contact=Contact.objects.create(
            debt=visiting, kind=ContactKind.VISIT, at=timezone.now(), outcome="x", by=people["handler"]),
            visited_on=report.visited_on, business_operating=True, met_whom="x", next_step="x",
            by=people["handler"], no_signature_reason="y", fingerprint=report.fingerprint)


def test_a_second_identical_visit_report_is_refused(visiting, people):
    first = _visit(visiting, people["handler"], no_signature_reason="对方拒绝签字")
    with pytest.raises(CollectionError, match=r"相同内容的走访报告已由.*登记"):
        # the same report again, by whoever submits it, with stray whitespace
        _visit(visiting, people["committee"], met_whom=" 财务经理张伟 ", no_signature_reason="对方拒绝签字 ")
    assert VisitReport.objects.count() == 1 and Contact.objects.filter(kind=ContactKind.VISIT).count() == 1
    second = _visit(visiting, people["handler"], next_step="起诉", no_signature_reason="对方拒绝签字")
    assert second.pk != first.pk and VisitReport.objects.count() == 2


def test_a_tracking_number_alone_does_not_interrupt_the_limitation_period(overdue, people):
    letter = generate_letter(overdue, LetterKind.DEMAND, by=people["handler"])
    deadline = refresh_debt_clock(overdue).limitation_deadline
    today = timezone.localdate()
    with pytest.raises(CollectionError, match=r"回执扫描件：须上传.*只有快递单号不能证明送达"):
        record_receipt(letter, by=people["handler"], tracking_no="EMS1234567890CN", receipt_date=today)
    with pytest.raises(CollectionError, match="存证编号：登记存证记录时必须填写"):
        record_receipt(letter, by=people["handler"], receipt_date=today, proof_kind=DeliveryProof.EVIDENCE,
                       file=pdf("cert.pdf"))
    with pytest.raises(CollectionError, match="存证记录：须上传"):
        record_receipt(letter, by=people["handler"], receipt_date=today, proof_kind=DeliveryProof.EVIDENCE,
                       evidence_no="CZ-2026-000123")
    letter.refresh_from_db()
    assert letter.proof_recorded_at is None and not LimitationEvent.objects.filter(debt=overdue).exists()
    assert refresh_debt_clock(overdue).limitation_deadline == deadline


def test_a_cunzheng_record_interrupts_the_limitation_period(overdue, people):
    letter = generate_letter(overdue, LetterKind.DEMAND, by=people["handler"])
    today = timezone.localdate()
    record_receipt(letter, by=people["handler"], receipt_date=today, proof_kind=DeliveryProof.EVIDENCE,
                   evidence_no="CZ-2026-000123", file=pdf("存证证书.pdf"))
    letter.refresh_from_db()
    assert letter.proof_kind == DeliveryProof.EVIDENCE and letter.evidence_no == "CZ-2026-000123"
    assert letter.proof.doc_type == DocType.POSTAL_EVIDENCE_LETTER and "CZ-2026-000123" in letter.proof.title
    assert LimitationEvent.objects.get(debt=overdue).date == today
