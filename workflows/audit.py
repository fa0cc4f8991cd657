"""The tamper-evident record (issue 15): hash chains over the rows that must never change.

Each chained table (state changes, ledger entries, authorisations here; decisions and signatures
registered by approvals) has two columns the ORM never sees, `audit_seq` and `audit_hash`, set
by a BEFORE INSERT trigger in the same INSERT (no extra statement from the application):

    audit_hash = sha256_hex(previous link's audit_hash || canonical content of this row)

One chain per (table, key): the key is the debt (the signer for signatures), so chains of
different debts never wait for each other. The trigger takes the previous link from the chain's
head row (`workflows_audithead`, upserted in the same statement: its row lock orders concurrent
inserts into one chain) and is SECURITY DEFINER, owned by the owner: the application role can
read the heads but not write them. The content is an explicit, frozen column list, timestamps in
UTC, and it includes the login role that inserted the row (`session_user`).

`verify()` recomputes every chain in one statement per table and names the first broken link:
a row whose content changed (UPDATE), a gap in the sequence (DELETE), a row without a link or
inserted by another role than the application's (INSERT), a chain whose head disagrees with its
last row (the last rows deleted, or the chain rewritten). What it cannot see: an owner who
rewrites a chain and its head consistently; see docs/architecture.md "The tamper-evident record".
PostgreSQL only: on SQLite there are no chains and verify() says so.
"""
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.translation import gettext as _

GENESIS = ""
BEFORE_AUDIT = "(before audit)"  # rows that existed when the chains were installed


@dataclass(frozen=True)
class Column:
    name: str
    # plain | timestamp | date | jsonb | added: a column added to a chained table after rows were
    # linked; it enters the content only where it is not empty, so the links made before still verify.
    kind: str = "plain"


@dataclass(frozen=True)
class ChainSpec:
    table: str
    key: str  # column that names the chain within the table
    columns: tuple[Column, ...]
    label: str = ""

    def content(self, row: str) -> str:
        """SQL for the canonical content of `row` (NEW in the trigger, t in verification)."""
        parts, added = [], []
        for col in self.columns:
            ref = f"{row}.{col.name}"
            if col.kind == "added":
                added.append(f" || CASE WHEN COALESCE({ref}::text, '') = '' THEN '[]'::jsonb "
                             f"ELSE jsonb_build_array({ref}::text) END")
                continue
            if col.kind == "timestamp":
                parts.append(f"to_char({ref} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')")
            elif col.kind == "date":
                parts.append(f"to_char({ref}, 'YYYY-MM-DD')")
            elif col.kind == "jsonb":
                parts.append(f"{ref}::text")
            else:
                parts.append(f"{ref}::text")
        parts.append(f"{row}.audit_role")
        return f"(jsonb_build_array({', '.join(parts)}){''.join(added)})::text"

    @property
    def function(self) -> str:
        return f"qq_audit_{self.table}"


def _link(prev: str, content: str) -> str:
    return f"encode(sha256(convert_to({prev} || {content}, 'UTF8')), 'hex')"


def install_sql(spec: ChainSpec) -> str:
    """Columns, trigger function and trigger for one chained table (run by the owner)."""
    t, f = spec.table, spec.function
    return f"""
ALTER TABLE {t} ADD COLUMN IF NOT EXISTS audit_seq BIGINT, ADD COLUMN IF NOT EXISTS audit_hash CHAR(64),
    ADD COLUMN IF NOT EXISTS audit_role TEXT;
CREATE OR REPLACE FUNCTION {f}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    c TEXT;
BEGIN
    NEW.audit_role := session_user;
    c := {spec.content("NEW")};
    INSERT INTO workflows_audithead AS h (chain, key, seq, hash)
    VALUES ('{t}', NEW.{spec.key}, 1, {_link("''", "c")})
    ON CONFLICT (chain, key) DO UPDATE SET seq = h.seq + 1, hash = {_link("h.hash", "c")}
    RETURNING h.seq, h.hash INTO NEW.audit_seq, NEW.audit_hash;
    RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION {f}() FROM PUBLIC;
DROP TRIGGER IF EXISTS zz_qq_audit_chain ON {t};
CREATE TRIGGER zz_qq_audit_chain BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION {f}();
"""


def backfill_sql(spec: ChainSpec) -> str:
    """Link the rows that exist when the chain is installed, in id order per key (owner, once)."""
    t = spec.table
    return f"""
DO $$
DECLARE r RECORD; c TEXT;
BEGIN
    EXECUTE 'ALTER TABLE {t} DISABLE TRIGGER USER';
    FOR r IN SELECT * FROM {t} WHERE audit_hash IS NULL ORDER BY {spec.key}, id LOOP
        r.audit_role := '{BEFORE_AUDIT}';
        c := {spec.content("r")};
        INSERT INTO workflows_audithead AS h (chain, key, seq, hash)
        VALUES ('{t}', r.{spec.key}, 1, {_link("''", "c")})
        ON CONFLICT (chain, key) DO UPDATE SET seq = h.seq + 1, hash = {_link("h.hash", "c")}
        RETURNING h.seq, h.hash INTO r.audit_seq, r.audit_hash;
        UPDATE {t} SET audit_seq = r.audit_seq, audit_hash = r.audit_hash, audit_role = r.audit_role
         WHERE id = r.id;
    END LOOP;
    EXECUTE 'ALTER TABLE {t} ENABLE TRIGGER USER';
END;
$$;
"""


def uninstall_sql(spec: ChainSpec) -> str:
    t = spec.table
    return f"""
DROP TRIGGER IF EXISTS zz_qq_audit_chain ON {t};
DROP FUNCTION IF EXISTS {spec.function}();
ALTER TABLE {t} DROP COLUMN IF EXISTS audit_seq, DROP COLUMN IF EXISTS audit_hash, DROP COLUMN IF EXISTS audit_role;
DELETE FROM workflows_audithead WHERE chain = '{t}';
"""


def install(schema_editor, *specs: ChainSpec) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for spec in specs:
        schema_editor.execute(install_sql(spec), params=None)
        schema_editor.execute(backfill_sql(spec), params=None)


def uninstall(schema_editor, *specs: ChainSpec) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for spec in specs:
        schema_editor.execute(uninstall_sql(spec), params=None)


# The chains of this app; approvals registers decisions and signatures in its AppConfig.ready().
STATE_CHANGES = ChainSpec("workflows_statechange", "debt_id", (
    Column("id"), Column("debt_id"), Column("from_state"), Column("to_state"), Column("by_id"),
    Column("at", "timestamp"), Column("reason"), Column("authorisation_id")), "state change")
LEDGER_ENTRIES = ChainSpec("workflows_ledgerentry", "debt_id", (
    Column("id"), Column("debt_id"), Column("kind"), Column("amount"), Column("date", "date"),
    Column("reference"), Column("created_by_id"), Column("created_at", "timestamp")), "ledger entry")
# The consuming columns change once, by design; the state change that consumed it is chained.
AUTHORISATIONS = ChainSpec("workflows_authorisation", "debt_id", (
    Column("id"), Column("debt_id"), Column("target"), Column("from_state"), Column("approved_by_id"),
    Column("approved_at", "timestamp"), Column("source"), Column("reason")), "authorisation")

_CHAINS: dict[str, ChainSpec] = {s.table: s for s in (STATE_CHANGES, LEDGER_ENTRIES, AUTHORISATIONS)}


def register(spec: ChainSpec) -> None:
    _CHAINS[spec.table] = spec


def chains() -> list[ChainSpec]:
    return list(_CHAINS.values())


@dataclass
class Broken:
    table: str
    row_id: int | None
    key: int | None
    seq: int | None
    code: str  # no_link | gap | hash | role | no_head | all_deleted | tail_deleted | rewritten
    detail: str = ""  # the missing links, the inserting role, the head's link count

    @property
    def problem(self) -> str:
        return _problem(self)

    def __str__(self):
        where = _("%(table)s 第 %(id)s 行") % {"table": self.table, "id": self.row_id} if self.row_id is not None \
            else self.table
        return _("%(where)s（链 %(key)s，第 %(seq)s 环）：%(problem)s") % {
            "where": where, "key": self.key, "seq": self.seq if self.seq is not None else "-",
            "problem": self.problem}


def _problem(b: Broken) -> str:
    messages = {
        "no_link": _("没有链接：插入时绕过了审计触发器"),
        "gap": _("此前缺少第 %(detail)s 环：已被删除"),
        "hash": _("内容或前一环已被修改：哈希不符"),
        "role": _("由数据库角色 %(detail)s 插入，而非应用角色"),
        "no_head": _("链头缺失：绕过触发器写入"),
        "all_deleted": _("全部 %(detail)s 环已被删除"),
        "tail_deleted": _("链头记录 %(detail)s 环，最后几环已被删除"),
        "rewritten": _("链头与最后一环不符：链被改写"),
    }
    return messages[b.code] % {"detail": b.detail}


@dataclass
class Report:
    rows: int = 0
    chains: int = 0
    broken: list[Broken] = field(default_factory=list)
    supported: bool = True

    @property
    def ok(self) -> bool:
        return self.supported and not self.broken

    @property
    def first(self) -> Broken | None:
        return self.broken[0] if self.broken else None


def _rows_sql(spec: ChainSpec, app_role: str | None) -> str:
    role_check = ""
    if app_role:
        role_check = f"WHEN audit_role NOT IN ({_literal(app_role)}, '{BEFORE_AUDIT}') THEN 'role'"
    return f"""
WITH x AS (
    SELECT t.id, t.{spec.key} AS k, t.audit_seq AS seq, t.audit_hash AS h, t.audit_role,
           {_link("COALESCE(lag(t.audit_hash) OVER w, '')", spec.content("t"))} AS expect,
           COALESCE(lag(t.audit_seq) OVER w, 0) AS prev_seq
    FROM {spec.table} t WINDOW w AS (PARTITION BY t.{spec.key} ORDER BY t.audit_seq NULLS LAST, t.id)
), checked AS (
    SELECT id, k, seq, prev_seq, audit_role, CASE
        WHEN seq IS NULL OR h IS NULL THEN 'no_link'
        WHEN seq <> prev_seq + 1 THEN 'gap'
        WHEN h <> expect THEN 'hash'
        {role_check}
    END AS code FROM x
)
SELECT id, k, seq, code, CASE code WHEN 'gap' THEN
           CASE WHEN seq - prev_seq = 2 THEN (prev_seq + 1)::text ELSE (prev_seq + 1) || '-' || (seq - 1) END
       WHEN 'role' THEN audit_role ELSE '' END,
       (SELECT count(*) FROM x), (SELECT count(DISTINCT k) FROM x)
FROM checked WHERE code IS NOT NULL ORDER BY k, seq NULLS LAST, id LIMIT %s
"""


def _heads_sql(spec: ChainSpec) -> str:
    return f"""
SELECT COALESCE(h.key, l.k), COALESCE(l.seq, h.seq), CASE
    WHEN h.key IS NULL THEN 'no_head'
    WHEN l.k IS NULL THEN 'all_deleted'
    WHEN l.seq < h.seq THEN 'tail_deleted'
    ELSE 'rewritten'
END, COALESCE(h.seq::text, '')
FROM (SELECT key, seq, hash FROM workflows_audithead WHERE chain = '{spec.table}') h
FULL JOIN (SELECT DISTINCT ON ({spec.key}) {spec.key} AS k, audit_seq AS seq, audit_hash AS hash
           FROM {spec.table} WHERE audit_seq IS NOT NULL ORDER BY {spec.key}, audit_seq DESC) l ON l.k = h.key
WHERE h.key IS NULL OR l.k IS NULL OR l.seq <> h.seq OR l.hash <> h.hash
ORDER BY 1 LIMIT %s
"""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def verify(*, app_role: str | None = None, limit: int = 20, using=None) -> Report:
    """Recompute every chain; `app_role` (the application's login role, when two roles are set)
    also flags rows another role inserted. Broken links are ordered by table, chain, link."""
    conn = using or connection
    report = Report()
    if conn.vendor != "postgresql":
        report.supported = False
        return report
    with transaction.atomic(using=conn.alias), conn.cursor() as cur:
        # One sort per table over all its rows (the window needs them in chain order).
        cur.execute("SET LOCAL work_mem = '128MB'")
        for spec in chains():
            cur.execute(_rows_sql(spec, app_role), [limit])
            found = cur.fetchall()
            if found:
                report.rows += found[0][5]
                report.chains += found[0][6]
            else:
                cur.execute(f"SELECT count(*), count(DISTINCT {spec.key}) FROM {spec.table}")
                rows, keys = cur.fetchone()
                report.rows += rows
                report.chains += keys
            report.broken += [Broken(spec.table, i, k, s, c, d) for i, k, s, c, d, _, _ in found]
            cur.execute(_heads_sql(spec), [limit])
            report.broken += [Broken(spec.table, None, k, s, c, d) for k, s, c, d in cur.fetchall()]
    return report
