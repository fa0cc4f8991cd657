"""What a chain does to the debt when its final step approves. Runs inside the approving
step's transaction: the authorisation, the state change and the ledger entry commit together
or not at all."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from workflows import lifecycle
from workflows.ledger import check_entry, post_entry
from workflows.limitation import record_interruption
from workflows.models import Debt, EntryKind, LimitationEventKind, State, User
from workflows.roles import COMMITTEE, COMMITTEE_HEAD, FINANCE
from workflows.suspension import suspend as suspend_debt
from workflows.templatetags.qq import money

from .case_file import current_documents
from .copies import copy_by_settings
from .models import ChainProcess, NotificationKind
from .notifications import copy_to, notify


def source_for(process: ChainProcess) -> str:
    """The authorisation's reference to its chain; the database reads it (migrations/0009)."""
    return f"approvals:{process.chain}:process:{process.pk}"


def _gated(process, user, target, locked=None):
    """The authorisation and the transition under one lock of the debt; the effect's savepoint
    (decisions._finish) answers for a refusal, so theirs are not taken (issue 20 item 3), or the
    effect's check has asked the refusals already (locked: the debt it locked)."""
    reason = _("%(chain)s审批通过（流程 #%(pk)s）") % {"chain": process.get_chain_display(), "pk": process.pk}
    return lifecycle.apply_authorised(process.debt_id, target, by=user, source=source_for(process), reason=reason,
                                      savepoint=False, locked=locked)


def case_file_url(debt: Debt) -> str:
    return reverse("archive:case_file", kwargs={"debt_id": debt.pk})


def write_off(process: ChainProcess, user: User, debt: Debt) -> None:
    """Finance's filing and booking (rule R4.48), after the body's approval (the guard
    write_off.authority_moved has checked the body against the balance now, rule R4.47); the
    write-off file goes to 清欠办 (rule R4.50). `debt`: write_off.check's, locked."""
    # The debt as the transition locked and left it (StateChange.debt), not read again.
    debt = _gated(process, user, State.WRITTEN_OFF, locked=debt).debt
    post_entry(debt.pk, EntryKind.WRITE_OFF, debt.balance, timezone.localdate(), by=user,
               reference=f"WO-{process.pk}", savepoint=False, locked=debt)
    message = _("坏账核销档案 %(code)s（流程 #%(pk)s）：已核销入账，报清欠办备案") % {
        "code": debt.code, "pk": process.pk}
    copy_to([COMMITTEE, COMMITTEE_HEAD], debt, message, case_file_url(debt))


def _write_off_check(process: ChainProcess) -> Debt:
    # Every refusal of the write-off (rule R4.108: the debt moved on meanwhile) is asked here,
    # under the debt's lock, before a row is written: the transition's (its source state; its
    # condition is the authorisation it writes) and the booking's (the entry of the balance as
    # locked, today), so the step runs the write-off without a savepoint.
    debt = lifecycle.lock_authorisable(process.debt_id, State.WRITTEN_OFF)
    check_entry(debt, EntryKind.WRITE_OFF, debt.balance, timezone.localdate(), in_state=State.WRITTEN_OFF)
    return debt


# Rule R4.108 asked first (decisions._finish): an effect with a check runs without a savepoint.
write_off.check = _write_off_check


def visit(process: ChainProcess, user: User) -> None:
    _gated(process, user, State.VISIT)


def litigation(process: ChainProcess, user: User) -> None:
    _gated(process, user, State.LEGAL)


def settle_in_kind(process: ChainProcess, user: User) -> None:
    """Finance books the offset at the appraised value, never more than what is owed (rule
    R4.24). Only an offset that covers the balance settles the debt in kind; a smaller one is
    booked with the debt left in its state, the remainder pursued (aged, limitation, overdue)."""
    debt = Debt.objects.select_for_update().get(pk=process.debt_id)
    amount = min(process.appraised_value, debt.balance)
    if amount >= debt.balance:
        _gated(process, user, State.SETTLED_IN_KIND)
    if amount > 0:
        post_entry(debt.pk, EntryKind.IN_KIND_OFFSET, amount, timezone.localdate(), by=user,
                   reference=f"IK-{process.pk}")
    if amount < debt.balance:
        # The debtor's partial performance restarts the limitation of the remainder (rule R4.24).
        record_interruption(debt, LimitationEventKind.PAYMENT, timezone.localdate(), by=user,
                            source=source_for(process), note=_("以物抵债部分冲抵"))
        rest = debt.balance - amount
        message = _("以物抵债 %(code)s：按评估价值冲抵 %(offset)s，余额 %(rest)s 继续追收") % {
            "code": debt.code, "offset": money(amount), "rest": money(rest)}
        for person in {process.requested_by, debt.handler}:
            notify(person, NotificationKind.COPY, message, case_file_url(debt))


def record_sale(process: ChainProcess, user: User) -> None:
    """Chain B records the sale (rule R4.31) — at once when the price is not below the offset,
    at the 总经理's approval when it is — and the selling unit's finance books it (rule R4.34)."""
    now = timezone.now()
    ChainProcess.objects.filter(pk=process.pk).update(sale_recorded_at=now)
    process.sale_recorded_at = now
    debt = process.debt
    message = _("抵债物资处置 %(code)s：售价 %(price)s，买受人 %(buyer)s，%(date)s，请财务部据批准的报告列账") % {
        "code": debt.code, "price": money(process.proposed_price), "buyer": process.buyer, "date": process.sale_date}
    copy_to([FINANCE], debt, message, reverse("approvals:process", args=[process.pk]))


def copy_document(process: ChainProcess, doc_type: str, moment: str) -> None:
    """抄送 (rules R4.23, R4.121): the current document of `doc_type` (chain A's inventory list at
    the start, the signed receipt list as its end copy) to the roles chain A's copy settings name
    for `moment` (清欠办, 技术工程部 and 财务部 by default), linked to its preview, on record."""
    debt = process.debt
    docs = [d for d in current_documents(debt) if d.doc_type == doc_type]
    url = reverse("documents:preview", args=[docs[-1].pk]) if docs else case_file_url(debt)
    message = _("抄送：%(chain)s %(code)s（流程 #%(pk)s）的%(doc)s") % {
        "chain": process.get_chain_display(), "code": debt.code, "pk": process.pk, "doc": DocType(doc_type).label}
    copy_by_settings(process=process, moment=moment, message=message, url=url)


def suspend(process: ChainProcess, user: User) -> None:
    suspend_debt(process.debt, process.reason, process.until, approved_by=user, source=source_for(process))
