"""Aging report benchmark (issue 7.5): PostgreSQL, 1,000,000 debts, the report grouped by
unit, handler, category and debtor (first page of 25 rows + totals) for a 总经理 (all units)
and for one handler (own debts only). Target: under 2 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qq_bench_reports \
        .venv/bin/python bench/aging_report.py [--debts 1000000] [--repeat 5]

Data is loaded with COPY FROM STDIN (generated rows streamed from Python, no ORM objects),
on a database of its own, and skipped when it is already there. The cached balance column is
written directly: this measures the report's query, not the ledger. Results go into
bench/RESULTS.md by hand (section "Aging report").
"""
import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

N_UNITS = 20
N_HANDLERS = 200
N_DEBTORS = 50_000
N_CONTRACTS = 100_000
AS_OF = date(2026, 6, 30)
CATEGORIES = ["receivable", "progress", "settlement", "retention", "claim", "other_bond", "advance", "unsettled"]
STATES = ["normal"] * 30 + ["overdue"] * 40 + ["visit"] * 5 + ["legal"] * 5 + ["written_off"] * 5 + ["cleared"] * 15


def _copy(table, columns, rows):
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join(str(v) for v in row))
        buf.write("\n")
    buf.seek(0)
    with connection.cursor() as c:
        c.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buf)


def generate(n_debts):
    from django.contrib.auth.models import Group

    from workflows.credit_code import make_code
    from workflows.models import Debt, OrgUnit, User

    if Debt.objects.count() >= n_debts:
        print(f"data present: {Debt.objects.count()} debts")
        return
    rng = random.Random(7)
    hq, _ = OrgUnit.objects.get_or_create(code="RHQ", defaults={"name": "基准集团"})
    units = [OrgUnit.objects.get_or_create(code=f"RU{i}", defaults={"name": f"基准单位{i}", "parent": hq})[0]
             for i in range(N_UNITS)]
    handler_group = Group.objects.get(name="handler")
    handlers = []
    for i in range(N_HANDLERS):
        u, created = User.objects.get_or_create(username=f"rh{i}", defaults={"unit": units[i % N_UNITS]})
        if created:
            u.groups.add(handler_group)
        handlers.append(u)
    gm, created = User.objects.get_or_create(username="rgm", defaults={"unit": hq})
    if created:
        gm.groups.add(Group.objects.get(name="gm"))
    t0 = time.perf_counter()
    with connection.cursor() as c:
        c.execute("SELECT COALESCE(MAX(id), 0) FROM workflows_debtor")
        debtor_base = c.fetchone()[0]
        c.execute("SELECT COALESCE(MAX(id), 0) FROM workflows_contract")
        contract_base = c.fetchone()[0]
    _copy("workflows_debtor", ["id", "name", "credit_code", "contact", "phone", "address", "credit_limit",
                               "deceased", "bankrupt"],
          ((debtor_base + i + 1, f"基准债务人{i}", make_code(f"9133{i:013d}"), "", "", "", "0", "f", "f")
           for i in range(N_DEBTORS)))
    contract_units = [units[i % N_UNITS].pk for i in range(N_CONTRACTS)]
    _copy("workflows_contract", ["id", "unit_id", "number", "debtor_id", "due_on", "amount"],
          ((contract_base + i + 1, contract_units[i], f"RB-{i:07d}", debtor_base + 1 + i % N_DEBTORS,
            "2025-01-31", "1000.00") for i in range(N_CONTRACTS)))

    def debts():
        for i in range(n_debts):
            c = i % N_CONTRACTS
            handler = handlers[rng.randrange(N_HANDLERS)]
            state = STATES[rng.randrange(len(STATES))]
            due = AS_OF - timedelta(days=rng.randrange(-200, 1800))
            balance = "0.00" if state == "cleared" else f"{rng.randrange(100, 5_000_000) / 100:.2f}"
            yield (f"RQ-{i:08d}", debtor_base + 1 + c % N_DEBTORS, contract_base + 1 + c, CATEGORIES[i % 8],
                   contract_units[c], handler.pk, handler.pk, due.isoformat(), state, "f", balance, "0.00",
                   "2026-01-01 00:00:00+08")

    _copy("workflows_debt", ["code", "debtor_id", "contract_id", "category", "unit_id", "handler_id",
                             "responsible_id", "due_date", "state", "key_monitoring", "balance",
                             "written_off_amount", "created_at"], debts())
    with connection.cursor() as c:
        c.execute("ANALYZE workflows_debt")
    print(f"generated {n_debts} debts in {time.perf_counter() - t0:.1f} s")


def measure(user, dimension, repeat):
    from workflows.reports.aging import aging_report
    from workflows.reports.scope import report_debts

    times = []
    for _i in range(repeat):
        t0 = time.perf_counter()
        debts = report_debts(user)
        report = aging_report(debts, AS_OF, dimension, offset=0, limit=25)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times), report, report.groups


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--debts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("run on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/qq_bench_reports")
    call_command("migrate", verbosity=0)
    generate(args.debts)
    from workflows.models import User

    gm, handler = User.objects.get(username="rgm"), User.objects.get(username="rh0")
    print(f"{'who':8} {'group by':9} {'groups':>7} {'debts':>8} {'median s':>9} {'max s':>7}")
    for who, user in (("gm", gm), ("handler", handler)):
        for dimension in ("unit", "handler", "category", "debtor"):
            median, worst, report, count = measure(user, dimension, args.repeat)
            print(f"{who:8} {dimension:9} {count:>7} {report.count:>8} {median:>9.3f} {worst:>7.3f}")
            if who == "gm" and dimension == "unit":
                print(f"         total balance {report.total:,.2f}")


if __name__ == "__main__":
    main()
