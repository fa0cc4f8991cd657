"""Letters (催款函, 对账确认函, 律师函) generated server-side as PDF and kept in the case file
as system-generated documents. Their delivery receipt (回执) or the debtor's signed
confirmation interrupts the limitation period (rules R5.11, R5.12; the letters: R9.5, R9.6)."""
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from documents.exceptions import UploadRefused
from documents.services import attach
from workflows.exceptions import LimitationError
from workflows.limitation import record_interruption
from workflows.models import Debt, LimitationEventKind, User

from .contacts import attach_all, check_debt_open, log_contact
from .exceptions import CollectionError
from .models import AgencyKind, ContactKind, DeliveryProof, Engagement, Letter, LetterKind
from .permissions import Act, is_legal, require

DOC_TYPE = {
    LetterKind.DEMAND: DocType.DEMAND_LETTER,
    LetterKind.BALANCE_CONFIRMATION: DocType.BALANCE_CONFIRMATION,
    LetterKind.LAWYER: DocType.LAWYER_LETTER,
}
PREFIX = {LetterKind.DEMAND: "CK", LetterKind.BALANCE_CONFIRMATION: "DZ", LetterKind.LAWYER: "LS"}


def rmb_upper(amount: Decimal) -> str:
    """人民币大写, as letters and receipts write amounts (壹拾贰万元整)."""
    # Not a project module and no cycle: imported on first use because it takes about 0.5 s
    # (python -X importtime), which every web process and test run would pay at start-up.
    import cn2an

    return cn2an.an2cn(f"{amount:.2f}", "rmb")


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _sender(debt, kind):
    if kind == LetterKind.LAWYER:
        engagement = (Engagement.objects.filter(debt=debt, agency__kind=AgencyKind.LAW_FIRM, end_date__isnull=True)
                      .select_related("agency").order_by("-start_date").first())
        return engagement.agency.name if engagement else _("%(unit)s法务部") % {"unit": debt.unit.name}
    return debt.unit.name


def render_pdf(debt: Debt, kind: str, number: str, *, today: date | None = None) -> bytes:
    """The letter as PDF bytes. Typeset with Noto CJK so the text layer holds real characters."""
    # Not a project module and no cycle: about 1.9 s to import (python -X importtime), and
    # only letters need it.
    import weasyprint

    today = today or timezone.localdate()
    html = render_to_string("collection/letter.html", {
        "debt": debt, "debtor": debt.debtor, "kind": kind, "kind_label": LetterKind(kind).label,
        "number": number, "sender": _sender(debt, kind), "today": chinese_date(today),
        "due": chinese_date(debt.due_date), "balance_text": f"{debt.balance:,.2f}",
        "balance_upper": rmb_upper(debt.balance),
    })
    return weasyprint.HTML(string=html).write_pdf()


def generate_letter(debt: Debt, kind: str, *, by: User, request: HttpRequest | None = None) -> Letter:
    require(by, Act.WORK)
    if kind not in LetterKind.values:
        raise CollectionError(_("函件类型：未知的类型“%(kind)s”") % {"kind": kind})
    if kind == LetterKind.LAWYER and not is_legal(by):
        raise CollectionError(_("函件类型：律师函只能由法务部出具"))
    check_debt_open(debt)
    with transaction.atomic():
        locked = Debt.objects.select_for_update().select_related("debtor", "contract", "unit").get(pk=debt.pk)
        if locked.balance <= 0:
            raise CollectionError(_("函件：债权 %(code)s 余额为零，无需发函") % {"code": locked.code})
        seq = Letter.objects.filter(debt=locked).count() + 1
        number = f"{PREFIX[kind]}-{locked.code}-{seq:03d}"
        pdf = render_pdf(locked, kind, number)
        label = LetterKind(kind).label
        upload = SimpleUploadedFile(f"{number}.pdf", pdf, content_type="application/pdf")
        try:
            document = attach(locked, DOC_TYPE[kind], upload, by, title=f"{label} {number}", request=request,
                              system_generated=True)
        except UploadRefused as exc:
            raise CollectionError(_("函件：%(msg)s") % {"msg": exc.message}) from None
        letter = Letter.objects.create(debt=locked, kind=kind, number=number, amount=locked.balance,
                                       document=document, created_by=by)
        contact = log_contact(locked, ContactKind.LETTER, _("发出%(label)s %(number)s，金额 ¥%(amount)s")
                              % {"label": label, "number": number, "amount": locked.balance}, by=by)
        contact.documents.add(document)
    return letter


def _proof(letter, by, event_kind, day, file, doc_type, title, source, request):
    if letter.proof_recorded_at is not None:
        raise CollectionError(_("函件 %(number)s 的回执/签认已登记，不能重复登记") % {"number": letter.number})
    if day is None:
        raise CollectionError(_("日期：必须填写"))
    if day < timezone.localtime(letter.created_at).date():
        raise CollectionError(_("日期：不能早于发函日期"))
    try:
        record_interruption(letter.debt, event_kind, day, by=by, source=source)
    except LimitationError as exc:
        raise CollectionError(str(exc)) from None
    docs = attach_all(letter.debt, doc_type, [file] if file else [], by, title=title, request=request)
    letter.proof = docs[0] if docs else None
    letter.proof_recorded_by = by
    letter.proof_recorded_at = timezone.now()


def record_receipt(letter: Letter, *, by: User, receipt_date: date | None, file: UploadedFile | None = None,
                   proof_kind: str = DeliveryProof.RECEIPT, tracking_no: str = "", evidence_no: str = "",
                   request: HttpRequest | None = None) -> Letter:
    """送达: proof that a demand, lawyer's or legal notice letter reached the debtor. Only the
    receipt's scan or the 存证 record interrupts the limitation period, never a tracking number
    alone (rule R5.11)."""
    require(by, Act.WORK)
    if letter.kind == LetterKind.BALANCE_CONFIRMATION:
        raise CollectionError(_("对账确认函请登记债务人签认日期"))
    if proof_kind not in DeliveryProof.values:
        raise CollectionError(_("送达证明：请选择回执扫描件或存证记录"))
    tracking_no = (tracking_no or "").strip()
    evidence_no = (evidence_no or "").strip()
    if proof_kind == DeliveryProof.RECEIPT:
        if file is None:
            raise CollectionError(_("回执扫描件：须上传债务人签收的回执扫描件；只有快递单号不能证明送达"))
        doc_type = DocType.DELIVERY_RECEIPT
        title = _("回执 %(number)s") % {"number": letter.number}
    else:
        if not evidence_no:
            raise CollectionError(_("存证编号：登记存证记录时必须填写"))
        if file is None:
            raise CollectionError(_("存证记录：须上传存证机构出具的存证证明文件"))
        doc_type = DocType.POSTAL_EVIDENCE_LETTER
        title = _("存证记录 %(number)s（%(no)s）") % {"number": letter.number, "no": evidence_no}
    if tracking_no:
        title = f"{title} {tracking_no}"
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        _proof(letter, by, LimitationEventKind.DEMAND_LETTER_RECEIPT, receipt_date, file, doc_type, title[:200],
               f"collection:letter:{letter.pk}:receipt", request)
        letter.receipt_tracking_no = tracking_no
        letter.receipt_date = receipt_date
        letter.proof_kind = proof_kind
        letter.evidence_no = evidence_no
        letter.save()
    return letter


def record_signed_confirmation(letter: Letter, *, by: User, signed_date: date | None, file: UploadedFile | None = None,
                               request: HttpRequest | None = None) -> Letter:
    """The debtor signed the letter (对账确认/书面签认)."""
    require(by, Act.WORK)
    with transaction.atomic():
        letter = Letter.objects.select_for_update().get(pk=letter.pk)
        _proof(letter, by, LimitationEventKind.BALANCE_CONFIRMATION, signed_date, file, DocType.BALANCE_CONFIRMATION,
               _("债务人签认 %(number)s") % {"number": letter.number},
               f"collection:letter:{letter.pk}:signed", request)
        letter.signed_confirmation_date = signed_date
        letter.save()
    return letter
