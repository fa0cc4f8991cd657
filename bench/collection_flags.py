"""Benchmark of collection's daily flags on PostgreSQL: broken promises and missed instalments.

    .venv/bin/python bench/collection_flags.py 100000

Recreates the database qq_bench_collection, migrates it and loads N debts, each with one
ledger payment for half of them, one contact with an open promise to pay and one payment
plan of four instalments (half paid), then times flag_broken_promises and
flag_missed_instalments for a date when every promise and instalment is due (the heaviest
day) and again (a repeat that must find nothing left to flag). Prints Markdown rows.
"""
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
DB = "qq_bench_collection"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
os.environ.update(DATABASE_URL=URL, SECRET_KEY="bench-only", CELERY_BROKER_URL="",
                  DJANGO_SETTINGS_MODULE="config.settings")
sys.path.insert(0, str(ROOT))
BATCH = 20_000


def recreate():
    conn = psycopg2.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB}")
        cur.execute(f"CREATE DATABASE {DB}")
    conn.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)


def load(n):
    from django.utils import timezone

    from collection.models import Contact, Instalment, PaymentPlan
    from workflows.credit_code import make_code
    from workflows.models import Contract, Debt, Debtor, LedgerEntry, OrgUnit, User

    unit = OrgUnit.objects.create(code="B", name="bench")
    user = User.objects.create(username="bench", unit=unit)
    due = date(2025, 1, 31)
    promise_on = date(2026, 6, 1)
    at = timezone.make_aware(datetime(2026, 5, 20, 10, 0))
    for lo in range(0, n, BATCH):
        hi = min(n, lo + BATCH)
        debtors = Debtor.objects.bulk_create([Debtor(name=f"D{i}", credit_code=make_code(f"91110000{i:09d}"))
                                              for i in range(lo, hi)])
        contracts = Contract.objects.bulk_create([Contract(unit=unit, number=f"C{i}", debtor=d, due_on=due,
                                                           amount=Decimal("10000.00"))
                                                  for i, d in zip(range(lo, hi), debtors, strict=False)])
        debts = Debt.objects.bulk_create([Debt(code=f"Q{i}", debtor=d, contract=c, category="receivable", unit=unit,
                                               handler=user, responsible=user, due_date=due,
                                               balance=Decimal("10000.00"))
                                          for i, d, c in zip(range(lo, hi), debtors, contracts, strict=False)])
        LedgerEntry.objects.bulk_create([LedgerEntry(debt=d, kind="payment", amount=Decimal("1000.00"),
                                                     date=date(2026, 5, 25), created_by=user)
                                         for d in debts[::2]])
        Contact.objects.bulk_create([Contact(debt=d, kind="phone", at=at, outcome="promise", by=user,
                                             promise_amount=Decimal("1000.00"), promise_date=promise_on,
                                             promise_made_on=at.date(), promise_state="open") for d in debts])
        plans = PaymentPlan.objects.bulk_create([PaymentPlan(debt=d, agreed_on=date(2026, 1, 1),
                                                             total=Decimal("4000.00"), created_by=user) for d in debts])
        Instalment.objects.bulk_create([
            Instalment(plan=p, seq=k + 1, due_date=date(2026, 2, 1) + timedelta(days=30 * k), amount=Decimal("1000.00"),
                       paid_amount=Decimal("1000.00") if (k < 2 and j % 2 == 0) else Decimal("0.00"))
            for j, p in enumerate(plans) for k in range(4)])


def main(sizes):
    print("| debts / contacts / instalments | step | first run (s) | repeat (s) | rows flagged |")
    print("|---|---|---|---|---|")
    for n in sizes:
        recreate()
        import django
        django.setup()
        from django.db import connection

        from collection import clock
        connection.close()
        load(n)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        on = date(2026, 7, 1)
        for name, fn in (("flag_broken_promises", clock.flag_broken_promises),
                         ("flag_missed_instalments", clock.flag_missed_instalments)):
            t0 = time.perf_counter()
            flagged = fn(on)
            t1 = time.perf_counter()
            again = fn(on)
            t2 = time.perf_counter()
            print(f"| {n:,} / {n:,} / {4 * n:,} | {name} | {t1 - t0:.2f} | {t2 - t1:.2f} "
                  f"| {flagged} (repeat {again}) |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000])
