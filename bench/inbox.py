"""Inbox benchmark (issue 4.6): PostgreSQL, 1,000,000 debts, 200,000 approval tasks of which
5% are open, 50 users. Measures the inbox page's queries (list page + paginator count) and the
menu counts, per user, and prints p50/p95.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qq_approvals_bench \
        .venv/bin/python bench/inbox.py [--debts 1000000] [--tasks 200000] [--repeat 20]

Generation is set-based SQL (generate_series) on a database of its own; it is skipped when
the data is already there. Results go into bench/RESULTS.md by hand.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

ROLES = ["committee", "committee_head", "gm", "gm_office", "board", "tech", "finance", "legal", "handler",
         "responsible"]
UNIT_SCOPED = {"tech", "finance", "handler", "responsible"}
N_UNITS = 10
N_USERS = 50


def generate(n_debts, n_tasks):
    from django.contrib.auth.models import Group
    from viewflow.workflow.fields import get_flow_ref, get_task_ref

    from approvals.flows import VisitFlow, WriteOffFlow
    from workflows.models import OrgUnit, User

    hq, _ = OrgUnit.objects.get_or_create(code="BHQ", defaults={"name": "基准集团"})
    units = [OrgUnit.objects.get_or_create(code=f"BU{i}", defaults={"name": f"基准单位{i}", "parent": hq})[0]
             for i in range(N_UNITS)]
    users = []
    for i in range(N_USERS):
        role = ROLES[i % len(ROLES)]
        unit = units[i % N_UNITS] if role in UNIT_SCOPED else hq
        u, created = User.objects.get_or_create(username=f"bench{i}", defaults={"unit": unit})
        if created:
            u.set_password("bench")
            u.save()
            u.groups.add(Group.objects.get(name=role))
        users.append(u)
    handler = users[ROLES.index("handler")]
    unit_ids = [u.pk for u in units]
    flow_refs = [get_flow_ref(WriteOffFlow), get_flow_ref(VisitFlow)]
    task_refs = [get_task_ref(WriteOffFlow.committee_review), get_task_ref(VisitFlow.head_approval)]
    roles_for = ["committee", "committee_head"]
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM workflows_debt")
        if c.fetchone()[0] < n_debts:
            t = time.monotonic()
            c.execute("""
                INSERT INTO workflows_debtor
                    (name, credit_code, contact, phone, address, credit_limit, deceased, bankrupt)
                SELECT '债务人' || g, 'B' || lpad(g::text, 17, '0'), '', '', '', 0, false, false
                FROM generate_series(1, %s) g""", [n_debts // 10])
            c.execute("SELECT min(id) FROM workflows_debtor WHERE credit_code LIKE 'B%%'")
            d0 = c.fetchone()[0]
            c.execute("""
                INSERT INTO workflows_contract (number, due_on, amount, debtor_id, unit_id)
                SELECT 'BHT-' || g, date '2022-01-01' + (g %% 900), 1000 + (g %% 100000) * 10,
                       %s + (g %% %s), (%s::bigint[])[1 + g %% %s]
                FROM generate_series(1, %s) g""", [d0, n_debts // 10, unit_ids, N_UNITS, n_debts])
            c.execute("SELECT min(id) FROM workflows_contract WHERE number LIKE 'BHT-%%'")
            k0 = c.fetchone()[0]
            c.execute("""
                INSERT INTO workflows_debt
                    (code, category, due_date, state, key_monitoring, balance, written_off_amount,
                     created_at, contract_id, handler_id, responsible_id, debtor_id, unit_id)
                SELECT 'BQQ-' || lpad(g::text, 8, '0'), 'receivable', k.due_on, 'overdue', false, k.amount, 0, now(),
                       k.id, %s, %s, k.debtor_id, k.unit_id
                FROM generate_series(1, %s) g JOIN workflows_contract k ON k.id = %s + g - 1""",
                      [handler.pk, handler.pk, n_debts, k0])
            print(f"debts generated in {time.monotonic() - t:.0f}s")
        c.execute("SELECT count(*) FROM approvals_stepinfo")
        if c.fetchone()[0] < n_tasks:
            t = time.monotonic()
            c.execute("SELECT min(id) FROM workflows_debt WHERE code LIKE 'BQQ-%%'")
            b0 = c.fetchone()[0]
            open_every = 20  # 5% open
            c.execute("""
                INSERT INTO viewflow_process (flow_class, status, created, finished, data)
                SELECT (%s::text[])[1 + g %% 2], CASE WHEN g %% %s = 0 THEN 'NEW' ELSE 'DONE' END,
                       now() - (g %% 1000) * interval '1 hour',
                       CASE WHEN g %% %s = 0 THEN NULL ELSE now() END, '{}'
                FROM generate_series(1, %s) g""", [flow_refs, open_every, open_every, n_tasks])
            c.execute("SELECT max(id) - %s + 1 FROM viewflow_process", [n_tasks])
            p0 = c.fetchone()[0]
            # Each process belongs to a distinct debt (one running chain per debt).
            c.execute("""
                INSERT INTO approvals_chainprocess (process_ptr_id, chain, amount, reason, outcome, active, condition,
                                                    authority_body, agency, debt_id, requested_by_id)
                SELECT %s + g - 1, CASE WHEN g %% 2 = 0 THEN 'write_off' ELSE 'visit' END, 1000, '',
                       CASE WHEN g %% %s = 0 THEN 'running' ELSE 'approved' END, g %% %s = 0, '', '', '',
                       %s + (g * 5) - 1, %s
                FROM generate_series(1, %s) g""", [p0, open_every, open_every, b0, handler.pk, n_tasks])
            c.execute("""
                INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, finished, token, owner_id,
                                           owner_permission, process_id, data, assigned)
                SELECT (%s::text[])[1 + g %% 2], 'HUMAN',
                       CASE WHEN g %% %s <> 0 THEN 'DONE' WHEN g %% 40 = 0 THEN 'ASSIGNED' ELSE 'NEW' END,
                       now() - (g %% 1000) * interval '1 hour',
                       CASE WHEN g %% %s = 0 THEN NULL ELSE now() END, 'start',
                       CASE WHEN g %% %s <> 0 OR g %% 40 = 0 THEN (%s::bigint[])[1 + g %% %s] END,
                       'approvals.role_' || (%s::text[])[1 + g %% 2], %s + g - 1, '{}',
                       CASE WHEN g %% 40 = 0 THEN now() END
                FROM generate_series(1, %s) g""",
                      [task_refs, open_every, open_every, open_every, [u.pk for u in users], N_USERS, roles_for, p0,
                       n_tasks])
            c.execute("SELECT max(id) - %s + 1 FROM viewflow_task", [n_tasks])
            t0 = c.fetchone()[0]
            c.execute("""
                INSERT INTO approvals_stepinfo (chain, step_title, role, unit_id_scope, due_at, open, debt_id,
                                                process_id, task_id, owner_id, requested_by_id)
                SELECT CASE WHEN g %% 2 = 0 THEN 'write_off' ELSE 'visit' END, '审批',
                       (%s::text[])[1 + g %% 2], NULL, now() + ((g %% 240) - 120) * interval '1 hour',
                       g %% %s = 0, %s + (g * 5) - 1, %s + g - 1, %s + g - 1,
                       CASE WHEN g %% %s <> 0 OR g %% 40 = 0 THEN (%s::bigint[])[1 + g %% %s] END, %s
                FROM generate_series(1, %s) g""",
                      [roles_for, open_every, b0, p0, t0, open_every, [u.pk for u in users], N_USERS, handler.pk,
                       n_tasks])
            c.execute("ANALYZE")
            print(f"tasks generated in {time.monotonic() - t:.0f}s")
    return users


def measure(users, repeat):
    from approvals import inbox

    page_times, count_times = [], []
    for _ in range(repeat):
        for user in users:
            user = type(user).objects.get(pk=user.pk)  # fresh: no cached permissions/groups
            t = time.perf_counter()
            page = inbox.page_of(inbox.open_steps(user), 1)
            assert len(page.object_list) <= 25
            page_times.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            inbox.counts(user)
            count_times.append((time.perf_counter() - t) * 1000)
    return page_times, count_times


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--debts", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/inbox.py needs PostgreSQL (DATABASE_URL=postgres://...)")
    call_command("migrate", verbosity=0)
    users = generate(args.debts, args.tasks)
    with connection.cursor() as c:
        # What autovacuum does on a live database: fresh statistics and visibility map.
        c.execute("VACUUM ANALYZE approvals_stepinfo")
    measure(users, 1)  # warm the cache
    page_times, count_times = measure(users, args.repeat)
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM workflows_debt")
        debts = c.fetchone()[0]
        c.execute("SELECT count(*), sum(CASE WHEN open THEN 1 ELSE 0 END) FROM approvals_stepinfo")
        tasks = c.fetchone()
    print(f"debts={debts} tasks={tasks[0]} open={tasks[1]} users={len(users)} samples={len(page_times)}")
    print(f"inbox page (list + paginator count): p50 {statistics.median(page_times):.1f} ms, "
          f"p95 {pct(page_times, 95):.1f} ms, max {max(page_times):.1f} ms")
    print(f"menu counts (3 counts): p50 {statistics.median(count_times):.1f} ms, p95 {pct(count_times, 95):.1f} ms")


if __name__ == "__main__":
    main()
