"""Letters (催款函, 对账确认函, 律师函, 法务催告函) generated server-side as PDF and kept in the
case file as system-generated documents. Their delivery receipt (回执) or the debtor's signed
confirmation interrupts the limitation period (rules R5.11, R5.12; the letters: R9.5, R9.6, R9.13).

A letter is first drafted (draft_letter: checks, the letterhead, the text) and previewed; the
archive is immutable, so only what the user saw is archived: the confirmation carries the
draft's fingerprint. Typesetting the PDF takes a second, so it happens outside the write
transaction; the transaction only takes the 发文字号, files the PDF and records the letter. If
another letter of the unit took the predicted number meanwhile, the PDF is typeset again with
the next one (issue 19: a double click never fails on SQLite's single writer)."""
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from documents.exceptions import UploadRefused
from documents.services import attach
from workflows.exceptions import LimitationError
from workflows.limitation import record_interruption
from workflows.models import Debt, LimitationEventKind, OrgUnit, User

from .contacts import attach_all, check_debt_open, log_contact
from .exceptions import CollectionError
from .models import (
    Agency,
    AgencyKind,
    ConfirmationRun,
    ContactKind,
    DeliveryProof,
    Engagement,
    Letter,
    Letterhead,
    LetterKind,
    LetterSequence,
)
from .permissions import Act, is_legal, may_confirm_balances, refusal, require

DOC_TYPE = {
    LetterKind.DEMAND: DocType.DEMAND_LETTER,
    LetterKind.BALANCE_CONFIRMATION: DocType.BALANCE_CONFIRMATION,
    LetterKind.LAWYER: DocType.LAWYER_LETTER,
    LetterKind.LEGAL_NOTICE: DocType.DEMAND_LETTER,  # a 催告 is a demand in the catalogue's terms
}
# Letters that ask for payment name the account to pay into (rule R9.13).
ASKS_PAYMENT = {LetterKind.DEMAND, LetterKind.LAWYER, LetterKind.LEGAL_NOTICE}
# How often a letter is typeset again because another took its predicted number; each retry
# means another letter of the same unit was archived in the same second.
ATTEMPTS = 5
CN_DIGITS = "〇一二三四五六七八九"
LETTER_LANGUAGE = "zh-hans"


def rmb_upper(amount: Decimal) -> str:
    """人民币大写, as letters and receipts write amounts (壹拾贰万元整)."""
    # Not a project module and no cycle: imported on first use because it takes about 0.5 s
    # (python -X importtime), which every web process and test run would pay at start-up.
    import cn2an

    return cn2an.an2cn(f"{amount:.2f}", "rmb")


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _cn_number(n: int) -> str:
    tens, ones = divmod(n, 10)
    if not tens:
        return CN_DIGITS[ones]
    return f"{CN_DIGITS[tens] if tens > 1 else ''}十{CN_DIGITS[ones] if ones else ''}"


def chinese_date_upper(day: date) -> str:
    """The 落款 date in Chinese numerals, as a seal is put over it: 二〇二六年十二月二日."""
    year = "".join(CN_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{_cn_number(day.month)}月{_cn_number(day.day)}日"


def letter_number(letterhead: Letterhead, year: int, seq: int) -> str:
    """发文字号 as 代字〔年份〕序号号 (GB/T 9704: 六角括号, no leading zeros)."""
    return f"{letterhead.doc_code}〔{year}〕{seq}号"


def letterhead_for(unit: OrgUnit) -> Letterhead | None:
    """The unit's letterhead, else the nearest parent's: a 项目部 writes as the company that
    holds the claim."""
    seen = set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        head = Letterhead.objects.filter(unit=unit).select_related("unit").first()
        if head is not None:
            return head
        unit = unit.parent
    return None


def law_firm_for(debt: Debt) -> Agency | None:
    """The law firm engaged for the debt now (chain F), or None."""
    today = timezone.localdate()
    engagement = (Engagement.objects.filter(debt=debt, agency__kind=AgencyKind.LAW_FIRM, start_date__lte=today)
                  .exclude(end_date__lt=today).select_related("agency").order_by("-start_date", "-pk").first())
    return engagement.agency if engagement else None


def may_issue(user: User, kind: str) -> str | None:
    """Why `user` may not issue a letter of `kind` (a message), or None."""
    if kind == LetterKind.BALANCE_CONFIRMATION and may_confirm_balances(user):
        return None  # finance's scheduled confirmations (rule R5.19)
    reason = refusal(user, Act.WORK)
    if reason:
        return reason
    if kind in (LetterKind.LAWYER, LetterKind.LEGAL_NOTICE) and not is_legal(user):
        return _("函件类型：%(kind)s只能由法务部出具") % {"kind": LetterKind(kind).label}
    return None


def kinds_for(user: User, debt: Debt) -> list[tuple[str, str, str]]:
    """(kind, label, why not or "") for the letter form: the 律师函 is offered only while a law
    firm is engaged; the 法务催告函 is the legal team's letter otherwise."""
    firm = law_firm_for(debt)
    out = []
    for kind, label in LetterKind.choices:
        why = may_issue(user, kind)
        if why and kind in (LetterKind.LAWYER, LetterKind.LEGAL_NOTICE):
            continue
        if kind == LetterKind.LAWYER and firm is None:
            why = _("本债权未委托律师事务所，不能出具律师函，可出具法务催告函")
        out.append((kind, label, why or ""))
    return out


@dataclass
class Draft:
    """Everything a letter says, before it has its number. `fingerprint` is the hash of the text
    without the number and is what a preview confirms."""

    debt: Debt
    kind: str
    letterhead: Letterhead
    firm: Agency | None
    recipient: str
    attention: str
    address: str
    amount: Decimal
    today: date
    context: dict = field(repr=False)
    fingerprint: str = ""

    @property
    def label(self) -> str:
        return str(LetterKind(self.kind).label)

    @property
    def label_zh(self) -> str:
        with translation.override(LETTER_LANGUAGE):
            return str(LetterKind(self.kind).label)

    def html(self, number: str, *, preview: bool = False) -> str:
        # The letter goes to a Chinese debtor: Chinese whatever the language of the user's pages.
        with translation.override(LETTER_LANGUAGE):
            return render_to_string("collection/letter.html", {**self.context, "number": number, "preview": preview})


def draft_letter(debt: Debt, kind: str, *, by: User, attention: str | None = None, address: str | None = None,
                 today: date | None = None) -> Draft:
    """Check that the letter may be sent and compose it; writes nothing."""
    if kind not in LetterKind.values:
        raise CollectionError(_("函件类型：未知的类型“%(kind)s”") % {"kind": kind})
    why = may_issue(by, kind)
    if why:
        if kind in (LetterKind.LAWYER, LetterKind.LEGAL_NOTICE) and refusal(by, Act.WORK) is None:
            raise CollectionError(why)
        require(by, Act.WORK)
    check_debt_open(debt)
    if debt.balance <= 0:
        raise CollectionError(_("函件：债权 %(code)s 余额为零，无需发函") % {"code": debt.code})
    head = letterhead_for(debt.unit)
    if head is None:
        raise CollectionError(_("函件抬头：单位“%(unit)s”尚未维护函件抬头（名称、地址、联系人、电话、"
                                "收款账户、发文代字），请管理员在后台“函件抬头”中填写后再发函")
                              % {"unit": debt.unit.name})
    firm = None
    if kind == LetterKind.LAWYER:
        firm = law_firm_for(debt)
        if firm is None:
            raise CollectionError(_("函件类型：本债权未委托律师事务所，不能出具律师函；请改发法务催告函，"
                                    "或先经总经理批准委托律师事务所（委托外部催收）"))
    debtor = debt.debtor
    attention = (debtor.contact if attention is None else attention).strip()[:100]
    address = (debtor.address if address is None else address).strip()[:300]
    if not address:
        raise CollectionError(_("收件地址：必须填写（债务人档案中没有地址）"))
    today = today or timezone.localdate()
    context = {
        "debt": debt, "debtor": debtor, "kind": kind, "kind_label": LetterKind(kind).label, "head": head,
        "firm": firm, "recipient": debtor.name, "attention": attention, "address": address,
        "today": chinese_date(today), "sign_date": chinese_date_upper(today), "due": chinese_date(debt.due_date),
        "balance_text": f"{debt.balance:,.2f}", "balance_upper": rmb_upper(debt.balance),
        "asks_payment": kind in ASKS_PAYMENT,
    }
    draft = Draft(debt=debt, kind=kind, letterhead=head, firm=firm, recipient=debtor.name, attention=attention,
                  address=address, amount=debt.balance, today=today, context=context)
    draft.fingerprint = hashlib.sha256(draft.html("").encode("utf-8")).hexdigest()
    return draft


def render_pdf_bytes(html: str) -> bytes:
    """The letter as PDF bytes. Typeset with Noto CJK so the text layer holds real characters."""
    # Not a project module and no cycle: about 1.9 s to import (python -X importtime), and
    # only letters need it.
    import weasyprint

    return weasyprint.HTML(string=html).write_pdf()


def render_pdf(draft: Draft, number: str, *, preview: bool = False) -> bytes:
    return render_pdf_bytes(draft.html(number, preview=preview))


def predicted_number(draft: Draft) -> tuple[int, int, str]:
    """(year, seq, 发文字号) the letter gets if no other letter of the unit is archived first."""
    unit_id, year = draft.letterhead.unit_id, draft.today.year
    last = LetterSequence.objects.filter(unit_id=unit_id, year=year).values_list("last", flat=True).first() or 0
    return year, last + 1, letter_number(draft.letterhead, year, last + 1)


def _take_number(unit_id: int, year: int) -> int:
    """The next 序号 of the unit and year, inside the caller's transaction. The UPDATE comes
    first: it takes the row (PostgreSQL) or the database (SQLite) for writing before anything is
    read, so two requests queue instead of both reading the same number."""
    if not LetterSequence.objects.filter(unit_id=unit_id, year=year).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                LetterSequence.objects.create(unit_id=unit_id, year=year, last=1)
        except IntegrityError:  # another request created the year's row first
            LetterSequence.objects.filter(unit_id=unit_id, year=year).update(last=F("last") + 1)
    return LetterSequence.objects.get(unit_id=unit_id, year=year).last


class _NumberTaken(Exception):
    """Another letter took the predicted number; typeset again with the next."""


def generate_letter(debt: Debt, kind: str, *, by: User, attention: str | None = None, address: str | None = None,
                    fingerprint: str | None = None, preview_token: uuid.UUID | str | None = None,
                    run: ConfirmationRun | None = None, request: HttpRequest | None = None) -> Letter:
    """Archive the letter. With `fingerprint` (from the preview) the letter must still say what
    was previewed; with `preview_token` a second confirmation of the same preview returns the
    letter archived by the first (its `reused` attribute is True)."""
    if preview_token:
        earlier = Letter.objects.filter(preview_token=preview_token).first()
        if earlier is not None:
            earlier.reused = True
            return earlier
    for _attempt in range(ATTEMPTS):
        draft = draft_letter(debt, kind, by=by, attention=attention, address=address)
        if fingerprint and draft.fingerprint != fingerprint:
            raise CollectionError(_("函件：预览之后函件内容已变化（如余额、抬头或收件信息），请重新预览后再确认"))
        year, seq, number = predicted_number(draft)
        pdf = render_pdf(draft, number)  # the slow part, outside any write transaction
        try:
            letter = _archive(draft, by=by, year=year, seq=seq, number=number, pdf=pdf,
                              preview_token=preview_token, run=run, request=request)
        except _NumberTaken:
            debt = Debt.objects.select_related("debtor", "contract", "unit").get(pk=debt.pk)
            continue
        except IntegrityError:
            earlier = Letter.objects.filter(preview_token=preview_token).first() if preview_token else None
            if earlier is None:
                raise
            earlier.reused = True  # the twin click won the race
            return earlier
        letter.reused = False
        return letter
    raise CollectionError(_("函件：发文字号正被同时占用，请稍后再试"))


def _archive(draft: Draft, *, by, year, seq, number, pdf, preview_token, run, request) -> Letter:
    with transaction.atomic():
        taken = _take_number(draft.letterhead.unit_id, year)
        if taken != seq:
            raise _NumberTaken
        locked = Debt.objects.select_for_update().select_related("debtor", "contract", "unit").get(pk=draft.debt.pk)
        again = draft_letter(locked, draft.kind, by=by, attention=draft.attention, address=draft.address,
                             today=draft.today)
        if again.fingerprint != draft.fingerprint:
            raise _NumberTaken  # the balance moved while typesetting: compose and typeset again
        upload = SimpleUploadedFile(f"{draft.label_zh}-{year}-{seq}.pdf", pdf, content_type="application/pdf")
        try:
            document = attach(locked, DOC_TYPE[draft.kind], upload, by, title=f"{draft.label_zh} {number}",
                              request=request, system_generated=True)
        except UploadRefused as exc:
            raise CollectionError(_("函件：%(msg)s") % {"msg": exc.message}) from None
        letter = Letter.objects.create(
            debt=locked, kind=draft.kind, number=number, unit_id=draft.letterhead.unit_id, year=year, seq=seq,
            recipient=draft.recipient, attention=draft.attention, recipient_address=draft.address,
            amount=locked.balance, document=document, created_by=by, preview_token=preview_token or None, run=run)
        act = Act.WORK if refusal(by, Act.WORK) is None else Act.CONFIRM_BALANCES
        contact = log_contact(locked, ContactKind.LETTER, _("发出%(label)s %(number)s，金额 ¥%(amount)s")
                              % {"label": draft.label, "number": number, "amount": f"{locked.balance:,.2f}"},
                              by=by, act=act)
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
