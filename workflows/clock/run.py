"""The daily run (每日任务): overdue detection, aging, limitation, key monitoring, pre-warnings,
accountability records, over which the 清欠办 overdue queue is a query (rules R5.1-R5.5, R3.6;
aging R5.7, limitation R5.8-R5.9, warnings R5.13-R5.15).

Set-based: every rule is one SQL statement over a range of debt ids, never a Python object
per debt. A run walks the debts in primary-key chunks, one transaction per chunk, in three
passes (events from the ledger; clock rows; the rules), and the rules pass records how far
it got in its ClockRun row in the chunk's own transaction, so a run that is killed resumes
after the last finished chunk and a finished run is a no-op. On PostgreSQL the chunks run
side by side on worker threads; with a Celery broker they run as Celery tasks on the workers
instead (workflows.clock.distributed, rule R5.20). Only one run works at a time: a Redis lock
when Celery uses Redis, a database lease otherwise.

The statements work on PostgreSQL and on SQLite (>= 3.33: UPDATE ... FROM, window functions,
ON CONFLICT); the vendor differences (date arithmetic; on PostgreSQL the move to overdue is
one statement with data-modifying CTEs) are kept small. Values inlined into SQL are dates,
integers and Decimals from validated settings, never user text.
"""
import contextlib
import logging
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from collection.clock import run_daily_steps
from workflows import aging, holidays
from workflows.exceptions import ClockBusy
from workflows.limitation import add_years_sql
from workflows.models import (
    AccountabilityRecord,
    ClockLock,
    ClockRun,
    ClockSettings,
    Contract,
    Debt,
    DebtClock,
    Debtor,
    DebtorExposure,
    LedgerEntry,
    LimitationEvent,
    OverdueTask,
    StateChange,
    Suspension,
)

log = logging.getLogger(__name__)

CHUNK_SIZE = int(os.environ.get("QQ_CLOCK_CHUNK", "50000"))
# Per-statement sort/hash memory for the run's transactions on PostgreSQL: one process, one
# statement at a time, so more than the server default lets it hash a whole chunk.
WORK_MEM = os.environ.get("QQ_CLOCK_WORK_MEM", "64MB")
# Chunks run side by side on PostgreSQL, each in a thread with its own connection (a chunk's
# work is SQL: the database server is what runs in parallel). One on SQLite.
WORKERS = int(os.environ.get("QQ_CLOCK_WORKERS", "2"))
LOCK_TTL = int(os.environ.get("QQ_CLOCK_LOCK_TTL", "300"))
LOCK_NAME = "qingqian:clock:run_daily"

OPEN = ("normal", "overdue", "visit", "legal")
PURSUED = ("overdue", "visit", "legal")
# Claims whose limitation still matters: open ones and written-off ones (账销案存).
LIMITATION_STATES = OPEN + ("written_off",)
RECOVERED = ("cleared", "sealed", "settled_in_kind")


# --- locks -------------------------------------------------------------------------------

class DatabaseLock:
    """A lease on one ClockLock row: taken only if free or expired, renewed after each chunk."""

    def __init__(self, ttl=LOCK_TTL, token=None):
        self.ttl = ttl
        # Given a token, this is another process's handle on a lock taken elsewhere: the
        # workers of a run on Celery renew and release the lock its start took (rule R5.20).
        self.token = token or uuid.uuid4().hex

    def acquire(self):
        try:
            with transaction.atomic():
                ClockLock.objects.get_or_create(name=LOCK_NAME)
        except IntegrityError:  # created by a concurrent run at the same moment
            pass
        now = timezone.now()
        taken = ClockLock.objects.filter(Q(holder="") | Q(expires_at__lt=now), name=LOCK_NAME).update(
            holder=self.token, expires_at=now + timedelta(seconds=self.ttl))
        if taken != 1:
            raise ClockBusy(_("每日任务正在由另一进程运行"))

    def refresh(self):
        kept = ClockLock.objects.filter(name=LOCK_NAME, holder=self.token).update(
            expires_at=timezone.now() + timedelta(seconds=self.ttl))
        if kept != 1:
            raise ClockBusy(_("每日任务的锁已过期并被另一进程取得"))

    def release(self):
        ClockLock.objects.filter(name=LOCK_NAME, holder=self.token).update(holder="", expires_at=None)


class RedisLock:
    def __init__(self, url, ttl=LOCK_TTL, token=None):
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url)
        # Not thread-local: the token is the lock's, whichever thread or process renews it.
        self.lock = self.client.lock(LOCK_NAME, timeout=ttl, blocking=False, thread_local=False)
        self.token = token or uuid.uuid4().hex
        if token:  # another process's handle on a lock taken elsewhere (see DatabaseLock)
            self.lock.local.token = token.encode()

    def acquire(self):
        if not self.lock.acquire(blocking=False, token=self.token):
            raise ClockBusy(_("每日任务正在由另一进程运行"))

    def refresh(self):
        from redis.exceptions import LockError

        try:
            self.lock.reacquire()
        except LockError as exc:
            raise ClockBusy(_("每日任务的锁已过期并被另一进程取得")) from exc

    def release(self):
        from redis.exceptions import LockError

        with contextlib.suppress(LockError):  # expired meanwhile; nothing of ours to release
            self.lock.release()


def configured_redis_url():
    url = getattr(settings, "CELERY_BROKER_URL", "") or ""
    return url if url.startswith(("redis://", "rediss://")) else None


def make_lock(redis_url=None):
    url = redis_url or configured_redis_url()
    return RedisLock(url) if url else DatabaseLock()


@contextmanager
def held(lock):
    lock.acquire()
    try:
        yield lock
    finally:
        lock.release()


# --- SQL helpers -------------------------------------------------------------------------

def _t(model):
    return connection.ops.quote_name(model._meta.db_table)


def _date(vendor, day):
    return f"DATE '{day.isoformat()}'" if vendor == "postgresql" else f"'{day.isoformat()}'"


def _add_days(vendor, expr, days_expr):
    if vendor == "postgresql":
        return f"(({expr}) + CAST({days_expr} AS integer))"
    return f"date({expr}, CAST({days_expr} AS integer) || ' days')"


def _days_between(vendor, start, end):
    """end - start in days."""
    if vendor == "postgresql":
        return f"(({end}) - ({start}))"
    return f"CAST(julianday({end}) - julianday({start}) AS integer)"


def _same(vendor, a, b):
    """Null-safe equality."""
    return f"({a} IS NOT DISTINCT FROM {b})" if vendor == "postgresql" else f"({a} IS {b})"


def _dow(vendor, expr):
    """Day of the week, 0 = Sunday ... 6 = Saturday."""
    if vendor == "postgresql":
        return f"CAST(EXTRACT(DOW FROM {expr}) AS integer)"
    return f"CAST(strftime('%w', {expr}) AS integer)"


def _rolls_cte(vendor, pairs):
    """rolls(day, ends_on): the days of the known calendar years where a period ending on
    that day ends on another day than the weekend rule says (rule R8.14); see _rolled."""
    if not pairs:
        none = _date(vendor, date(2000, 1, 1))
        return f"rolls AS (SELECT {none} AS day, {none} AS ends_on WHERE 1 = 0)"
    values = ", ".join(f"({_date(vendor, a)}, {_date(vendor, b)})" for a, b in pairs)
    return f"rolls (day, ends_on) AS (VALUES {values})"


def _rolled(vendor, expr, alias):
    """The last day of a period ending on `expr`, rolled past statutory rest days (rule
    R8.14): the calendar's exception joined as `alias` (LEFT JOIN rolls alias ON alias.day =
    expr), else a Saturday +2 and a Sunday +1."""
    dow = _dow(vendor, expr)
    return (f"(CASE WHEN {alias}.ends_on IS NOT NULL THEN {alias}.ends_on "
            f"WHEN {dow} = 6 THEN {_add_days(vendor, expr, 2)} "
            f"WHEN {dow} = 0 THEN {_add_days(vendor, expr, 1)} ELSE {expr} END)")


def _in(values):
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class _Sql:
    """The run's statements for one date and one settings row."""

    def __init__(self, run_date, conf):
        self.vendor = connection.vendor
        self.conf = conf
        self.seconds = Counter()
        self.inserted = Counter()  # model -> rows the first passes added
        self.fresh = set()  # chunks (by lo) whose clock rows were all made by this attempt
        # History reasons in the caller's language: worker threads have Django's default one.
        self.reasons = [_("每日任务：到期日已过且仍有余额"), _("每日任务：超过保险账龄期限"),
                        _("每日任务：债务人超过授信额度")]
        self.tally_lock = threading.Lock()
        v = self.vendor
        self.D = _date(v, run_date)
        self.T = {
            "debt": _t(Debt), "contract": _t(Contract), "debtor": _t(Debtor), "entry": _t(LedgerEntry),
            "clock": _t(DebtClock), "exposure": _t(DebtorExposure), "event": _t(LimitationEvent),
            "acc": _t(AccountabilityRecord), "task": _t(OverdueTask), "change": _t(StateChange),
            "susp": _t(Suspension),
        }
        years = conf.limitation_years
        self.addy = lambda expr: add_years_sql(v, expr, years)
        self.rolls = _rolls_cte(v, [])
        self.rolled = lambda expr, alias: _rolled(v, expr, alias)
        default_safe = "NULL" if conf.default_safe_aging_days is None else str(int(conf.default_safe_aging_days))
        safe_days = f"COALESCE(c.safe_aging_days, {default_safe})"
        self.safe_limit = _add_days(v, "k.arose_on", safe_days)
        self.safe_known = f"({safe_days} IS NOT NULL AND k.arose_on IS NOT NULL)"
        self.due_passed = f"{self.D} > {_add_days(v, 'd.due_date', int(conf.overdue_grace_days))}"
        self.safe_exceeded = f"({self.safe_known} AND {self.D} > {self.safe_limit})"
        self.credit_exceeded = "COALESCE(x.over_limit, FALSE)"
        self.candidate = (f"d.state = 'normal' AND d.balance > 0 AND ({self.due_passed} OR {self.safe_exceeded} "
                          f"OR {self.credit_exceeded})")
        self.rule = (f"CASE WHEN {self.due_passed} THEN 'due_date' WHEN {self.safe_exceeded} THEN 'safe_aging' "
                     f"ELSE 'credit_limit' END")
        # Only debtors at or near their credit limit matter: a small set, hashed once per
        # statement. As a plain subquery PostgreSQL probed the exposure index once per debt of
        # the chunk (the join estimate of a chunk is low): 15-30% of the flags statement.
        self.exposed = (f"exposed AS {'MATERIALIZED ' if v == 'postgresql' else ''}"
                        f"(SELECT debtor_id, over_limit, near_limit FROM {self.T['exposure']} "
                        f"WHERE over_limit OR near_limit)")
        self.joins = (f"{self.T['debt']} d JOIN {self.T['contract']} c ON c.id = d.contract_id "
                      f"JOIN {self.T['clock']} k ON k.debt_id = d.id "
                      f"LEFT JOIN exposed x ON x.debtor_id = d.debtor_id")  # needs WITH {exposed}

    def use_calendar(self, calendar, earliest_due):
        """Read once per run: the whole run counts with one calendar. No deadline falls before
        the earliest due date plus the period, so earlier years' exceptions are left out (they
        were 776 rows of VALUES for 2004-2026)."""
        first_year = earliest_due.year + int(self.conf.limitation_years) if earliest_due else 0
        self.rolls = _rolls_cte(self.vendor, [p for p in calendar.roll_exceptions() if p[0].year >= first_year])

    def add_time(self, step, started):
        with self.tally_lock:
            self.seconds[step] += time.monotonic() - started

    def add_rows(self, model, rows):
        with self.tally_lock:
            self.inserted[model] += max(rows, 0)

    def mark_fresh(self, lo):
        with self.tally_lock:
            self.fresh.add(lo)

    def is_fresh(self, lo):
        with self.tally_lock:
            return lo in self.fresh

    @staticmethod
    def reason_of(rule):
        """The history row's reason for the `rule` column; its parameters are self.reasons, in order."""
        return f"CASE {rule} WHEN 'due_date' THEN %s WHEN 'safe_aging' THEN %s ELSE %s END"

    def suspended(self, debt):
        """SELECT of the special-reason suspension in force on the run date for `debt`."""
        return (f"SELECT 1 FROM {self.T['susp']} s WHERE s.debt_id = {debt} "
                f"AND s.start <= {self.D} AND s.until >= {self.D}")

    @staticmethod
    def rng(col, lo, hi):
        return f"{col} >= {int(lo)} AND {col} < {int(hi)}"


@contextmanager
def _timed(q, step):
    """A cursor whose time is added to q.seconds[step] (shown by run_daily -v 2)."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        yield cursor
    q.add_time(step, started)


def _exec(q, step, sql, params=None):
    """Run one statement; returns the rows it changed."""
    # No params means no %-formatting, so SQLite's strftime('%m') may appear in the text.
    with _timed(q, step) as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _exec_one(q, step, sql, params=None):
    """Run one query; returns its single row."""
    with _timed(q, step) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _owns_transactions(q):
    """Whether the run's atomic blocks are transactions of its own (PostgreSQL, no caller's
    transaction open): only then may it change settings for them, which inside a caller's
    transaction (a test's) would outlive the chunk's savepoint, or share its work with other
    connections, which cannot see that transaction's rows."""
    return q.vendor == "postgresql" and not connection.in_atomic_block


@contextmanager
def _transaction(q):
    """One of the run's transactions; yields whether it is the run's own (see _owns_transactions),
    in which case it carries the run's settings."""
    own = _owns_transactions(q)
    with transaction.atomic():
        if own:
            _session()
        yield own


def _session():
    """Settings for the current transaction of the run's own."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        # A chunk's statements are costed above the JIT threshold, but each runs once over a few
        # thousand rows: compiling them took longer than it saved (~30 ms a statement).
        cursor.execute("SELECT set_config('jit', 'off', true)")
        # pgtrigger's ignore check catches an error when this setting is missing, i.e. runs a
        # subtransaction per debt moved; aborting one walks the transaction's queue of deferred
        # foreign-key checks, which makes a night that moves many debts quadratic. With the
        # setting present (empty: ignore nothing) the check takes no error path.
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


STATISTICS_MODELS = (Debt, Contract, Debtor, LedgerEntry, DebtClock, DebtorExposure, LimitationEvent,
                     AccountabilityRecord, OverdueTask, StateChange)


def _refresh_statistics(q, inserted=None):
    """ANALYZE the run's tables of which over a tenth changed since their last ANALYZE, or
    which `inserted` ({model: rows this run added}) grew by over a tenth.

    autovacuum does the same, but later: after a night that moved most debts (the first run
    after an import) the next run would otherwise be planned on statistics that still say
    every debt is normal and the clock tables are empty. Returns the tables analysed."""
    if q.vendor != "postgresql":
        return []
    tables = [m._meta.db_table for m in STATISTICS_MODELS]
    grown = {model._meta.db_table: rows for model, rows in (inserted or {}).items() if rows}
    with _timed(q, "statistics") as cursor:
        cursor.execute("""SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()
                          AND relname = ANY(%s) AND n_mod_since_analyze > 1000 + 0.1 * n_live_tup""", [tables])
        stale = {row[0] for row in cursor.fetchall()}
        # The counters above arrive late from other connections (the worker threads'), so
        # what this run inserted is checked against the row count the last ANALYZE saw.
        cursor.execute("""SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s) AND relkind = 'r'
                          AND relnamespace = current_schema()::regnamespace""", [list(grown)])
        stale |= {name for name, seen in cursor.fetchall() if grown[name] > 1000 + 0.1 * max(seen, 0)}
        stale = sorted(stale)
        for table in stale:
            # Through the owner's function: ANALYZE needs the table's owner, and the application
            # role owns nothing (issue 15, workflows/migrations/0015).
            cursor.execute("SELECT qq_analyze(%s::regclass)", [connection.ops.quote_name(table)])
    return stale


def _exposure(q):
    """Each debtor's open balance against its credit limit (one statement, whole table)."""
    T = q.T
    pct = int(q.conf.credit_prewarning_percent)
    total = "COALESCE(s.total, 0)"
    return _exec(q, "exposure", f"""
        INSERT INTO {T['exposure']} (debtor_id, open_balance, over_limit, near_limit)
        SELECT dr.id, {total},
               (dr.credit_limit > 0 AND {total} > dr.credit_limit),
               (dr.credit_limit > 0 AND {total} <= dr.credit_limit AND {total} * 100 >= dr.credit_limit * {pct})
        FROM {T['debtor']} dr
        LEFT JOIN (SELECT debtor_id, SUM(balance) AS total FROM {T['debt']}
                   WHERE state IN {_in(OPEN)} GROUP BY debtor_id) s ON s.debtor_id = dr.id
        WHERE TRUE
        ON CONFLICT (debtor_id) DO UPDATE SET open_balance = excluded.open_balance,
            over_limit = excluded.over_limit, near_limit = excluded.near_limit
        WHERE NOT ({" AND ".join(_same(q.vendor, f"{T['exposure']}.{c}", f"excluded.{c}")
                                 for c in ("open_balance", "over_limit", "near_limit"))})
    """)


def _limitation_calc(q, lo, hi):
    """CTEs of the limitation chain (see workflows.limitation.chain, the same rule in Python)
    ending in calc(debt_id, last_date, first_break, start) for each debt with lo <= id < hi."""
    T, D, rng = q.T, q.D, q.rng
    prev_point = "(CASE WHEN ev.prev_date IS NULL OR ev.prev_date < ev.due_date THEN ev.due_date ELSE ev.prev_date END)"
    return f"""
        WITH {q.rolls}, ev AS (
            SELECT l.debt_id, l.date, l.revives, d.due_date,
                   LAG(l.date) OVER (PARTITION BY l.debt_id ORDER BY l.date, l.id) AS prev_date
            FROM {T['event']} l JOIN {T['debt']} d ON d.id = l.debt_id
            WHERE {rng('l.debt_id', lo, hi)} AND {rng('d.id', lo, hi)} AND l.date <= {D}
        ), brk AS (
            SELECT ev.debt_id, MIN(ev.date) AS first_break FROM ev LEFT JOIN rolls r ON r.day = {q.addy(prev_point)}
            WHERE NOT ev.revives AND ev.date > {q.rolled(q.addy(prev_point), 'r')}
            GROUP BY ev.debt_id
        ), lastv AS (
            SELECT ev.debt_id, MAX(ev.date) AS last_date FROM ev LEFT JOIN brk ON brk.debt_id = ev.debt_id
            WHERE brk.first_break IS NULL OR ev.date < brk.first_break
            GROUP BY ev.debt_id
        ), base AS (
            SELECT d.id AS debt_id, lastv.last_date, brk.first_break,
                   CASE WHEN lastv.last_date IS NOT NULL AND lastv.last_date > d.due_date
                        THEN lastv.last_date ELSE d.due_date END AS start
            FROM {T['debt']} d LEFT JOIN lastv ON lastv.debt_id = d.id LEFT JOIN brk ON brk.debt_id = d.id
            WHERE {rng('d.id', lo, hi)}
        ), calc AS (
            SELECT base.debt_id, base.last_date, base.first_break, base.start,
                   {q.rolled(q.addy('base.start'), 'r')} AS deadline
            FROM base LEFT JOIN rolls r ON r.day = {q.addy('base.start')}
        )"""


# The run makes three passes over the chunks, each chunk a transaction of its own, and
# ANALYZEs what a pass filled before the next: on the night after an import the tables were
# empty when last analysed, and a plan made for an empty table (a nested loop rescanning it)
# turns quadratic once it holds a chunk's rows. For the same reason inserts skip existing rows
# with ON CONFLICT, not NOT EXISTS: an anti-join planned against an empty table rescans the
# rows the statement is adding.

def _derive_chunk(q, lo, hi, now):
    """Pass 1: payments and recoveries in the ledger interrupt the limitation period.

    No recorded_by: the clock records these events, and who booked the payment is on the
    entry they point at (a foreign-key check fewer per payment on the night after an import)."""
    derived = _exec(q, "derive_events", f"""
        INSERT INTO {q.T['event']} (debt_id, kind, date, recorded_by_id, recorded_at, source, note,
                                    ledger_entry_id, after_lapse, revives)
        SELECT e.debt_id, 'payment', e.date, NULL, %s, 'ledger', '', e.id, FALSE, FALSE
        FROM {q.T['entry']} e
        WHERE {q.rng('e.debt_id', lo, hi)} AND e.kind IN ('payment', 'recovery') AND e.date <= {q.D}
        ON CONFLICT (ledger_entry_id) DO NOTHING
    """, [now])
    q.add_rows(LimitationEvent, derived)
    return {"events_derived": max(derived, 0)}


def _clock_chunk(q, lo, hi, now):
    """Pass 2: a clock row for each new debt, with its limitation dates and when the receivable
    arose (first invoice): the safe aging period runs from it."""
    T, rng = q.T, q.rng
    first_invoice = (f"(SELECT MIN(e.date) FROM {T['entry']} e WHERE e.debt_id = {{debt}} "
                     f"AND e.kind = 'invoice')")
    # Counted first: the SELECT works out the first invoice and the chain for every debt it
    # reads, also those the conflict then skips, and on most days no chunk but the last has new debts.
    debts, clocks = _exec_one(q, "clock_rows", f"""
        SELECT (SELECT COUNT(*) FROM {T['debt']} WHERE {rng('id', lo, hi)}),
               (SELECT COUNT(*) FROM {T['clock']} WHERE {rng('debt_id', lo, hi)})
    """)
    if debts != clocks:
        added = _exec(q, "clock_rows", f"""{_limitation_calc(q, lo, hi)}
        INSERT INTO {T['clock']} (debt_id, arose_on, limitation_start, limitation_deadline, last_event_on,
                                  first_break_on, lapsed, needs_review, over_credit_limit, over_safe_aging,
                                  prewarn_contract, prewarn_credit, prewarn_safe_aging)
        SELECT calc.debt_id, {first_invoice.format(debt='calc.debt_id')}, calc.start, calc.deadline,
               calc.last_date, calc.first_break, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE
        FROM calc WHERE TRUE
        ON CONFLICT (debt_id) DO NOTHING
        """)
        q.add_rows(DebtClock, added)
        if not clocks:
            q.mark_fresh(lo)  # pass 3 need not work the chain out again for this chunk
    # debts registered before their first invoice
    _exec(q, "arose_on", f"""
        UPDATE {T['clock']} SET arose_on = {first_invoice.format(debt=T['clock'] + '.debt_id')}
        WHERE {rng('debt_id', lo, hi)} AND arose_on IS NULL
    """)
    return {}


def _chunk(q, lo, hi, now):
    """Pass 3: every rule for debts with lo <= id < hi. Returns counts."""
    T, D, v = q.T, q.D, q.vendor
    rng = q.rng
    # 4. the limitation dates of debts whose chain may have changed
    if not q.is_fresh(lo):
        _exec(q, "limitation", f"""{_limitation_calc(q, lo, hi)}
        UPDATE {T['clock']} SET limitation_start = calc.start, limitation_deadline = calc.deadline,
               last_event_on = calc.last_date, first_break_on = calc.first_break
        FROM calc WHERE {T['clock']}.debt_id = calc.debt_id AND {rng(T['clock'] + '.debt_id', lo, hi)} AND NOT (
            {_same(v, T['clock'] + '.limitation_start', 'calc.start')}
            AND {_same(v, T['clock'] + '.limitation_deadline', 'calc.deadline')}
            AND {_same(v, T['clock'] + '.last_event_on', 'calc.last_date')}
            AND {_same(v, T['clock'] + '.first_break_on', 'calc.first_break')})
        """)
    # 5. events on or after the break happened after lapse: flagged for a person
    flag = "(l.revives OR (k.first_break_on IS NOT NULL AND l.date >= k.first_break_on))"
    _exec(q, "after_lapse", f"""
        UPDATE {T['event']} AS l SET after_lapse = {flag}
        FROM {T['clock']} k
        WHERE k.debt_id = l.debt_id AND {rng('l.debt_id', lo, hi)} AND {rng('k.debt_id', lo, hi)}
          AND l.date <= {D} AND l.after_lapse <> {flag}
    """)

    # 6. normal -> overdue, with its history row and accountability record. The 清欠办 overdue
    # queue is a query over the untriaged records (rule R5.5), so nothing more is written per
    # debt: on the go-live night a task row per debt was a million rows nobody read one by one.
    moved, queued = (_move_overdue_at_once if v == "postgresql" else _move_overdue_stepwise)(q, lo, hi, now)
    _exec(q, "recovered", f"""
        UPDATE {T['acc']} SET recovered_on = {D}
        WHERE {rng('debt_id', lo, hi)} AND recovered_on IS NULL
          AND debt_id IN (SELECT id FROM {T['debt']} WHERE {rng('id', lo, hi)} AND state IN {_in(RECOVERED)})
    """)

    # 7. aging, limits, pre-warnings and limitation warnings
    days = _days_between(v, "d.due_date", D)
    has_claim = f"d.state IN {_in(LIMITATION_STATES)} AND d.balance > 0"
    is_open = f"d.state IN {_in(OPEN)} AND d.balance > 0"
    left = _days_between(v, D, "k.limitation_deadline")
    warn = " ".join(f"WHEN {left} <= {int(w)} THEN {int(w)}" for w in sorted(q.conf.warnings))
    contract_warn = _add_days(v, D, int(q.conf.contract_prewarning_days))
    safe_warn_from = _add_days(v, q.safe_limit, -int(q.conf.safe_aging_prewarning_days))
    columns = {
        "aging_bucket": f"CASE WHEN {has_claim} THEN {aging.bucket_sql(days, q.conf.buckets)} ELSE NULL END",
        "over_credit_limit": f"({is_open} AND COALESCE(x.over_limit, FALSE))",
        "prewarn_credit": f"({is_open} AND COALESCE(x.near_limit, FALSE))",
        "over_safe_aging": f"({is_open} AND {q.safe_exceeded})",
        "prewarn_safe_aging": f"({is_open} AND {q.safe_known} AND {D} >= {safe_warn_from} AND {D} <= {q.safe_limit})",
        # Rule R5.15: the contract's own deadline (合同期限), not the debt's due date.
        "prewarn_contract": (f"(d.state = 'normal' AND d.balance > 0 AND c.due_on >= {D}"
                             f" AND c.due_on <= {contract_warn})"),
        "lapsed": f"({has_claim} AND k.limitation_deadline < {D})",
        "warning_days": (f"CASE WHEN {has_claim} AND k.limitation_deadline >= {D}"
                         f" THEN (CASE {warn} ELSE NULL END) ELSE NULL END"),
        "needs_review": "(r.debt_id IS NOT NULL)",
    }
    # Written only where something changed: on an ordinary day few rows do.
    _exec(q, "flags", f"""
        WITH {q.exposed}
        UPDATE {T['clock']} AS k SET {", ".join(f"{name} = {expr}" for name, expr in columns.items())}
        FROM {T['debt']} d JOIN {T['contract']} c ON c.id = d.contract_id
             LEFT JOIN exposed x ON x.debtor_id = d.debtor_id
             LEFT JOIN (SELECT DISTINCT l.debt_id FROM {T['event']} l
                        WHERE {rng('l.debt_id', lo, hi)} AND l.after_lapse AND l.reviewed_at IS NULL) r
                  ON r.debt_id = d.id
        WHERE d.id = k.debt_id AND {rng('k.debt_id', lo, hi)} AND {rng('d.id', lo, hi)}
          AND NOT ({" AND ".join(_same(v, f"k.{name}", expr) for name, expr in columns.items())})
    """)
    # 8. key monitoring (重点监控): pursued debts of at least the configured amount
    key = f"(state IN {_in(PURSUED)} AND balance >= {q.conf.key_monitoring_amount})"
    _exec(q, "key_monitoring",
          f"UPDATE {T['debt']} SET key_monitoring = {key} WHERE {rng('id', lo, hi)} AND key_monitoring <> {key}")
    return {"moved_overdue": max(moved, 0), "tasks_created": max(queued, 0)}


def _move_overdue_at_once(q, lo, hi, now):
    """PostgreSQL: one statement moves the chunk's candidates and writes, from the rows it
    moved, their accountability records and history rows. The UPDATE locks each row
    and rechecks it is still normal with a balance (all of the candidate rule that another
    transaction can change), so a concurrent transition or payment is never overwritten, and
    nothing is read twice. Plain inserts: a debt leaves normal once, and only here gets a
    record, so a conflict would be corrupt data and must stop the run, not be
    skipped. Returns (moved, entering the queue)."""
    T, D, rng = q.T, q.D, q.rng
    return _exec_one(q, "move_overdue", f"""
            WITH {q.exposed}, cand AS (
                SELECT d.id, {q.rule} AS rule FROM {q.joins}
                WHERE {rng('d.id', lo, hi)} AND {rng('k.debt_id', lo, hi)} AND {q.candidate}
            ), moved AS (
                UPDATE {T['debt']} AS m
                SET state = 'overdue', key_monitoring = (m.balance >= {q.conf.key_monitoring_amount})
                FROM cand WHERE m.id = cand.id AND {rng('m.id', lo, hi)} AND m.state = 'normal' AND m.balance > 0
                RETURNING m.id, m.handler_id, m.responsible_id, m.balance, cand.rule
            ), acc AS (
                INSERT INTO {T['acc']} (debt_id, handler_id, responsible_id, entered_overdue_on, rule, balance)
                SELECT id, handler_id, responsible_id, {D}, rule, balance FROM moved
            ), history AS (
                INSERT INTO {T['change']} (debt_id, from_state, to_state, by_id, at, reason, authorisation_id)
                SELECT id, 'normal', 'overdue', NULL, %s, {q.reason_of('rule')}, NULL
                FROM moved
            )
            SELECT (SELECT COUNT(*) FROM moved),
                   (SELECT COUNT(*) FROM moved WHERE NOT EXISTS ({q.suspended('moved.id')}))
        """, [now, *q.reasons])


def _move_overdue_stepwise(q, lo, hi, now):
    """SQLite (one writer at a time, no data-modifying CTEs): accountability records for the
    candidates, then history rows and the move for the records made today. Returns (moved,
    entering the 清欠办 queue)."""
    T, D, rng = q.T, q.D, q.rng
    _exec(q, "accountability", f"""
        WITH {q.exposed}
        INSERT INTO {T['acc']} (debt_id, handler_id, responsible_id, entered_overdue_on, rule, balance)
        SELECT d.id, d.handler_id, d.responsible_id, {D}, {q.rule}, d.balance
        FROM {q.joins}
        WHERE {rng('d.id', lo, hi)} AND {rng('k.debt_id', lo, hi)} AND {q.candidate}
        ON CONFLICT (debt_id) DO NOTHING
    """)
    _exec(q, "state_change", f"""
        INSERT INTO {T['change']} (debt_id, from_state, to_state, by_id, at, reason, authorisation_id)
        SELECT a.debt_id, 'normal', 'overdue', NULL, %s, {q.reason_of('a.rule')}, NULL
        FROM {T['acc']} a JOIN {T['debt']} d ON d.id = a.debt_id
        WHERE {rng('a.debt_id', lo, hi)} AND {rng('d.id', lo, hi)} AND a.entered_overdue_on = {D}
          AND d.state = 'normal'
    """, [now, *q.reasons])
    # key_monitoring is set in the same write (step 8 then has nothing to change for these rows).
    moved = _exec(q, "move_overdue", f"""
        UPDATE {T['debt']} SET state = 'overdue', key_monitoring = (balance >= {q.conf.key_monitoring_amount})
        WHERE {rng('id', lo, hi)} AND state = 'normal'
          AND id IN (SELECT a.debt_id FROM {T['acc']} a WHERE {rng('a.debt_id', lo, hi)} AND a.entered_overdue_on = {D})
    """)
    queued = _exec_one(q, "queue_count", f"""
        SELECT COUNT(*) FROM {T['acc']} a WHERE {rng('a.debt_id', lo, hi)} AND a.entered_overdue_on = {D}
          AND NOT EXISTS ({q.suspended('a.debt_id')})
    """)[0] if moved else 0
    return moved, queued


def _run_chunk(q, run_pk, work, lo, hi, last_debt_id=None):
    """One pass (`work`) over one chunk in its own transaction; its counts (and, run in order,
    the progress mark) are added to the run in that same transaction, so a chunk done again
    after a crash adds nothing."""
    with _transaction(q) as own:
        counts = work(q, lo, hi, connection.ops.adapt_datetimefield_value(timezone.now()))
        if own:
            # Check the deferred foreign keys before taking the run row's lock, so a parallel
            # chunk waiting for that lock does not wait for these checks as well.
            _exec(q, "foreign_key_checks", "SET CONSTRAINTS ALL IMMEDIATE")
        progress = {} if last_debt_id is None else {"last_debt_id": last_debt_id}
        increments = {name: F(name) + value for name, value in counts.items()}
        ClockRun.objects.filter(pk=run_pk).update(**progress, **increments)
    return counts


def _chunk_in_thread(q, run_pk, work, lo, hi):
    try:
        return _run_chunk(q, run_pk, work, lo, hi)
    finally:
        connection.close()  # the worker thread's own connection


def _workers(q, requested):
    return max(1, requested or WORKERS) if _owns_transactions(q) else 1


def _pass(q, run, work, chunks, workers, lock, after_chunk=None, mark_progress=False):
    """Run `work` over the chunks, on `workers` threads when more than one. With mark_progress
    the run's progress mark moves, but only over chunks that are all done, so a resumed run
    redoes at most the few that finished out of order (the rules are idempotent). The lock is
    renewed from this thread, which holds it."""
    def committed(hi):
        lock.refresh()
        if after_chunk is not None:
            after_chunk(run, hi)

    if workers == 1 or len(chunks) == 1:
        for lo, hi in chunks:
            _run_chunk(q, run.pk, work, lo, hi, last_debt_id=hi - 1 if mark_progress else None)
            committed(hi)
        return
    upcoming = iter(chunks)
    done, ordered = set(), 0
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="clock") as pool:
        pending = {}

        def submit_next():
            for lo, hi in upcoming:
                pending[pool.submit(_chunk_in_thread, q, run.pk, work, lo, hi)] = (lo, hi)
                return

        for _ in range(workers):
            submit_next()
        while pending:
            finished, _running = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                lo, hi = pending.pop(future)
                future.result()  # a failed chunk stops the run; running ones finish first
                done.add(lo)
                while ordered < len(chunks) and chunks[ordered][0] in done:
                    ordered += 1
                if mark_progress and ordered:
                    ClockRun.objects.filter(pk=run.pk).update(last_debt_id=chunks[ordered - 1][1] - 1)
                committed(hi)
                submit_next()


def run_daily(run_date: date | None = None, *, chunk_size: int | None = None, lock: object | None = None,
              after_chunk: Callable[[ClockRun, int], None] | None = None, workers: int | None = None) -> ClockRun:
    """Run the clock for `run_date` (today in Asia/Shanghai by default); returns the ClockRun.

    after_chunk(run, hi) is called after each committed chunk (tests use it to kill a run)."""
    run_date = run_date or timezone.localdate()
    chunk_size = chunk_size or CHUNK_SIZE
    lock = lock or make_lock()
    with held(lock):
        run, _created = ClockRun.objects.get_or_create(run_date=run_date,
                                                       defaults={"started_at": timezone.now()})
        if run.status == ClockRun.DONE:
            log.info("clock run for %s already done", run_date)
            run.step_seconds = {}
            return run
        ClockRun.objects.filter(pk=run.pk).update(attempts=F("attempts") + 1)
        conf = ClockSettings.load()
        q = _Sql(run_date, conf)
        _refresh_statistics(q)
        # Debtor totals span chunks; recomputed (idempotently) on every attempt.
        with _transaction(q):
            _exposure(q)
        ids = Debt.objects.aggregate(low=Min("pk"), high=Max("pk"), earliest=Min("due_date"))
        q.use_calendar(holidays.calendar(fresh=True), ids["earliest"])
        max_id = ids["high"] or 0
        first = max(run.last_debt_id + 1, ids["low"] or 1)
        chunks = [(lo, lo + chunk_size) for lo in range(first, max_id + 1, chunk_size)]
        workers = _workers(q, workers)
        # Three passes, ANALYZE after each that filled a table (see _derive_chunk).
        _pass(q, run, _derive_chunk, chunks, workers, lock)
        _refresh_statistics(q, {LimitationEvent: q.inserted[LimitationEvent]})
        _pass(q, run, _clock_chunk, chunks, workers, lock)
        _refresh_statistics(q, {DebtClock: q.inserted[DebtClock]})
        _pass(q, run, _chunk, chunks, workers, lock, after_chunk=after_chunk, mark_progress=True)
        # Collection's flags (broken promises, missed instalments): set-based, safe to repeat.
        started = time.monotonic()
        run_daily_steps(run_date)
        q.add_time("collection", started)
        ClockRun.objects.filter(pk=run.pk).update(status=ClockRun.DONE, finished_at=timezone.now(),
                                                  last_debt_id=max(max_id, run.last_debt_id),
                                                  debts_seen=Debt.objects.filter(pk__lte=max_id).count())
        run.refresh_from_db()
        run.step_seconds = dict(q.seconds)  # this attempt's time per step, for -v 2 and the benchmark
        log.info("clock run for %s done: %s moved to overdue", run_date, run.moved_overdue)
        return run
