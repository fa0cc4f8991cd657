"""Benchmark: import a 100,000-row ledger workbook.

    .venv/bin/python bench/import_ledger.py [--rows 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qq_import_bench .venv/bin/python bench/import_ledger.py

Generates the .xlsx once, then for SQLite (a fresh file under /tmp) and, when DATABASE_URL
is set, for that PostgreSQL database (it must be empty: it is migrated and filled), runs in a
fresh process each:
  1. the first import, timed: wall time and peak RSS (resource.getrusage);
  2. the same file again (every row skipped as identical), timed;
  3. the first import on another fresh database under tracemalloc: peak Python allocations.
Prints a Markdown table to paste into bench/RESULTS.md.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNITS = 10
USERS_PER_UNIT = 5
CATEGORIES = ["应收账款-进度款", "应收账款-质保金/保修金"]


def generate(path, rows):
    from openpyxl import Workbook

    _setup_django()
    from workflows.credit_code import make_code
    from workflows.ledger_import.service import HEADERS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(HEADERS)
    contracts = rows // len(CATEGORIES)
    for n in range(rows):
        c = n % contracts  # each contract carries one debt per category
        unit = c % UNITS
        debtor = c % (contracts // 3 or 1)
        handler = f"h{unit}_{c % USERS_PER_UNIT}"
        ws.append([
            f"U{unit:02d}", f"债务人{debtor:06d}", make_code(f"9111{debtor:013d}"), f"HT-{c:07d}",
            100000 + c % 1000, date(2024, 1, 1) + timedelta(days=c % 700), CATEGORIES[n // contracts % 2],
            f"{1000 + (n % 997)}.{n % 100:02d}", handler, f"h{unit}_0",
        ])
    wb.save(path)


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def worker(path, mode):
    """One measurement in this (fresh) process; prints a JSON line."""
    _setup_django()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from workflows import roles
    from workflows.ledger_import.service import import_ledger
    from workflows.models import Debt, OrgUnit, User

    call_command("migrate", verbosity=0)
    if not OrgUnit.objects.exists():
        hq = OrgUnit.objects.create(code="HQ", name="集团总部")
        finance = User.objects.create_user("bench_finance", unit=hq)
        finance.groups.add(Group.objects.get(name=roles.FINANCE), Group.objects.get(name=roles.AUDITOR))
        for u in range(UNITS):
            unit = OrgUnit.objects.create(code=f"U{u:02d}", name=f"分公司{u:02d}", parent=hq)
            User.objects.bulk_create([User(username=f"h{u}_{k}", unit=unit) for k in range(USERS_PER_UNIT)])
    finance = User.objects.get(username="bench_finance")

    tracing = mode == "memory"
    if tracing:
        import tracemalloc
        tracemalloc.start()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = import_ledger(path, by=finance)
    wall = time.perf_counter() - started
    result = {
        "vendor": connection.vendor, "mode": mode, "wall_s": round(wall, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mb": round(rss_before / 1024, 1),
        "rows": report.rows, "debts_created": report.debts_created, "skipped": report.skipped_identical,
        "errors": len(report.errors), "debts_in_db": Debt.objects.count(),
    }
    if tracing:
        result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    print(json.dumps(result))


def run(path, mode, database_url):
    env = dict(os.environ, DATABASE_URL=database_url)
    out = subprocess.run([sys.executable, __file__, "--worker", mode, "--file", str(path)], env=env,
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_postgres(url, suffix):
    """A new empty database beside the one in DATABASE_URL (name + suffix)."""
    import psycopg2
    from dj_database_url import parse

    cfg = parse(url)
    name = f"{cfg['NAME']}_{suffix}"
    conn = psycopg2.connect(dbname="postgres", user=cfg["USER"], host=cfg["HOST"], port=cfg["PORT"] or 5432,
                            password=cfg["PASSWORD"] or None)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return url.rsplit("/", 1)[0] + "/" + name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--worker")
    parser.add_argument("--file")
    args = parser.parse_args()
    if args.worker:
        worker(args.file, args.worker)
        return

    tmp = Path(tempfile.mkdtemp(prefix="qq-bench-"))
    path = tmp / "ledger.xlsx"
    started = time.perf_counter()
    generate(path, args.rows)
    print(f"generated {args.rows} rows in {time.perf_counter() - started:.1f}s, "
          f"{path.stat().st_size / 2**20:.1f} MB", file=sys.stderr)

    targets = [("SQLite", lambda s: f"sqlite:///{tmp / f'bench_{s}.sqlite3'}")]
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        targets.append(("PostgreSQL", lambda s: fresh_postgres(os.environ["DATABASE_URL"], s)))

    print("| database | first import (wall) | peak RSS | re-import, all skipped (wall) | "
          "tracemalloc peak | rows / debts created / skipped on re-import |")
    print("|---|---|---|---|---|---|")
    for label, url_for in targets:
        url = url_for("a")
        first = run(path, "time", url)
        again = run(path, "time", url)
        memory = run(path, "memory", url_for("b"))
        print(f"  {label}: {first} / {again} / {memory}", file=sys.stderr)
        print(f"| {label} | {first['wall_s']} s | {first['peak_rss_mb']} MB | {again['wall_s']} s | "
              f"{memory['tracemalloc_peak_mb']} MB | {first['rows']} / {first['debts_created']} / "
              f"{again['skipped']} |")


if __name__ == "__main__":
    main()
