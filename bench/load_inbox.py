"""Load test (issue 8.5): N concurrent users work their inboxes and approvals over the REST API
for a bounded time against gunicorn (production settings) + PostgreSQL, on loopback only.

    .venv/bin/python bench/load_inbox.py [--users 50] [--seconds 60] [--chains 800] [--web-workers 8]
                                         [--threads 1] [--think 0]

--threads N > 1 runs gunicorn's gthread workers with N threads each (1: sync workers).
--think S: each user pauses a random time (exponential, mean S seconds) between two actions, as a
person reading a dossier does; 0 (the default) is a closed loop with no pause, the worst case.
A request that gets no answer within 30 s is counted as a time-out (and as an error).

It (re)creates its own database (qq_prod_load), seeds overdue debts and approvers, starts
gunicorn, opens write-off chains as the handler, then each virtual user loops: read the
claimable inbox, claim a task, approve it (signing with the password where the step asks,
attaching the meeting resolution at the authority step). Reported: requests/s, p50/p95 per
request kind, errors (5xx, or any answer other than the expected ones; a claim lost to another
user is a 403 and counted as contention, not as an error). Afterwards the database is checked:
every approved decision the API confirmed exists exactly once, every finished chain moved its
debt to written_off exactly once with one write-off entry, and no open chain moved its debt.
Exits non-zero on any error or inconsistency. Only the gunicorn it started is stopped.
"""
import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from tempfile import mkdtemp

import requests

ROOT = Path(__file__).resolve().parent.parent
DB = os.environ.get("LOAD_DB", "qq_prod_load")
PASSWORD = "Load-test-2026!"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TMP = mkdtemp(prefix="qq-load-")
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "DJANGO_SETTINGS_MODULE": "config.settings_production",
    "SECRET_KEY": "load-test-" + "x9y8z7w6v5" * 6,
    "ALLOWED_HOSTS": "127.0.0.1", "QQ_SSL_REDIRECT": "0", "QQ_X_ACCEL": "0", "LOG_LEVEL": "WARNING",
    "QQ_VAR_DIR": TMP, "QQ_ARCHIVE_ROOT": f"{TMP}/archive", "CELERY_BROKER_URL": "",
    "DB_CONN_MAX_AGE": "60",
}
os.environ.update(ENV)
sys.path.insert(0, str(ROOT))


def recreate_database():
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {DB}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {DB}"], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=ENV, check=True)


def seed(n_debts, n_users):
    import django
    django.setup()
    from datetime import date
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, Permission

    from workflows import ledger, lifecycle
    from workflows.credit_code import make_code
    from workflows.models import Contract, Debt, Debtor, EntryKind, OrgUnit, State, User
    from workflows.roles import sync_groups

    sync_groups(Group, Permission)
    hq = OrgUnit.objects.create(code="HQ", name="集团总部")
    unit = OrgUnit.objects.create(code="S1", name="第一工程有限公司", parent=hq)
    hashed = make_password(PASSWORD)
    users = {}

    def make(name, role, where):
        u = User.objects.create(username=name, password=hashed, unit=where)
        u.groups.add(Group.objects.get(name=role))
        users[name] = role
        return u

    handler = make("handler", "handler", unit)
    # A quarter each: 清欠办, 总经理, 总经理办公会 (the body for these amounts) and the unit's 财务部,
    # whose filing step (rule R4.48) ends the chain with the write-off.
    kinds = ("committee", "gm", "gm_office", "finance")
    for i in range(n_users):
        role = kinds[i * len(kinds) // n_users]
        make(f"{role}_{i:02d}", role, unit if role == "finance" else hq)
    for n in range(n_debts):
        debtor = Debtor.objects.create(name=f"负载债务人{n}", credit_code=make_code(f"91110000{n:09d}"))
        contract = Contract.objects.create(unit=unit, number=f"LOAD-{n:05d}", debtor=debtor,
                                           due_on=date(2020, 1, 31), amount=Decimal("1000.00"))
        debt = Debt.objects.create(code=f"LOAD-{n:05d}", debtor=debtor, contract=contract, category="receivable",
                                   unit=unit, handler=handler, responsible=handler, due_date=date(2020, 1, 31))
        ledger.post_entry(debt.pk, EntryKind.INVOICE, Decimal("1000.00"), date(2020, 1, 1), by=handler, reference="INV")
        lifecycle.apply_transition(debt.pk, State.OVERDUE)
    return [u for u, r in users.items() if r != "handler"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def token(base, username):
    r = requests.post(f"{base}/api/token/", data={"username": username, "password": PASSWORD}, timeout=30)
    r.raise_for_status()
    session = requests.Session()
    session.headers["Authorization"] = "Token " + r.json()["token"]
    return session


def files(doc_type):
    return {"file_1": (f"{doc_type}.pdf", PDF + doc_type.encode(), "application/pdf")}, {"doc_type_1": doc_type}


def open_chains(base, n):
    handler = token(base, "handler")
    debts = []
    page = f"{base}/api/debts/?state=overdue"
    while page:
        data = handler.get(page, timeout=30).json()
        debts += [d["id"] for d in data["results"]]
        page = data["next"]

    def start(debt_id):
        body = {"chain": "write_off", "debt": debt_id, "reason": "负载测试", "condition": "no_performance",
                "doc_type_1": "write_off_application", "doc_type_2": "postal_evidence_letter"}
        up = {"file_1": ("a.pdf", PDF + b"a", "application/pdf"), "file_2": ("b.pdf", PDF + b"b", "application/pdf")}
        r = handler.post(f"{base}/api/chains/", data=body, files=up, timeout=60)
        if r.status_code != 201:
            raise SystemExit(f"could not open a chain on debt {debt_id}: {r.status_code} {r.text[:300]}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(start, debts[:n]))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.errors = []
        self.contention = 0
        self.timeouts = 0
        self.completed = Counter()  # task id -> confirmed completions (must all be 1)

    def record(self, kind, seconds):
        with self.lock:
            self.latency[kind].append(seconds)


def work(base, username, deadline, stats, think=0.0):
    api = token(base, username)

    def call(kind, method, url, **kw):
        t0 = time.perf_counter()
        try:
            r = api.request(method, url, timeout=30, **kw)
        except requests.RequestException as exc:
            with stats.lock:
                stats.errors.append(f"{kind}: {exc}")
                if isinstance(exc, requests.Timeout):
                    stats.timeouts += 1
            return None
        stats.record(kind, time.perf_counter() - t0)
        return r

    rng = random.Random(username)
    while time.monotonic() < deadline:
        if think:
            time.sleep(min(rng.expovariate(1 / think), max(0.0, deadline - time.monotonic())))
        r = call("inbox", "GET", f"{base}/api/tasks/?show=claimable")
        if r is None or r.status_code != 200:
            with stats.lock:
                stats.errors.append(f"inbox {getattr(r, 'status_code', '-')}")
            continue
        tasks = r.json()["results"]
        if not tasks:
            time.sleep(0.2)
            continue
        task = rng.choice(tasks)
        r = call("claim", "POST", f"{base}/api/tasks/{task['id']}/claim/")
        if r is None:
            continue
        if r.status_code in (403, 409):
            # Lost to another user: taken (403) or already decided meanwhile (409, the answer
            # for a closed task since issue 19) — contention, not an error.
            with stats.lock:
                stats.contention += 1
            continue
        if r.status_code != 200:
            with stats.lock:
                stats.errors.append(f"claim {r.status_code} {r.text[:200]}")
            continue
        data = {"decision": "approve", "comment": "负载测试同意", "password": PASSWORD}
        up = None
        if task["step"] == "authority_approval":
            up, kinds = files("meeting_resolution")
            data.update(kinds)
        r = call("complete", "POST", f"{base}/api/tasks/{task['id']}/complete/", data=data, files=up)
        if r is None:
            continue
        if r.status_code != 200:
            with stats.lock:
                stats.errors.append(f"complete {r.status_code} {r.text[:200]}")
            continue
        with stats.lock:
            stats.completed[task["id"]] += 1


def verify(stats):
    from django.db.models import Count

    from approvals.models import ChainProcess, Decision, Outcome
    from workflows.models import Debt, EntryKind, LedgerEntry, StateChange

    problems = []
    doubled = [t for t, n in stats.completed.items() if n != 1]
    if doubled:
        problems.append(f"tasks completed more than once: {doubled[:10]}")
    confirmed = set(stats.completed)
    recorded = set(Decision.objects.exclude(step="start").values_list("task_id", flat=True))
    if confirmed - recorded:
        problems.append(f"confirmed completions with no decision: {sorted(confirmed - recorded)[:10]}")
    if recorded - confirmed:
        problems.append(f"decisions the API never confirmed: {sorted(recorded - confirmed)[:10]}")
    dup = Decision.objects.values("process_id", "step").annotate(n=Count("pk")).filter(n__gt=1)
    if dup.exists():
        problems.append(f"steps decided twice: {list(dup[:5])}")
    approved = ChainProcess.objects.filter(outcome=Outcome.APPROVED)
    for process in approved:
        debt = Debt.objects.get(pk=process.debt_id)
        moves = StateChange.objects.filter(debt=debt, to_state="written_off").count()
        entries = LedgerEntry.objects.filter(debt=debt, kind=EntryKind.WRITE_OFF).count()
        if debt.state != "written_off" or moves != 1 or entries != 1:
            problems.append(f"debt {debt.code}: state {debt.state}, {moves} moves, {entries} write-off entries")
    still_open = ChainProcess.objects.filter(active=True).values_list("debt_id", flat=True)
    moved = Debt.objects.filter(pk__in=list(still_open)).exclude(state="overdue").count()
    if moved:
        problems.append(f"{moved} debts moved while their chain is still open")
    return approved.count(), problems


# The server's own time per request (gunicorn's %(M)s, milliseconds from the request read to the
# answer written): set beside the client's, it tells queueing on the host and in the load
# generator's own threads from the work of a request.
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(M)s"
KIND_OF_PATH = (("/claim/", "claim"), ("/complete/", "complete"))


def server_times(path):
    times = defaultdict(list)
    for line in Path(path).read_text().splitlines():
        try:
            method, url, _status, ms = line.split()
        except ValueError:
            continue
        kind = next((k for suffix, k in KIND_OF_PATH if url.endswith(suffix)), None)
        if kind is None and method == "GET" and url == "/api/tasks/":
            kind = "inbox"
        if kind:
            times[kind].append(int(ms) / 1000)
    return times


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--chains", type=int, default=800)
    parser.add_argument("--web-workers", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--think", type=float, default=0.0)
    args = parser.parse_args()

    recreate_database()
    approvers = seed(args.chains, args.users)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "--bind",
                            f"127.0.0.1:{port}", "--workers", str(args.web_workers),
                            "--worker-class", "gthread" if args.threads > 1 else "sync", "--threads",
                            str(args.threads), "--access-logfile",
                            f"{TMP}/access.log", "--access-logformat", ACCESS_FORMAT,
                            "--error-logfile", f"{TMP}/web.log"], cwd=ROOT, env=ENV)
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/accounts/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        t0 = time.monotonic()
        open_chains(base, args.chains)
        print(f"opened {args.chains} write-off chains in {time.monotonic() - t0:.1f} s")
        stats = Stats()
        start = time.monotonic()
        deadline = start + args.seconds
        threads = [threading.Thread(target=work, args=(base, approvers[i % len(approvers)], deadline, stats,
                                                       args.think))
                   for i in range(args.users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 120)
        elapsed = time.monotonic() - start
    finally:
        web.terminate()
        web.wait(timeout=60)

    total = sum(len(v) for v in stats.latency.values())
    model = f"gthread x{args.threads}" if args.threads > 1 else "sync"
    print(f"{args.users} users (think {args.think:g} s), {elapsed:.1f} s, gunicorn {args.web_workers} {model} "
          f"workers, PostgreSQL; load average {os.getloadavg()[0]:.2f}")
    print(f"requests: {total}  throughput: {total / elapsed:.1f} req/s  "
          f"approvals completed: {sum(stats.completed.values())} ({sum(stats.completed.values()) / elapsed:.1f}/s)")
    everything = [x for v in stats.latency.values() for x in v]
    print(f"all      p50 {pct(everything, 50):7.1f} ms  p95 {pct(everything, 95):7.1f} ms")
    for kind in ("inbox", "claim", "complete"):
        v = stats.latency.get(kind, [])
        if v:
            print(f"{kind:8s} p50 {pct(v, 50):7.1f} ms  p95 {pct(v, 95):7.1f} ms  n={len(v)}  "
                  f"mean {statistics.mean(v) * 1000:.1f} ms")
    served = server_times(f"{TMP}/access.log")
    for kind in ("inbox", "claim", "complete"):
        v = served.get(kind, [])
        if v:
            print(f"{kind:8s} in the server: p50 {pct(v, 50):7.1f} ms  p95 {pct(v, 95):7.1f} ms  n={len(v)}")
    print(f"errors: {len(stats.errors)}  of them time-outs (30 s): {stats.timeouts}  "
          f"lost claim races (403/409): {stats.contention}")
    for e in stats.errors[:10]:
        print("  ", e)
    chains_done, problems = verify(stats)
    print(f"chains approved end to end: {chains_done}; consistency problems: {len(problems)}")
    for p in problems[:20]:
        print("  ", p)
    sys.exit(1 if stats.errors or problems else 0)


if __name__ == "__main__":
    main()
