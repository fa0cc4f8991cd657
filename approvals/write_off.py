"""When a debt may be written off (rules R4.41-R4.43) and with which evidence."""
from datetime import date

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from workflows.models import ClockSettings, Debt, EntryKind, LimitationEventKind
from workflows.templatetags.qq import money

from .authority import rule_for
from .models import ChainProcess, WriteOffCondition
from .required_documents import Requirement, single

EVIDENCE = {
    WriteOffCondition.DECEASED: (DocType.DEATH_CERTIFICATE, DocType.PROSECUTOR_CERTIFICATE),
    WriteOffCondition.BANKRUPT: (DocType.BANKRUPTCY_RULING,),
    WriteOffCondition.NO_PERFORMANCE: (
        DocType.POSTAL_EVIDENCE_LETTER, DocType.CREDITOR_CERTIFICATE, DocType.COURT_SETTLEMENT_RECORD,
        DocType.MEDIATION_AWARD, DocType.PROSECUTOR_CERTIFICATE, DocType.OTHER_EVIDENCE,
    ),
}

# The debtor's own acts that count as performance (rule R4.42): besides payments and in-kind
# offsets on the ledger, the limitation events a debtor causes; a lawsuit is the creditor's act.
PERFORMANCE_EVENTS = (
    LimitationEventKind.PAYMENT, LimitationEventKind.BALANCE_CONFIRMATION,
    LimitationEventKind.DEMAND_LETTER_RECEIPT, LimitationEventKind.REPAYMENT_PLAN,
)
PERFORMANCE_ENTRIES = (EntryKind.PAYMENT, EntryKind.IN_KIND_OFFSET)


def years_without_performance() -> int:
    """The one source (rule R4.42): 每日任务设置 → 核销所需未履行年限, edited in the admin."""
    return ClockSettings.load().write_off_years


def last_performance(debt: Debt) -> date:
    """The debtor's last performance — a payment or in-kind offset, a signed confirmation, a
    demand acknowledged (proof of delivery), a repayment plan — or the due date when none came
    after it."""
    paid = debt.entries.filter(kind__in=PERFORMANCE_ENTRIES).aggregate(d=Max("date"))["d"]
    acted = debt.limitation_events.filter(kind__in=PERFORMANCE_EVENTS).aggregate(d=Max("date"))["d"]
    return max(d for d in (paid, acted, debt.due_date) if d is not None)


def _years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def condition_error(debt: Debt, condition: str, today: date | None = None) -> str | None:
    """None when the condition holds for this debt, else the reason in Chinese."""
    today = today or timezone.localdate()
    if condition == WriteOffCondition.DECEASED:
        if not debt.debtor.deceased:
            return _("债务人“%(name)s”未登记为已死亡/注销，不能按此条件核销") % {"name": debt.debtor.name}
    elif condition == WriteOffCondition.BANKRUPT:
        if not debt.debtor.bankrupt:
            return _("债务人“%(name)s”未登记为已破产，不能按此条件核销") % {"name": debt.debtor.name}
    elif condition == WriteOffCondition.NO_PERFORMANCE:
        # 3年以上 includes the 3 years themselves (Civil Code art. 1259: 以上 includes the number):
        # a last performance exactly `years` before today qualifies, one day later does not.
        years = years_without_performance()
        last = last_performance(debt)
        if last > _years_before(today, years):
            return _("最后一次履行日期为 %(last)s，未满 %(years)s 年，不能按此条件核销") % {
                "last": last, "years": years}
    else:
        return _("请选择核销条件")
    return None


def required_for(condition: str) -> list[Requirement]:
    """The application report plus evidence of a type matching the condition."""
    return [
        single(DocType.WRITE_OFF_APPLICATION),
        Requirement(_("核销证据"), *EVIDENCE[WriteOffCondition(condition)]),
    ]


def eligible_on(debt: Debt, today: date | None = None) -> bool:
    return any(condition_error(debt, c, today) is None for c in WriteOffCondition.values)



def authority_moved(process: ChainProcess) -> str | None:
    """Rule R4.47, asked when finance books the write-off: the body is decided by the amount
    actually written off (the balance now, under the matrix version of the request date). When
    the balance has moved into another body's band, the process is given the right body and
    the message says why; the booking is then refused and the chain goes back to that body."""
    debt = process.debt   # loaded under the chain's lock with the task (access.load_task)
    rule = rule_for(debt.balance, timezone.localtime(process.created).date())
    if rule.body == process.authority_body:
        return None
    before = process.authority_body_label
    process.authority_rule, process.authority_body = rule, rule.body
    process.save(update_fields=["authority_rule", "authority_body"])
    return _("核销未入账：余额已由申请时的 %(then)s 变为 %(now)s，应由%(body)s审批（原为%(before)s），"
             "退回%(body)s重新审批") % {"then": money(process.amount), "now": money(debt.balance),
                                      "body": process.authority_body_label, "before": before}
