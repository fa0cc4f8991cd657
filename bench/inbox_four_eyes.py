"""Inbox benchmark with four-eyes in the query (approvals gap 3): the same data and measurement
as bench/inbox.py, plus decisions on the chains so the NOT EXISTS on Decision has rows to probe.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qq_approvals_bench \
        .venv/bin/python bench/inbox_four_eyes.py [--repeat 20] [--explain]

Decisions are added set-based, once: for every bench process a 'submit' by its requester and an
'approve' on an earlier step by one of the 50 users (so every user has decided on thousands of
chains, and the 清欠办 users are barred from part of their queue).
"""
import argparse
import importlib.util
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("bench_inbox", HERE / "inbox.py")
base = importlib.util.module_from_spec(spec)
spec.loader.exec_module(base)  # sets up Django

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def add_decisions(users):
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM approvals_decision")
        if c.fetchone()[0]:
            return
        ids = [u.pk for u in users]
        c.execute("""
            INSERT INTO approvals_decision (debt_id, chain, step, step_title, decision, by_id, at, comment, process_id)
            SELECT cp.debt_id, cp.chain, 'start', '提交申请', 'submit', cp.requested_by_id, now(), '', cp.process_ptr_id
            FROM approvals_chainprocess cp""")
        c.execute("""
            INSERT INTO approvals_decision (debt_id, chain, step, step_title, decision, by_id, at, comment, process_id)
            SELECT cp.debt_id, cp.chain, 'earlier_step', '前一步', 'approve',
                   (%s::bigint[])[1 + (cp.process_ptr_id * 7) %% %s], now(), '', cp.process_ptr_id
            FROM approvals_chainprocess cp""", [ids, len(ids)])
        c.execute("ANALYZE approvals_decision")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--debts", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/inbox_four_eyes.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    call_command("migrate", verbosity=0)
    users = base.generate(args.debts, args.tasks)
    add_decisions(users)
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE approvals_stepinfo")
    from approvals import inbox

    if args.explain:
        worst = type(users[0]).objects.get(username="bench0")  # a 清欠办 user
        qs = inbox.open_steps(worst).order_by("due_at", "pk").values_list("pk", flat=True)[:25]
        print(qs.explain(analyze=True))
    base.measure(users, 1)
    page_times, count_times = base.measure(users, args.repeat)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM approvals_decision")
        decisions = c.fetchone()[0]
    barred = sum(inbox.open_steps(u, mine=False).count() != base_claimable(u) for u in users)
    print(f"decisions={decisions} users barred from part of their queue={barred} samples={len(page_times)}")
    print(f"inbox page (list + paginator count): p50 {statistics.median(page_times):.1f} ms, "
          f"p95 {base.pct(page_times, 95):.1f} ms, max {max(page_times):.1f} ms")
    print(f"menu counts (3 counts): p50 {statistics.median(count_times):.1f} ms, "
          f"p95 {base.pct(count_times, 95):.1f} ms")


def base_claimable(user):
    """The claimable count without the four-eyes filter, to show the filter removes rows."""
    from django.db.models import Q

    from approvals.inbox import user_roles
    from approvals.models import StepInfo

    return StepInfo.objects.filter(open=True, owner__isnull=True, role__in=user_roles(user)).filter(
        ~Q(requested_by=user)).count()


if __name__ == "__main__":
    main()
