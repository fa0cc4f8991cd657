"""Approvals given outside this system: demo data, and debts that reached a gated state on paper
before go-live. The database lets a gated move through only on an approved chain of that debt
(approvals/migrations/0009, issue 15), so such a move is recorded as what it was: a chain run
closed as approved, with the requester's submission and the approver's decision, whose step says
it was approved outside the system. The record is permanent and names both people."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from workflows import lifecycle
from workflows.models import Authorisation, Debt, State, User

from . import registry
from .effects import source_for
from .models import Chain, ChainProcess, Decision, DecisionKind, Outcome

CHAIN_FOR_TARGET = {State.VISIT: Chain.VISIT, State.LEGAL: Chain.LITIGATION,
                    State.SETTLED_IN_KIND: Chain.IN_KIND, State.WRITTEN_OFF: Chain.WRITE_OFF}
STEP = "past_approval"


def record_past_approval(*, debt: Debt, target: str, requested_by: User, approved_by: User,
                         reason: str = "") -> Authorisation:
    """Record an approval given outside the system for `debt` → `target` and return its
    (unused) authorisation; the caller then moves the debt with lifecycle.apply_transition."""
    chain = CHAIN_FOR_TARGET[State(target)]
    now = timezone.now()
    with transaction.atomic():
        process = ChainProcess.objects.create(
            flow_class=registry.flow_for(chain), status=STATUS.DONE, finished=now, debt=debt, chain=chain,
            requested_by=requested_by, amount=debt.balance, reason=reason, outcome=Outcome.APPROVED, active=False)
        title = _("系统外审批（上线前或演示数据）")
        for kind, who in ((DecisionKind.SUBMIT, requested_by), (DecisionKind.APPROVE, approved_by)):
            Decision.objects.create(debt=debt, chain=chain, step=STEP, step_title=title, decision=kind, by=who,
                                    at=now, comment=reason, process=process)
        return lifecycle.authorise(debt, target, approved_by, source=source_for(process), reason=reason)
