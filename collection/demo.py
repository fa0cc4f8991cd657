"""Collection's part of the embedded demo: a letterhead for each company of the demo, so letters
can be sent there (rule R9.13); then, on the demo debts, the handler's contacts, a visit, a demand
letter and a signed balance confirmation, a payment plan with one instalment paid, and a legal
case. Connected to workflows.signals.demo_seeded / demo_debts_seeded in CollectionConfig.ready();
the demo, a lower layer, never imports this. Demo values only: not real bank accounts."""
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from approvals.models import ChainProcess
from workflows.models import Debt, OrgUnit, State, User

from .contacts import log_contact
from .legal import add_cost, add_hearing, move_stage, take_case
from .letters import generate_letter, record_receipt, record_signed_confirmation
from .models import Contact, ContactKind, LegalCase, Letter, Letterhead, LetterKind, PaymentPlan, Stage, VisitReport
from .payment_plans import create_plan, record_plan_payment
from .visits import record_visit

# code → (发文代字, address, contact person, telephone, bank, account number)
DEMO_LETTERHEADS = {
    "HQ": ("集清", "广州市天河区天河路1号", "周清欠", "020-80000001", "中国工商银行广州天河支行",
           "3602000000000000001"),
    "S1": ("一工清", "广州市越秀区东风中路100号", "王清欠", "020-80000002", "中国建设银行广州越秀支行",
           "4400000000000000002"),
    "S2": ("二建清", "佛山市禅城区季华路2号", "李清欠", "0757-80000003", "中国银行佛山分行", "6800000000000000003"),
    "S3": ("三贸清", "东莞市南城区鸿福路3号", "陈清欠", "0769-80000004", "中国农业银行东莞分行", "4400000000000000004"),
}


def seed_letterheads(sender, units: dict[str, OrgUnit], **kwargs) -> None:
    for code, (doc_code, address, person, phone, bank, number) in DEMO_LETTERHEADS.items():
        unit = units.get(code)
        if unit is None:
            continue
        Letterhead.objects.get_or_create(unit=unit, defaults={
            "name": unit.name, "doc_code": doc_code, "address": address, "contact_person": person,
            "telephone": phone, "account_name": unit.name, "bank_name": bank, "account_number": number})


# --- collection work on the demo debts (rule R8.19) -----------------------------------------
# Connected to workflows.signals.demo_debts_seeded in CollectionConfig.ready(). Only through the
# services a handler or the legal team uses; each part is known by a marker and skipped when it
# exists, so a second run adds nothing. Dates are relative to today, like the rest of the demo.

DEMO_MARK = "（演示）"
# (kind, outcome, days ago, promise: (share of the balance, days ahead) or None)
DEMO_CONTACTS = [
    (ContactKind.PHONE, "电话联系财务部，对方确认欠款，称资金紧张" + DEMO_MARK, 20, None),
    (ContactKind.NEGOTIATION, "与对方财务总监面谈，承诺月底前先付一部分" + DEMO_MARK, 9, (Decimal("0.20"), 20)),
    (ContactKind.SMS, "发送催款短信，提醒对账和付款" + DEMO_MARK, 3, None),
]
DEMO_ADDRESS = "广州市黄埔区开发大道{n}号"
DEMO_COURT = "广州市越秀区人民法院"


def _demo_debts(handler: User, *states: str, free: bool = False) -> QuerySet[Debt]:
    """The handler's demo debts in `states`, in code order so each run picks the same ones;
    `free`: only those no chain is waiting on (a payment would change what its dossier shows)."""
    debts = (Debt.objects.filter(code__startswith="QQ-DEMO-", handler=handler, state__in=states, balance__gt=0)
             .select_related("debtor", "contract", "unit").order_by("code"))
    if free:
        debts = debts.exclude(Exists(ChainProcess.objects.filter(debt=OuterRef("pk"), active=True)))
    return debts


def _at(today: date, days_ago: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour, 0)))


def _pdf_upload(pdf: Callable[[str], bytes], name: str, title: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name}.pdf", pdf(title), content_type="application/pdf")


def _contacts(handler: User, today: date) -> None:
    if Contact.objects.filter(by=handler, outcome__endswith=DEMO_MARK).exists():
        return
    for debt, (kind, outcome, days_ago, promise) in zip(_demo_debts(handler, State.OVERDUE)[:3], DEMO_CONTACTS,
                                                        strict=False):
        amount = date_ = None
        if promise:
            amount = (debt.balance * promise[0]).quantize(Decimal("0.01"))
            date_ = today + timedelta(days=promise[1])
        log_contact(debt, kind, outcome, by=handler, at=_at(today, days_ago), promise_amount=amount,
                    promise_date=date_)


def _visit(handler: User, today: date) -> None:
    if VisitReport.objects.filter(by=handler, debt__code__startswith="QQ-DEMO-").exists():
        return
    debt = _demo_debts(handler, State.VISIT).first()
    if debt is None:
        return
    record_visit(debt, by=handler, visited_on=today - timedelta(days=6), business_operating=True,
                 met_whom="对方财务部 王经理", assets_seen="厂区正常生产，仓库有成品钢材约 200 吨",
                 next_step="两周内提交分期还款方案，逾期则报请诉讼",
                 no_signature_reason="对方代表外出，约定下次走访时补签走访记录")


def _letters(handler: User, today: date, pdf: Callable[[str], bytes]) -> None:
    """A 催款函 with its delivery receipt, and a 对账确认函 the debtor signed (rules R5.11, R5.12)."""
    # Debts no chain waits on first: a receipt interrupts the limitation period a write-off request cites.
    free = list(_demo_debts(handler, State.OVERDUE, free=True)[:2])
    debts = (free + [d for d in _demo_debts(handler, State.OVERDUE) if d not in free])[:2]
    if len(debts) < 2 or Letter.objects.filter(created_by=handler, debt__code__startswith="QQ-DEMO-").exists():
        return
    for debt, kind in zip(debts, (LetterKind.DEMAND, LetterKind.BALANCE_CONFIRMATION), strict=True):
        address = DEMO_ADDRESS.format(n=debt.debtor_id)
        letter = generate_letter(debt, kind, by=handler, address=address)
        proof = _pdf_upload(pdf, f"proof-{letter.pk}", f"{debt.code} {kind} proof")
        if kind == LetterKind.DEMAND:
            record_receipt(letter, by=handler, receipt_date=today, file=proof, tracking_no="SF1000000001")
        else:
            record_signed_confirmation(letter, by=handler, signed_date=today, file=proof)


def _payment_plan(handler: User, today: date) -> None:
    """A 分期还款协议 of three instalments agreed after the visit; the first is paid (rules R9.7, R9.8)."""
    if PaymentPlan.objects.filter(created_by=handler, debt__code__startswith="QQ-DEMO-").exists():
        return
    # Not a debt with a letter: the payment would make the letter's amount out of date.
    lettered = Letter.objects.values("debt")
    debt = _demo_debts(handler, State.VISIT, State.OVERDUE, free=True).exclude(pk__in=lettered).first()
    if debt is None:
        return
    part = (debt.balance * Decimal("0.20")).quantize(Decimal("0.01"))
    with transaction.atomic():
        plan = create_plan(debt, by=handler, agreed_on=today - timedelta(days=5),
                           instalments=[(today - timedelta(days=2), part), (today + timedelta(days=28), part),
                                        (today + timedelta(days=58), part)],
                           note="对方申请分三期归还部分欠款，经清欠小组同意" + DEMO_MARK)
        record_plan_payment(plan, part, today - timedelta(days=2), by=handler, reference=f"PLAN-{plan.pk}-1")


def _legal_case(legal: User, handler: User, today: date) -> None:
    """A case the legal team took and filed today, with a hearing in ten days (rules R9.9, R9.10);
    a stage's date is never before the previous one's, and taking a case is dated today."""
    if LegalCase.objects.filter(taken_by=legal, debt__code__startswith="QQ-DEMO-").exists():
        return
    debt = _demo_debts(handler, State.LEGAL).first()
    if debt is None:
        return
    with transaction.atomic():
        case = take_case(debt, by=legal)
        case = move_stage(case, Stage.FILED, by=legal, on=today, court=DEMO_COURT,
                          case_number=f"（{today.year}）粤0104民初{1000 + debt.pk}号", note="立案受理" + DEMO_MARK)
        add_hearing(case, by=legal, at=_at(today, -10, hour=9), place="第三法庭", note="首次开庭")
        add_cost(case, by=legal, kind="诉讼费", amount=(debt.balance / 100).quantize(Decimal("0.01")),
                 on=today)


def seed_collection(sender, users: dict[str, User], password: str, pdf: Callable[[str], bytes], **kwargs) -> None:
    handler = users.get("handler")
    legal = users.get("legal")
    if handler is None or legal is None:
        return
    today = timezone.localdate()
    _contacts(handler, today)
    _visit(handler, today)
    _letters(handler, today, pdf)
    _payment_plan(handler, today)
    _legal_case(legal, handler, today)
