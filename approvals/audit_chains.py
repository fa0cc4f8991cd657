"""The hash chains over decisions and signatures (issue 15; the mechanism is workflows.audit).
Decisions are chained per debt, signatures per signer (a signature names no debt itself)."""
from workflows.audit import ChainSpec, Column

DECISIONS = ChainSpec("approvals_decision", "debt_id", (
    Column("id"), Column("debt_id"), Column("chain"), Column("step"), Column("step_title"), Column("decision"),
    Column("by_id"), Column("on_behalf_of_id"), Column("at", "timestamp"), Column("comment"), Column("process_id"),
    Column("task_id"), Column("returned_to", "added")), "decision")
SIGNATURES = ChainSpec("approvals_signature", "signer_id", (
    Column("id"), Column("decision_id"), Column("signer_id"), Column("signed_at", "timestamp"), Column("sha256"),
    Column("documents", "jsonb")), "signature")
