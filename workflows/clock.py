"""The daily run (每日任务, DOMAIN §3 and §5): overdue detection, aging, limitation,
key monitoring, pre-warnings, accountability records and 清欠办 tasks.

Set-based: every rule is one SQL statement over a range of debt ids, never a Python object
per debt. A run walks the debts in primary-key chunks, one transaction per chunk, and
records the last id it finished in its ClockRun row in that same transaction, so a run that
is killed resumes after the last finished chunk and a finished run is a no-op. Only one run
works at a time: a Redis lock when Celery uses Redis, a database lease otherwise.

The statements work on PostgreSQL and on SQLite (>= 3.33: UPDATE ... FROM, window functions,
ON CONFLICT); the few vendor differences (date arithmetic) are the helpers below. Values
inlined into SQL are dates, integers and Decimals from validated settings, never user text.
"""
import logging
import os
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import aging
from .limitation import add_years_sql
from .models import (AccountabilityRecord, ClockLock, ClockRun, ClockSettings, Contract, Debt, DebtClock,
                     Debtor, DebtorExposure, LedgerEntry, LimitationEvent, OverdueTask, State, StateChange,
                     Suspension)

log = logging.getLogger(__name__)

CHUNK_SIZE = int(os.environ.get("QQ_CLOCK_CHUNK", "50000"))
LOCK_TTL = int(os.environ.get("QQ_CLOCK_LOCK_TTL", "300"))
LOCK_NAME = "qingqian:clock:run_daily"

OPEN = ("normal", "overdue", "visit", "legal")
PURSUED = ("overdue", "visit", "legal")
# Claims whose limitation still matters: open ones and written-off ones (账销案存).
LIMITATION_STATES = OPEN + ("written_off",)
RECOVERED = ("cleared", "sealed", "settled_in_kind")


class ClockBusy(Exception):
    """Another run holds the lock."""


# --- locks -------------------------------------------------------------------------------

class DatabaseLock:
    """A lease on one ClockLock row: taken only if free or expired, renewed after each chunk."""

    def __init__(self, ttl=LOCK_TTL):
        self.ttl = ttl
        self.token = uuid.uuid4().hex

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
    def __init__(self, url, ttl=LOCK_TTL):
        import redis

        self.client = redis.Redis.from_url(url)
        self.lock = self.client.lock(LOCK_NAME, timeout=ttl, blocking=False)

    def acquire(self):
        if not self.lock.acquire(blocking=False):
            raise ClockBusy(_("每日任务正在由另一进程运行"))

    def refresh(self):
        from redis.exceptions import LockError

        try:
            self.lock.reacquire()
        except LockError as exc:
            raise ClockBusy(_("每日任务的锁已过期并被另一进程取得")) from exc

    def release(self):
        from redis.exceptions import LockError

        try:
            self.lock.release()
        except LockError:  # expired meanwhile; nothing of ours to release
            pass


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


def _in(values):
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class _Sql:
    """The run's statements for one date and one settings row."""

    def __init__(self, run_date, conf):
        self.vendor = connection.vendor
        self.conf = conf
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
        self.joins = (f"{self.T['debt']} d JOIN {self.T['contract']} c ON c.id = d.contract_id "
                      f"JOIN {self.T['clock']} k ON k.debt_id = d.id "
                      f"LEFT JOIN {self.T['exposure']} x ON x.debtor_id = d.debtor_id")

    @staticmethod
    def rng(col, lo, hi):
        return f"{col} >= {int(lo)} AND {col} < {int(hi)}"


def _exec(sql, params=None):
    # No params means no %-formatting, so SQLite's strftime('%m') may appear in the text.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _exposure(q):
    """Each debtor's open balance against its credit limit (one statement, whole table)."""
    T = q.T
    pct = int(q.conf.credit_prewarning_percent)
    total = "COALESCE(s.total, 0)"
    return _exec(f"""
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


def _chunk(q, lo, hi, now):
    """Every per-debt rule for debts with lo <= id < hi. Returns counts."""
    T, D, v = q.T, q.D, q.vendor
    rng = q.rng

    # 1. a clock row for each debt
    _exec(f"""
        INSERT INTO {T['clock']} (debt_id, lapsed, needs_review, over_credit_limit, over_safe_aging,
                                  prewarn_contract, prewarn_credit, prewarn_safe_aging)
        SELECT d.id, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE, FALSE FROM {T['debt']} d
        WHERE {rng('d.id', lo, hi)} AND NOT EXISTS (SELECT 1 FROM {T['clock']} k WHERE k.debt_id = d.id)
    """)
    # 2. when the receivable arose (first invoice): the safe aging period runs from it
    _exec(f"""
        UPDATE {T['clock']} SET arose_on = (
            SELECT MIN(e.date) FROM {T['entry']} e WHERE e.debt_id = {T['clock']}.debt_id AND e.kind = 'invoice')
        WHERE {rng('debt_id', lo, hi)} AND arose_on IS NULL
    """)
    # 3. payments and recoveries in the ledger interrupt the limitation period
    derived = _exec(f"""
        INSERT INTO {T['event']} (debt_id, kind, date, recorded_by_id, recorded_at, source, note, ledger_entry_id,
                                  after_lapse, revives)
        SELECT e.debt_id, 'payment', e.date, e.created_by_id, %s, 'ledger', '', e.id, FALSE, FALSE
        FROM {T['entry']} e
        WHERE {rng('e.debt_id', lo, hi)} AND e.kind IN ('payment', 'recovery') AND e.date <= {D}
          AND NOT EXISTS (SELECT 1 FROM {T['event']} l WHERE l.ledger_entry_id = e.id)
    """, [now])
    # 4. the limitation chain (see workflows.limitation.chain, the same rule in Python)
    prev_point = "(CASE WHEN ev.prev_date IS NULL OR ev.prev_date < ev.due_date THEN ev.due_date ELSE ev.prev_date END)"
    _exec(f"""
        WITH ev AS (
            SELECT l.debt_id, l.date, l.revives, d.due_date,
                   LAG(l.date) OVER (PARTITION BY l.debt_id ORDER BY l.date, l.id) AS prev_date
            FROM {T['event']} l JOIN {T['debt']} d ON d.id = l.debt_id
            WHERE {rng('l.debt_id', lo, hi)} AND l.date <= {D}
        ), brk AS (
            SELECT ev.debt_id, MIN(ev.date) AS first_break FROM ev
            WHERE NOT ev.revives AND ev.date > {q.addy(prev_point)}
            GROUP BY ev.debt_id
        ), lastv AS (
            SELECT ev.debt_id, MAX(ev.date) AS last_date FROM ev LEFT JOIN brk ON brk.debt_id = ev.debt_id
            WHERE brk.first_break IS NULL OR ev.date < brk.first_break
            GROUP BY ev.debt_id
        ), calc AS (
            SELECT d.id AS debt_id, lastv.last_date, brk.first_break,
                   CASE WHEN lastv.last_date IS NOT NULL AND lastv.last_date > d.due_date
                        THEN lastv.last_date ELSE d.due_date END AS start
            FROM {T['debt']} d LEFT JOIN lastv ON lastv.debt_id = d.id LEFT JOIN brk ON brk.debt_id = d.id
            WHERE {rng('d.id', lo, hi)}
        )
        UPDATE {T['clock']} SET limitation_start = calc.start, limitation_deadline = {q.addy('calc.start')},
               last_event_on = calc.last_date, first_break_on = calc.first_break
        FROM calc WHERE {T['clock']}.debt_id = calc.debt_id AND NOT (
            {_same(v, T['clock'] + '.limitation_start', 'calc.start')}
            AND {_same(v, T['clock'] + '.last_event_on', 'calc.last_date')}
            AND {_same(v, T['clock'] + '.first_break_on', 'calc.first_break')})
    """)
    # 5. events on or after the break happened after lapse: flagged for a person
    flag = "(l.revives OR (k.first_break_on IS NOT NULL AND l.date >= k.first_break_on))"
    _exec(f"""
        UPDATE {T['event']} AS l SET after_lapse = {flag}
        FROM {T['clock']} k
        WHERE k.debt_id = l.debt_id AND {rng('l.debt_id', lo, hi)} AND l.date <= {D} AND l.after_lapse <> {flag}
    """)

    # 6. normal -> overdue, with its history row, accountability record and 清欠办 task
    if v == "postgresql":
        # Hold the candidates so a concurrent apply_transition cannot move them mid-chunk.
        _exec(f"SELECT d.id FROM {q.joins} WHERE {rng('d.id', lo, hi)} AND {q.candidate} FOR UPDATE OF d")
    _exec(f"""
        INSERT INTO {T['acc']} (debt_id, handler_id, responsible_id, entered_overdue_on, rule, balance)
        SELECT d.id, d.handler_id, d.responsible_id, {D}, {q.rule}, d.balance
        FROM {q.joins}
        WHERE {rng('d.id', lo, hi)} AND {q.candidate}
          AND NOT EXISTS (SELECT 1 FROM {T['acc']} a WHERE a.debt_id = d.id)
    """)
    new_overdue = (f"FROM {T['acc']} a JOIN {T['debt']} d ON d.id = a.debt_id "
                   f"WHERE {rng('a.debt_id', lo, hi)} AND a.entered_overdue_on = {D} AND d.state = 'normal'")
    _exec(f"""
        INSERT INTO {T['change']} (debt_id, from_state, to_state, by_id, at, reason, authorisation_id)
        SELECT a.debt_id, 'normal', 'overdue', NULL, %s,
               CASE a.rule WHEN 'due_date' THEN %s WHEN 'safe_aging' THEN %s ELSE %s END, NULL
        {new_overdue}
    """, [now, _("每日任务：到期日已过且仍有余额"), _("每日任务：超过保险账龄期限"), _("每日任务：债务人超过授信额度")])
    moved = _exec(f"""
        UPDATE {T['debt']} SET state = 'overdue'
        WHERE {rng('id', lo, hi)} AND state = 'normal'
          AND id IN (SELECT a.debt_id FROM {T['acc']} a WHERE {rng('a.debt_id', lo, hi)} AND a.entered_overdue_on = {D})
    """)
    # A task for each overdue debt that has none, unless a special-reason suspension is in
    # force today; a debt whose suspension has ended gets its task on the next run.
    tasks = _exec(f"""
        INSERT INTO {T['task']} (debt_id, created_for)
        SELECT a.debt_id, {D} FROM {T['acc']} a JOIN {T['debt']} d ON d.id = a.debt_id
        WHERE {rng('a.debt_id', lo, hi)} AND d.state = 'overdue'
          AND NOT EXISTS (SELECT 1 FROM {T['task']} t WHERE t.debt_id = a.debt_id)
          AND NOT EXISTS (SELECT 1 FROM {T['susp']} s WHERE s.debt_id = a.debt_id
                          AND s.start <= {D} AND s.until >= {D})
    """)
    _exec(f"""
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
        "prewarn_contract": f"(d.state = 'normal' AND d.balance > 0 AND d.due_date >= {D} AND d.due_date <= {contract_warn})",
        "lapsed": f"({has_claim} AND k.limitation_deadline < {D})",
        "warning_days": f"CASE WHEN {has_claim} AND k.limitation_deadline >= {D} THEN (CASE {warn} ELSE NULL END) ELSE NULL END",
        "needs_review": f"EXISTS (SELECT 1 FROM {T['event']} l WHERE l.debt_id = k.debt_id AND l.after_lapse AND l.reviewed_at IS NULL)",
    }
    # Computed once in a CTE, written only where something changed: on an ordinary day few rows do.
    _exec(f"""
        WITH n AS (
            SELECT k.debt_id, {", ".join(f"{expr} AS {name}" for name, expr in columns.items())}
            FROM {T['clock']} k JOIN {T['debt']} d ON d.id = k.debt_id
                 JOIN {T['contract']} c ON c.id = d.contract_id
                 LEFT JOIN {T['exposure']} x ON x.debtor_id = d.debtor_id
            WHERE {rng('k.debt_id', lo, hi)}
        )
        UPDATE {T['clock']} SET {", ".join(f"{name} = n.{name}" for name in columns)}
        FROM n WHERE {T['clock']}.debt_id = n.debt_id
          AND NOT ({" AND ".join(_same(v, f"{T['clock']}.{name}", f"n.{name}") for name in columns)})
    """)
    # 8. key monitoring (重点监控): pursued debts of at least the configured amount
    key = f"(state IN {_in(PURSUED)} AND balance >= {q.conf.key_monitoring_amount})"
    _exec(f"UPDATE {T['debt']} SET key_monitoring = {key} WHERE {rng('id', lo, hi)} AND key_monitoring <> {key}")
    return {"moved_overdue": max(moved, 0), "tasks_created": max(tasks, 0), "events_derived": max(derived, 0)}


def run_daily(run_date=None, *, chunk_size=None, lock=None, after_chunk=None):
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
            return run
        ClockRun.objects.filter(pk=run.pk).update(attempts=F("attempts") + 1)
        conf = ClockSettings.load()
        q = _Sql(run_date, conf)
        # Debtor totals span chunks; recomputed (idempotently) on every attempt.
        with transaction.atomic():
            _exposure(q)
        max_id = Debt.objects.aggregate(m=Max("pk"))["m"] or 0
        lo = run.last_debt_id + 1
        while lo <= max_id:
            hi = lo + chunk_size
            with transaction.atomic():
                counts = _chunk(q, lo, hi, connection.ops.adapt_datetimefield_value(timezone.now()))
                seen = Debt.objects.filter(pk__gte=lo, pk__lt=hi).count()
                ClockRun.objects.filter(pk=run.pk).update(
                    last_debt_id=hi - 1, debts_seen=F("debts_seen") + seen,
                    **{name: F(name) + value for name, value in counts.items()})
            lock.refresh()
            if after_chunk is not None:
                after_chunk(run, hi)
            lo = hi
        # Collection's flags (broken promises, missed instalments): set-based, safe to repeat.
        from collection.clock import run_daily_steps
        run_daily_steps(run_date)
        ClockRun.objects.filter(pk=run.pk).update(status=ClockRun.DONE, finished_at=timezone.now(),
                                                  last_debt_id=max(max_id, run.last_debt_id))
        run.refresh_from_db()
        log.info("clock run for %s done: %s moved to overdue", run_date, run.moved_overdue)
        return run
