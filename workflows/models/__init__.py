"""The workflows app's models, one module per concept; every model is importable from here
(Django loads an app's models from `workflows.models`)."""
from workflows.models.org import (  # noqa: F401
    OrgUnit, User,
)
from workflows.models.debts import (  # noqa: F401
    ZERO, MONEY, Debtor, Contract, Category, State, OPEN_STATES, CLEARABLE_FROM, GATED_TARGETS, DebtQuerySet,
    Debt, Authorisation, StateChange,
)
from workflows.models.ledger import (  # noqa: F401
    EntryKind, LedgerEntry,
)
from workflows.models.clock import (  # noqa: F401
    ClockSettings, DebtClock, DebtorExposure, LimitationEventKind, LimitationEvent, Suspension, OverdueRule,
    AccountabilityRecord, OverdueTask, ClockRun, ClockLock,
)
from workflows.models.plans import (  # noqa: F401
    PlanState, ClearingPlan, PlanTarget,
)
from workflows.models.assessment import (  # noqa: F401
    RATE, CollectionCost, RewardRates, AssessmentWeights, HardDebt, AssessmentState, QuarterAssessment,
    AssessmentLine, ItemKind, RewardItem,
)
