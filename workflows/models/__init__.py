"""The workflows app's models, one module per concept; every model is importable from here
(Django loads an app's models from `workflows.models`)."""
from workflows.models.assessment import (  # noqa: F401
    RATE,
    AssessmentLine,
    AssessmentState,
    AssessmentWeights,
    CollectionCost,
    HardDebt,
    ItemKind,
    QuarterAssessment,
    RewardItem,
    RewardRates,
)
from workflows.models.audit import AuditHead  # noqa: F401
from workflows.models.clock import (  # noqa: F401
    AccountabilityRecord,
    ClockChunk,
    ClockLock,
    ClockRun,
    ClockSettings,
    DebtClock,
    DebtorExposure,
    LimitationEvent,
    LimitationEventKind,
    OverdueRule,
    OverdueTask,
    Suspension,
    TriageAction,
    TriageKind,
)
from workflows.models.debts import (  # noqa: F401
    CLEARABLE_FROM,
    GATED_TARGETS,
    HELD_STATES,
    MONEY,
    OPEN_STATES,
    ZERO,
    Authorisation,
    Category,
    Contract,
    Debt,
    Debtor,
    DebtQuerySet,
    State,
    StateChange,
)
from workflows.models.handover import (  # noqa: F401
    Handover,
    HandoverItem,
    HandoverRole,
)
from workflows.models.holidays import (  # noqa: F401
    DayKind,
    HolidayCalendar,
)
from workflows.models.idempotency import IdempotencyKey  # noqa: F401
from workflows.models.imports import (  # noqa: F401
    CategoryAlias,
)
from workflows.models.ledger import (  # noqa: F401
    EntryKind,
    LedgerEntry,
)
from workflows.models.org import (  # noqa: F401
    OrgUnit,
    User,
)
from workflows.models.plans import (  # noqa: F401
    ClearingPlan,
    PlanState,
    PlanTarget,
    QuarterlyReport,
)
from workflows.models.reconciliation import (  # noqa: F401
    LineAnswer,
    Statement,
    StatementLine,
)
from workflows.models.supply import (  # noqa: F401
    SupplyStopLift,
)
