"""The debt lifecycle: every state change goes through `apply_transition`.

It locks the debt row, checks the state the caller saw is still the state in the database,
fires the django-fsm-2 transition, consumes the authorisation of a gated edge and writes the
append-only history row, all in one transaction.
"""
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from workflows.exceptions import GatedTransitionError, LifecycleError, TransitionConflict
from workflows.models import GATED_TARGETS, Authorisation, Debt, State, StateChange, User

# method name on Debt -> target state
TRANSITIONS = {
    "mark_overdue": State.OVERDUE,
    "start_visit": State.VISIT,
    "start_legal": State.LEGAL,
    "settle_in_kind": State.SETTLED_IN_KIND,
    "write_off": State.WRITTEN_OFF,
    "clear": State.CLEARED,
    "seal": State.SEALED,
}
METHOD_FOR_TARGET = {target: name for name, target in TRANSITIONS.items()}


def allowed_sources(target: str) -> set[str]:
    """The states an edge to `target` may start from (read from the FSM itself)."""
    method = getattr(Debt, METHOD_FOR_TARGET[target])
    return set(method._django_fsm.transitions.keys())


# Extra conditions another app places on a gated edge: callables (debt, authorisation) that
# raise GatedTransitionError. The archive uses it so that →sealed happens only with a manifest.
_GATE_CHECKS = {}


def register_gate_check(target: str, check: Callable[[Debt, Authorisation | None], None]) -> None:
    checks = _GATE_CHECKS.setdefault(State(target), [])
    if check not in checks:
        checks.append(check)


def authorise(debt: Debt, target: str, approved_by: User, source: str, reason: str = "") -> Authorisation:
    """Record an approved authorisation. Only approval flows (and tests) call this."""
    _refuse_ungated(target)
    debt.refresh_from_db(fields=["state"])
    _refuse_unless_from_source(debt, target)
    return Authorisation.objects.create(debt=debt, target=target, from_state=debt.state, approved_by=approved_by,
                                        source=source, reason=reason)


def _refuse_ungated(target: str) -> None:
    if target not in GATED_TARGETS:
        raise LifecycleError(_("状态“%(state)s”无需审批授权") % {"state": State(target).label})


def _refuse_unless_from_source(debt: Debt, target: str) -> None:
    if debt.state not in allowed_sources(target):
        raise LifecycleError(
            _("债权 %(code)s 当前状态“%(from)s”不能转为“%(to)s”")
            % {"code": debt.code, "from": debt.get_state_display(), "to": State(target).label}
        )


def _lock(debt_id: int, *related: str) -> Debt:
    try:
        return Debt.objects.select_for_update(of=("self",)).select_related(*related).get(pk=debt_id)
    except Debt.DoesNotExist:
        raise LifecycleError(_("债权不存在")) from None


def _transition_locked(debt, target, authorisation, by, reason):
    """_transition on a debt locked by the caller, with the authorisation found under that lock
    handed to the transition's condition (models.debts._authorised), which asks twice."""
    from_state = debt.state
    debt._locked_authorisation = (target, from_state, authorisation)
    try:
        return _transition(debt, target, getattr(debt, METHOD_FOR_TARGET[target]), from_state, authorisation,
                           by, reason)
    finally:
        del debt._locked_authorisation


def lock_authorisable(debt_id: int, target: str) -> Debt:
    """apply_authorised's refusals, asked before it writes anything: the debt locked (with its
    contract) and its state one that `target` may be reached from; the debt, to hand back to
    apply_authorised(locked=) in the same transaction."""
    target = State(target)
    _refuse_ungated(target)
    debt = _lock(debt_id, "contract")
    _refuse_unless_from_source(debt, target)
    return debt


def apply_authorised(debt_id: int, target: str, *, by: User, source: str, reason: str = "",
                     savepoint: bool = True, locked: Debt | None = None) -> StateChange:
    """authorise then apply_transition, as an approval flow's effect does them, under one row
    lock (issue 20 item 3): the debt read once, locked, its state checked, the authorisation
    recorded and consumed by the transition, without reading either back. savepoint=False when
    the caller's own savepoint answers for a refusal (the approving step's effect); locked: the
    debt lock_authorisable returned in this transaction, not read again. The row is read with
    its contract, so that the StateChange's debt serves ledger.post_entry(locked=)."""
    target = State(target)
    _refuse_ungated(target)
    with transaction.atomic(savepoint=savepoint):
        debt = locked if locked is not None and locked.pk == debt_id else _lock(debt_id, "contract")
        _refuse_unless_from_source(debt, target)
        authorisation = Authorisation.objects.create(debt=debt, target=target, from_state=debt.state,
                                                     approved_by=by, source=source, reason=reason)
        return _transition_locked(debt, target, authorisation, by, reason)


def _consume(authorisation):
    values = {"consumed_at": timezone.now()}
    if connection.vendor == "postgresql":
        values["consumed_txid"] = RawSQL("txid_current()", [])
    updated = Authorisation.objects.filter(pk=authorisation.pk, consumed_at__isnull=True).update(**values)
    if updated != 1:
        raise TransitionConflict(_("该授权已被使用"))
    # What was written, without reading it back (issue 20 item 3): the time as sent, the
    # transaction id deferred (read from the row if anyone asks).
    authorisation.consumed_at = values["consumed_at"]
    authorisation.__dict__.pop("consumed_txid", None)


def apply_transition(debt_id: int, target: str, *, by: User | None = None, reason: str = "",
                     expected_state: str | None = None) -> StateChange:
    """Move one debt to `target`; returns the StateChange row.

    expected_state is the state the user saw; if someone else moved the debt meanwhile the
    caller gets TransitionConflict and nothing changes.
    """
    target = State(target)
    method_name = METHOD_FOR_TARGET.get(target)
    if method_name is None:
        raise LifecycleError(_("没有转入“%(state)s”的操作") % {"state": target.label})
    with transaction.atomic():
        debt = _lock(debt_id)
        if expected_state is not None and debt.state != expected_state:
            raise TransitionConflict(
                _("债权 %(code)s 的状态已被他人改为“%(state)s”，请刷新后重试")
                % {"code": debt.code, "state": debt.get_state_display()}
            )
        authorisation = debt.pending_authorisation(target) if target in GATED_TARGETS else None
        return _transition_locked(debt, target, authorisation, by, reason)


def _transition(debt, target, method, from_state, authorisation, by, reason):
    """apply_transition's checks and writes, under its row lock."""
    if not can_proceed(method):
        if from_state not in allowed_sources(target):
            raise LifecycleError(
                _("债权 %(code)s 当前状态“%(from)s”不能转为“%(to)s”")
                % {"code": debt.code, "from": debt.get_state_display(), "to": target.label}
            )
        if target in GATED_TARGETS and authorisation is None:
            raise GatedTransitionError(
                _("债权 %(code)s 转为“%(to)s”须有审批流程批准的授权") % {"code": debt.code, "to": target.label}
            )
        raise LifecycleError(_("债权 %(code)s 余额不为零，不能结清") % {"code": debt.code})
    for check in _GATE_CHECKS.get(target, []):
        check(debt, authorisation)
    try:
        method()
    except TransitionNotAllowed as exc:  # pragma: no cover - can_proceed checked it
        raise LifecycleError(str(exc)) from exc
    if authorisation is not None:
        _consume(authorisation)
    try:
        debt.save(update_fields=["state"])
    except ConcurrentTransition as exc:
        raise TransitionConflict(_("债权 %(code)s 已被他人同时变更，请刷新后重试") % {"code": debt.code}) from exc
    return StateChange.objects.create(debt=debt, from_state=from_state, to_state=target, by=by,
                                      reason=reason, authorisation=authorisation)


def available_targets(debt: Debt, user: User) -> list[State]:
    """Gated targets this debt could move to now, for the detail page's action list."""
    return [t for name, t in TRANSITIONS.items() if can_proceed(getattr(debt, name), check_conditions=False)]
