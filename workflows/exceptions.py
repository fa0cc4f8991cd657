"""Every exception the workflows app raises, grouped by what the caller does about it.

Each carries a message for the user, in the user's language (str(exc)). The groups do not
subclass each other: a page that catches a plan error must not catch a ledger error because
one happened to be derived from the other.
"""


class QingqianError(Exception):
    """A refused operation; str() is the message for the user."""


# --- the debt's lifecycle (rules R3.x) ------------------------------------------------------

class LifecycleError(QingqianError):
    """A state change that cannot happen."""


class GatedTransitionError(LifecycleError):
    """A gated edge without its approved authorisation, or a bulk write that would touch the state."""


class TransitionConflict(LifecycleError):
    """Someone else changed the debt meanwhile; the user refreshes and tries again."""


class WrittenOffDebtImmovable(LifecycleError):
    """A written-off debt keeps its unit, debtor and contract (rule R3.10)."""


class DebtDeletionRefused(LifecycleError):
    """Debts are never deleted (账销案存)."""


# --- people: handovers and departures (rules R1.9, R1.10) ------------------------------------

class HandoverError(QingqianError):
    """A handover that cannot be made as asked (no reason, the same person, out of scope)."""


class DepartureRefused(QingqianError):
    """A user who still holds open debts cannot be deactivated (rule R1.10)."""


# --- money: the ledger and amounts typed by people (rules R2.x) -----------------------------

class LedgerError(QingqianError):
    """An entry or an amount that cannot be booked; the message names the field, `field` is the
    form field it belongs to ("amount" unless said otherwise)."""

    def __init__(self, message, field="amount"):
        super().__init__(message)
        self.field = field


# --- append-only records --------------------------------------------------------------------

class AppendOnlyError(QingqianError):
    """An update or delete of a row that may only be appended."""


# --- the clock's inputs (rules R5.x) --------------------------------------------------------

class LimitationError(QingqianError):
    """An interrupting event that cannot be recorded; the message names the field."""


class SuspensionError(QingqianError):
    """A special-reason suspension that cannot be recorded; the message names the field."""


class ReconciliationError(QingqianError):
    """A monthly statement that cannot be issued, answered or resolved as asked (rule R5.18)."""


class TriageError(QingqianError):
    """An overdue-queue action that cannot be done as asked (rule R5.5)."""


class ClockBusy(QingqianError):
    """Another daily run holds the lock: try again later."""


class ClockChunksPending(QingqianError):
    """A pass's chord callback came before all its chunks were done (a redelivered chunk task
    counts twice in the chord): the callback waits for the run's own record (rule R5.20)."""


class ClockRunFailed(QingqianError):
    """A daily run on Celery workers stopped: a chunk failed for good; run it again to resume."""


# --- stop supply (rule R3.12) ---------------------------------------------------------------

class SupplyStopped(QingqianError):
    """A contract or debt for a debtor whose supply is stopped; the message names the arrears."""


class SupplyStopError(QingqianError):
    """A lift of the stop-supply flag that cannot be recorded; the message says why."""


# --- the ledger import ------------------------------------------------------------------------

class InvalidWorkbook(QingqianError):
    """The file is not a readable workbook (row problems are reported, not raised)."""


# --- plans, assessment, rewards (rules R6.x) --------------------------------------------------

class PlanError(QingqianError):
    """A clearing plan that cannot be saved, submitted or decided."""


class QuarterlyReportError(QingqianError):
    """A quarterly clearing report that cannot be submitted (rule R6.19)."""


class AssessmentError(QingqianError):
    """A cost, hard-debt designation or quarterly assessment that cannot be recorded."""


# --- operations ------------------------------------------------------------------------------

class BackupError(QingqianError):
    """A backup or restore that cannot be made; the message says what to do."""


# --- the demo ---------------------------------------------------------------------------------

class DemoRefused(QingqianError):
    """Demo data only where DEBUG or QQ_DEMO is on (its passwords are public)."""
