"""The database checks that a gated move of a debt rests on an approved approval chain (issue 15).

workflows' own trigger already demands an authorisation for exactly that edge consumed in the
same transaction; an authorisation is a row any holder of the application role's credentials
could insert. This constraint trigger, checked at commit (the chain's outcome is recorded after
its effect, in the same transaction), demands more: the consumed authorisation names a chain
process of this debt (`approvals:<chain>:process:<id>`, as approvals.effects writes it) whose
chain is the one for that edge, whose outcome is approved, in which the authorisation's approver
decided "approve", the requester approved nothing and nobody approved two steps (rules R4.5,
R4.6). It is no pgtrigger trigger: no setting switches it off; only the owner can drop it.
"""
from django.db import migrations

# edge target -> the chain whose final approval moves the debt there (approvals.flows effects)
CHAIN_FOR_TARGET = {"visit": "visit", "legal": "litigation", "settled_in_kind": "in_kind",
                    "written_off": "write_off"}

CREATE = """
CREATE OR REPLACE FUNCTION qq_gated_move_has_approved_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    a RECORD;
    p RECORD;
    pid BIGINT;
BEGIN
    SELECT * INTO a FROM workflows_authorisation
     WHERE debt_id = NEW.id AND target = NEW.state AND from_state = OLD.state AND consumed_txid = txid_current()
     ORDER BY id DESC LIMIT 1;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'debt % moved to % without an authorisation consumed by this transaction', NEW.id, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF a.source !~ '^approvals:[a-z_]+:process:[0-9]+$' THEN
        RAISE EXCEPTION 'debt % moved to % on authorisation % that names no approval chain', NEW.id, NEW.state, a.id
            USING ERRCODE = 'check_violation';
    END IF;
    pid := split_part(a.source, ':', 4)::BIGINT;
    SELECT * INTO p FROM approvals_chainprocess WHERE process_ptr_id = pid;
    IF NOT FOUND OR p.debt_id <> NEW.id OR p.outcome <> 'approved' OR p.chain <> (%(chains)s) THEN
        RAISE EXCEPTION 'debt % moved to % without an approved % chain of its own (authorisation %%, process %%)',
            NEW.id, NEW.state, (%(chains)s), a.id, pid USING ERRCODE = 'check_violation';
    END IF;
    IF a.approved_by_id = p.requested_by_id
       OR NOT EXISTS (SELECT 1 FROM approvals_decision d WHERE d.process_id = pid AND d.decision = 'approve'
                      AND d.by_id = a.approved_by_id)
       OR EXISTS (SELECT 1 FROM approvals_decision d WHERE d.process_id = pid AND d.decision = 'approve'
                  AND d.by_id = p.requested_by_id)
       OR EXISTS (SELECT 1 FROM approvals_decision d WHERE d.process_id = pid AND d.decision = 'approve'
                  GROUP BY d.by_id HAVING count(DISTINCT d.step) > 1) THEN
        RAISE EXCEPTION 'debt % moved to %: the decisions of process % do not approve it (four eyes)',
            NEW.id, NEW.state, pid USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
DROP TRIGGER IF EXISTS qq_gated_move_has_approved_chain ON workflows_debt;
CREATE CONSTRAINT TRIGGER qq_gated_move_has_approved_chain
    AFTER UPDATE OF state ON workflows_debt DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state AND NEW.state IN (%(targets)s))
    EXECUTE FUNCTION qq_gated_move_has_approved_chain();
"""
DROP = """
DROP TRIGGER IF EXISTS qq_gated_move_has_approved_chain ON workflows_debt;
DROP FUNCTION IF EXISTS qq_gated_move_has_approved_chain();
"""


def _sql():
    chains = "CASE NEW.state " + " ".join(f"WHEN '{t}' THEN '{c}'" for t, c in CHAIN_FOR_TARGET.items()) + " END"
    targets = ", ".join(f"'{t}'" for t in CHAIN_FOR_TARGET)
    return CREATE.replace("%(chains)s", chains).replace("%(targets)s", targets).replace("%%", "%")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_sql(), params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0013_i17_litigation_list"),
        ("workflows", "0020_i15_truthful_triggers"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
