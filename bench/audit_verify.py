"""Benchmark: the tamper-evident record (workflows.audit) at a million chained rows.

    .venv/bin/python bench/audit_verify.py [--rows 1000000] [--debts 20000] [--db qq_bench_audit]

On a fresh PostgreSQL database (postgres@127.0.0.1, dropped and created; DATABASE_URL is
ignored), migrated as usual:
  1. --debts debts, then --rows ledger entries spread over them, inserted set-based in one
     statement, first with the audit trigger switched off (the anchor: the same INSERT without
     chaining), then again with it on: the ratio is what linking costs an insert;
  2. verify() over all chained rows, against an anchor in the same run: one scan of the same
     rows in chain order (the window sort verification needs) without hashing;
  3. verify() once more with one row tampered, to show the first broken link is found and named.
Prints a Markdown table for bench/RESULTS.md.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--debts", type=int, default=20_000)
    parser.add_argument("--db", default="qq_bench_audit")
    args = parser.parse_args()

    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {args.db} WITH (FORCE)"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {args.db}"], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ.pop("MIGRATE_DATABASE_URL", None)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tests import factories as f
    from workflows import audit, roles

    call_command("migrate", verbosity=0)
    hq = f.unit("HQ", "集团总部")
    handler = f.user("bench_handler", roles.HANDLER, hq)
    template = f.debt(hq, handler)
    with connection.cursor() as cur:
        cur.execute("""INSERT INTO workflows_debt (code, debtor_id, contract_id, category, unit_id, handler_id,
                           responsible_id, due_date, state, key_monitoring, balance, written_off_amount, created_at)
                       SELECT 'B-' || g, debtor_id, contract_id, category, unit_id, handler_id, responsible_id,
                              due_date, 'normal', false, 0, 0, now()
                       FROM workflows_debt, generate_series(1, %s) g WHERE id = %s""", [args.debts, template.pk])
    per_debt = args.rows // args.debts
    insert = f"""INSERT INTO workflows_ledgerentry (debt_id, kind, amount, date, reference, created_at)
                 SELECT d.id, 'invoice', (g * 10 + d.id % 97)::numeric / 100, DATE '2025-01-01' + g,
                        'BENCH-' || g, now()
                 FROM workflows_debt d, generate_series(1, {per_debt}) g WHERE d.code LIKE 'B-%'"""

    def timed(sql, params=None):
        with connection.cursor() as cur:
            start = time.perf_counter()
            cur.execute(sql, params)
            return time.perf_counter() - start

    with connection.cursor() as cur:
        cur.execute("TRUNCATE workflows_ledgerentry CASCADE")
        cur.execute("DELETE FROM workflows_audithead WHERE chain = 'workflows_ledgerentry'")
        cur.execute("ALTER TABLE workflows_ledgerentry DISABLE TRIGGER zz_qq_audit_chain")
    plain = timed(insert)
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE workflows_ledgerentry ENABLE TRIGGER zz_qq_audit_chain")
        # Start the chained run from an empty table (and no heads), as the plain one did.
        cur.execute("TRUNCATE workflows_ledgerentry CASCADE")
        cur.execute("DELETE FROM workflows_audithead WHERE chain = 'workflows_ledgerentry'")
    chained = timed(insert)
    with connection.cursor() as cur:
        cur.execute("ANALYZE workflows_ledgerentry")
        cur.execute("ANALYZE workflows_audithead")
        cur.execute("SELECT count(*) FROM workflows_ledgerentry")
        rows = cur.fetchone()[0]

    spec = audit.LEDGER_ENTRIES
    anchor_sql = f"""SELECT count(*), max(x.h) FROM (SELECT t.audit_hash AS h, lag(t.audit_hash) OVER w AS p
                     FROM {spec.table} t WINDOW w AS (PARTITION BY t.{spec.key} ORDER BY t.audit_seq, t.id)) x"""
    runs = []
    for _ in range(3):
        anchor = timed(anchor_sql)
        start = time.perf_counter()
        report = audit.verify()
        runs.append((anchor, time.perf_counter() - start, report))
    anchor, verify_s, report = min(runs, key=lambda r: r[1])
    assert report.ok, [str(b) for b in report.broken]

    with connection.cursor() as cur:
        cur.execute("ALTER TABLE workflows_ledgerentry DISABLE TRIGGER USER")
        cur.execute("UPDATE workflows_ledgerentry SET amount = amount + 1 WHERE id = "
                    "(SELECT id FROM workflows_ledgerentry ORDER BY id OFFSET %s LIMIT 1)", [rows // 2])
        cur.execute("ALTER TABLE workflows_ledgerentry ENABLE TRIGGER USER")
    start = time.perf_counter()
    tampered = audit.verify()
    tampered_s = time.perf_counter() - start

    print(f"| chained rows verified | {report.rows:,} in {report.chains:,} chains |")
    print(f"| INSERT of {rows:,} entries, audit trigger off (anchor) | {plain:.1f} s |")
    print(f"| same INSERT with the chain trigger | {chained:.1f} s (× {chained / plain:.2f}) |")
    print(f"| scan in chain order, no hashing (anchor) | {anchor:.2f} s |")
    print(f"| verify() all chains (best of 3) | {verify_s:.2f} s (× {verify_s / anchor:.2f} the anchor) |")
    print(f"| verify() with one row tampered | {tampered_s:.2f} s, first broken link: {tampered.first} |")


if __name__ == "__main__":
    main()
