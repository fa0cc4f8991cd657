"""Benchmark of the daily run on PostgreSQL: N debts with ledger entries, then run_daily.

    .venv/bin/python bench/daily_run.py 100000 1000000
    .venv/bin/python bench/daily_run.py --reuse 1000000   # keep/copy the loaded data (qq_bench_clock_seed_N)
    .venv/bin/python bench/daily_run.py --reuse --repeat 5 100000 1000000   # five times each

For each size it recreates the database qq_bench_clock, migrates it, loads debtors, contracts,
debts and ledger entries with COPY, then runs `manage.py run_daily` in a child process four
times: the first run of a date (most debts become overdue: the heaviest day), the same date
again (must be a no-op), then after a VACUUM (ANALYZE) standing in for the day's autovacuum,
the next day and the day after (ordinary days). Wall time and the child's peak RSS
are printed as Markdown rows for bench/RESULTS.md.

    .venv/bin/python bench/daily_run.py --reuse 1000000 --celery 0 1 2   # rule R5.20

With --celery the four nights are run once per figure: 0 is the in-process run (the anchor), N
starts one Celery worker with N processes on the broker QQ_BENCH_BROKER (Redis db 9 by default)
for the nights of that copy, and run_daily sends the chunks to it and waits; the peak memory is
then the largest of the worker's processes.
"""
import argparse
import contextlib
import io
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
DB = os.environ.get("QQ_BENCH_DB", "qq_bench_clock")
DSN = "host=127.0.0.1 port=5432 user=postgres"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
RUN_DATE = date(2026, 6, 30)
BATCH = 100_000
NOW = "2026-06-29 12:00:00+08"
CHILD = """
import resource, sys, django
django.setup()
from django.core.management import call_command
call_command("run_daily", "--date", sys.argv[1], verbosity=2)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the parent (this script, which
# held the generated rows), so it reported the loader's peak rather than the run's.
with open("/proc/self/status") as status:
    hwm = [line.split()[1] for line in status if line.startswith("VmHWM:")]
print("peak_rss_kib", hwm[0] if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


BROKER = os.environ.get("QQ_BENCH_BROKER", "redis://127.0.0.1:6379/9")
WORKER = {"processes": 0, "popen": None}  # the Celery worker of the nights being run (0: in-process)


def env():
    return {**os.environ, "DATABASE_URL": URL, "SECRET_KEY": "bench-only",
            "CELERY_BROKER_URL": BROKER if WORKER["processes"] else "", "CELERY_RESULT_BACKEND": "",
            "DJANGO_SETTINGS_MODULE": "config.settings"}


def start_worker(processes):
    """One Celery worker with `processes` prefork processes, ready to take tasks."""
    import redis

    redis.Redis.from_url(BROKER).flushdb()  # no message left from an earlier sitting
    WORKER["processes"] = processes
    name = f"bench{processes}-{os.getpid()}@%h"
    WORKER["popen"] = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork", "-c", str(processes),
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning", "-n", name],
        cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(60):
        ping = subprocess.run([sys.executable, "-m", "celery", "-A", "config", "inspect", "ping", "-t", "1"],
                              cwd=ROOT, env=env(), capture_output=True, text=True)
        if ping.returncode == 0 and "pong" in ping.stdout:
            return
        time.sleep(0.5)
    raise RuntimeError("the Celery worker did not answer")


def stop_worker():
    """Stop the worker; returns the peak memory of its largest process in MiB."""
    popen = WORKER["popen"]
    if popen is None:
        return 0.0
    pids = [popen.pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{popen.pid}/task/{popen.pid}/children").read_text().split()]
    peak = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
            peak = max([peak] + [int(line.split()[1]) for line in status if line.startswith("VmHWM:")])
    popen.terminate()
    popen.wait(timeout=120)
    WORKER.update(processes=0, popen=None)
    return peak / 1024


def manage(*args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env(), check=True,
                          capture_output=True, text=True).stdout


def _admin(*statements):
    conn = psycopg2.connect(DSN + " dbname=postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
        cur.execute("SELECT datname FROM pg_database")
        names = {row[0] for row in cur.fetchall()}
    conn.close()
    return names


def recreate():
    _admin(f"DROP DATABASE IF EXISTS {DB}", f"CREATE DATABASE {DB}")
    manage("migrate", "--noinput", "-v", "0")


def seed_name(n):
    return f"{DB}_seed_{n}"


def prepare(n, reuse):
    """Load n debts into DB; with reuse, keep the loaded database as a template and copy it
    for later runs (a copy takes seconds, a load minutes). Returns (entries, load seconds)."""
    seed = seed_name(n)
    if reuse and seed in _admin():
        # FILE_COPY (PostgreSQL 15 and later): PostgreSQL 15's default (WAL_LOG) writes the whole copy to the WAL, and
        # the checkpoint that follows would land in the first run.
        _admin(f"DROP DATABASE IF EXISTS {DB}", f"CREATE DATABASE {DB} TEMPLATE {seed} STRATEGY FILE_COPY")
        manage("migrate", "--noinput", "-v", "0")  # the seed may predate a migration
        conn = psycopg2.connect(DSN + f" dbname={DB}")
        with conn.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM workflows_ledgerentry")
            entries = cur.fetchone()[0]
        conn.close()
        load_s = 0.0
    else:
        recreate()
        entries, load_s = load(n)
        if reuse:
            _admin(f"DROP DATABASE IF EXISTS {seed}", f"CREATE DATABASE {seed} TEMPLATE {DB} STRATEGY FILE_COPY")
    # The import is long done by the night after it: its writes are not the run's to flush.
    _admin("CHECKPOINT")
    return entries, load_s


def copy(cur, table, columns, rows):
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row))
        buf.write("\n")
    buf.seek(0)
    cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)


def load(n):
    rnd = random.Random(42)
    conn = psycopg2.connect(DSN + f" dbname={DB}")
    cur = conn.cursor()
    # The generated rows are consistent by construction; with the foreign-key triggers off
    # (replica role) the COPY does not queue millions of deferred checks until COMMIT.
    cur.execute("SET session_replication_role = replica")
    cur.execute("INSERT INTO workflows_orgunit (code, name, ceased) VALUES ('HQ', '集团总部', false) RETURNING id")
    unit = cur.fetchone()[0]
    cur.execute("""INSERT INTO workflows_user (password, is_superuser, username, first_name, last_name, email,
                   is_staff, is_active, date_joined, unit_id) VALUES ('!', false, 'bench', '', '', '', false, true,
                   now(), %s) RETURNING id""", [unit])
    user = cur.fetchone()[0]
    debtors = max(n // 5, 1)
    for lo in range(0, debtors, BATCH):
        copy(cur, "workflows_debtor",
             ["id", "name", "credit_code", "contact", "phone", "address", "credit_limit", "deceased", "bankrupt"],
             ((i + 1, f"债务人{i}", f"{i:018d}", "", "", "",
               # one debtor in ten has a credit limit, some of them exceeded
               f"{rnd.choice([200000, 800000, 3000000])}.00" if i % 10 == 0 else "0.00", "f", "f")
              for i in range(lo, min(lo + BATCH, debtors))))
    start = time.monotonic()
    entry_id = 0
    for lo in range(0, n, BATCH):
        contracts, debts, entries = [], [], []
        for i in range(lo, min(lo + BATCH, n)):
            due = RUN_DATE + timedelta(days=rnd.randint(-6 * 365, 200))
            amount = rnd.randint(1_000, 2_000_000)
            paid = rnd.randint(0, amount) if rnd.random() < 0.5 else 0
            debtor = rnd.randint(1, debtors)
            contracts.append((i + 1, unit, f"HT{i:08d}", debtor, due - timedelta(days=300), due, f"{amount}.00",
                              rnd.choice([None, None, 365, 720])))
            debts.append((i + 1, f"QQ{i:08d}", debtor, i + 1, "receivable", unit, user, user, due, "normal",
                          "f", f"{amount - paid}.00", "0.00", NOW))
            entry_id += 1
            entries.append((entry_id, i + 1, "invoice", f"{amount}.00", due - timedelta(days=200), "INV", user, NOW))
            if paid:
                entry_id += 1
                pay_on = min(due + timedelta(days=rnd.randint(-100, 1500)), RUN_DATE)
                entries.append((entry_id, i + 1, "payment", f"{paid}.00", pay_on, "PAY", user, NOW))
        copy(cur, "workflows_contract",
             ["id", "unit_id", "number", "debtor_id", "signed_on", "due_on", "amount", "safe_aging_days"], contracts)
        copy(cur, "workflows_debt",
             ["id", "code", "debtor_id", "contract_id", "category", "unit_id", "handler_id", "responsible_id",
              "due_date", "state", "key_monitoring", "balance", "written_off_amount", "created_at"], debts)
        copy(cur, "workflows_ledgerentry",
             ["id", "debt_id", "kind", "amount", "date", "reference", "created_by_id", "created_at"], entries)
    for table in ("workflows_debtor", "workflows_contract", "workflows_debt", "workflows_ledgerentry"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    conn.commit()
    conn.autocommit = True
    cur.execute("VACUUM ANALYZE")
    conn.close()
    return entry_id, time.monotonic() - start


def timed_run(day):
    start = time.monotonic()
    out = subprocess.run([sys.executable, "-c", CHILD, day.isoformat()], cwd=ROOT, env=env(), check=True,
                         capture_output=True, text=True).stdout
    elapsed = time.monotonic() - start
    lines = out.strip().splitlines()
    peak = int(lines[-1].split()[1]) / 1024
    # the command's summary line, then "  step: seconds" lines (verbosity 2)
    return elapsed, peak, lines[0], ", ".join(line.strip() for line in lines[1:-1])


def vacuum():
    start = time.monotonic()
    conn = psycopg2.connect(DSN + f" dbname={DB}")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
    conn.close()
    return time.monotonic() - start


def pg_size():
    conn = psycopg2.connect(DSN + f" dbname={DB}")
    with conn.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        buffers = cur.fetchone()[0]
        cur.execute("SHOW work_mem")
        work_mem = cur.fetchone()[0]
    conn.close()
    return size, buffers, work_mem


def calibrate():
    """Seconds for a fixed pure-Python loop: machines of the same size differ (this one ran
    1.5x slower than the previous session's), and the figure lets runs on different ones be
    compared."""
    start = time.monotonic()
    total = 0
    for i in range(30_000_000):
        total += i
    return time.monotonic() - start


def sequence(n, reuse, processes=0):
    """Load (or copy) n debts and run the four nights (on a Celery worker of `processes`
    processes, or in-process for 0); returns (entries, load seconds, runs)."""
    entries, load_s = prepare(n, reuse)
    if processes:
        start_worker(processes)  # after the copy: its connections would keep the database from being dropped
    try:
        first = timed_run(RUN_DATE)
        again = timed_run(RUN_DATE)
        # A day passes between two runs; autovacuum cleans up the first night's dead rows in it.
        vacuum_s = vacuum()
        nxt = timed_run(RUN_DATE + timedelta(days=1))
        after = timed_run(RUN_DATE + timedelta(days=2))
    finally:
        worker_peak = stop_worker()
    runs = [("first run of a date", first), ("same date again", again),
            (f"next day (after VACUUM ANALYZE, {vacuum_s:.0f} s)", nxt), ("the day after", after)]
    if processes:  # the work was the worker's: its peak, not the waiting command's
        runs = [(label, (secs, worker_peak, *rest)) for label, (secs, _rss, *rest) in runs]
    return entries, load_s, runs


def uptime():
    return Path("/proc/loadavg").read_text().split()[:3]


def main_celery(sizes, reuse, modes):
    """The four nights once per mode, in one sitting, with the load average and calibration."""
    for n in sizes:
        for processes in modes:
            before, calib = uptime(), calibrate()
            entries, _load_s, runs = sequence(n, reuse, processes)
            after = uptime()
            label = f"{processes} worker process{'es' if processes > 1 else ''}" if processes else "in-process"
            print(f"\n## {n:,} debts ({entries:,} entries), {label}; load average before {' '.join(before)}, "
                  f"after {' '.join(after)}; calibration loop {calib:.2f} s")
            print("| run | wall time | peak RSS | output |")
            print("|---|---|---|---|")
            for run_label, (secs, rss, out, _steps) in runs:
                print(f"| {run_label} | {secs:.1f} s | {rss:.0f} MiB | {out} |")
            for run_label, (_secs, _rss, _out, steps) in runs:
                print(f"- {run_label}: {steps or 'no steps (nothing to do)'}")
            sys.stdout.flush()


def main(sizes, reuse=False, repeat=1):
    print(f"machine: {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM; "
          f"calibration loop {calibrate():.2f} s")
    for n in sizes:
        entries, load_s, runs = sequence(n, reuse)
        size, buffers, work_mem = pg_size()
        print(f"\n## {n:,} debts, {entries:,} ledger entries (loaded in {load_s:.0f} s); database {size}, "
              f"shared_buffers {buffers}, work_mem {work_mem}")
        print("| run | wall time | peak RSS of the run_daily process | output |")
        print("|---|---|---|---|")
        for label, (secs, rss, out, _steps) in runs:
            print(f"| {label} | {secs:.1f} s | {rss:.0f} MiB | {out} |")
        for label, (_secs, _rss, _out, steps) in runs:
            print(f"- {label}: {steps or 'no steps (nothing to do)'}")
        if repeat > 1:
            # The same four nights again on fresh copies: one run says little on a noisy machine.
            print(f"\nRepeated ({n:,} debts): wall seconds of the four nights; peak MiB")
            for _ in range(repeat - 1):
                runs = sequence(n, reuse)[2]
                print("- " + ", ".join(f"{secs:.1f}" for _label, (secs, *_rest) in runs)
                      + f"; {max(rss for _label, (_secs, rss, *_rest) in runs):.0f} MiB"
                      + f" (first night: {runs[0][1][3]})")
        sys.stdout.flush()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    parser.add_argument("--reuse", action="store_true", help="keep and copy the loaded data (template database)")
    parser.add_argument("--repeat", type=int, default=1, help="run the four nights this many times per size")
    parser.add_argument("--celery", type=int, nargs="+", metavar="PROCESSES",
                        help="the nights per worker size: 0 in-process, N a Celery worker of N processes")
    options = parser.parse_args()
    if options.celery:
        main_celery(options.sizes, options.reuse, options.celery)
    else:
        main(options.sizes, reuse=options.reuse, repeat=options.repeat)
