"""Worker processes of bench/approval_steps.py: started by it, not by hand. Each one sets up
Django with the settings its environment names (DJANGO_SETTINGS_MODULE and DATABASE_URL from
the driver) and does one job:

    python bench/step_workers.py seed    --system vanilla|ours --debts N --role-size R --workers W
    python bench/step_workers.py run     --system vanilla|service|http --worker I --workers N [--base URL]
    python bench/step_workers.py counts  --system vanilla|ours [--sql FILE]
    python bench/step_workers.py hashers --repeat K

`run` prints READY after its set-up and one warm-up chain, waits for "GO <deadline>" on stdin
(a time.monotonic() value, shared by all processes of the machine), then runs write-off chains
until the deadline: start, then for each of the three human steps find + claim + complete. A
step (or start) is counted when it began before the deadline; the rest of the chain in progress
at the deadline is done untimed, so no open task is left behind for the next measurement. It
prints one JSON line: per step kind the count and the seconds spent in find, claim and complete.

The kinds: "start" (the chain start), "plain" (清欠办审核 / vanilla's review), "signed"
(总经理批示 with the password re-entered / vanilla's instruction, no signature), "resolution"
(审批机构批准, signed, with the meeting resolution attached / vanilla's authority step), "effect"
(财务部备案并列销账项 with the write-off effect, rule R4.48 / vanilla's filing step followed by
its function node).

"service" calls what approvals/api.py calls, in the same order (the view bodies of
ChainViewSet.create, TaskViewSet.claim and TaskViewSet.complete; "find" is the claimable
inbox narrowed to the chain), without DRF, middleware or response serialisation: keep it in
step with api.py when that changes. Every call starts from a freshly loaded user, as an API
request does (1 statement, the same on both sides). "http" drives the REST API over HTTP
against the gunicorn the driver started (token authentication, multipart uploads).
"""
import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench-steps-2026!"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KINDS = ("start", "plain", "signed", "resolution", "effect")
OURS_PREFIX = "B20-"


def setup_django():
    import django

    django.setup()


# --------------------------------------------------------------------------- vanilla
VANILLA_ROLES = {"requester": "start_write_off", "review": "review", "instruct": "instruct", "authorise": "authorise"}
VANILLA_STEPS = (("plain", "review"), ("signed", "instruct"), ("resolution", "authorise"), ("effect", "authorise"))


def seed_vanilla(debts, role_size, workers):
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, Permission, User

    from bench.vanilla.models import Debt

    hashed = make_password(PASSWORD)
    view = Permission.objects.get(content_type__app_label="vanilla", codename="view_debtprocess")
    for role, codename in VANILLA_ROLES.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.add(view, Permission.objects.get(content_type__app_label="vanilla", codename=codename))
        size = workers if role == "requester" else role_size
        for i in range(size):
            user, created = User.objects.get_or_create(username=f"{role}_{i:02d}", defaults={"password": hashed})
            if created:
                user.groups.add(group)
    unused = Debt.objects.filter(state="overdue", processes__isnull=True).count()
    start = Debt.objects.count()
    Debt.objects.bulk_create([Debt(code=f"V-{n:07d}", balance=Decimal("1000.00"))
                              for n in range(start, start + max(0, debts - unused))], batch_size=5000)


class Vanilla:
    def __init__(self, worker):
        from django.contrib.auth.models import User
        from django.test import RequestFactory

        from bench.vanilla.flows import WriteOffFlow
        from bench.vanilla.models import Debt

        self.flow = WriteOffFlow
        self.users = {role: User.objects.get(username=f"{role}_{worker:02d}").pk for role in VANILLA_ROLES}
        self.factory = RequestFactory()
        self.User = User
        self.Debt = Debt

    def debt_ids(self, worker, workers):
        ids = self.Debt.objects.filter(state="overdue", processes__isnull=True).order_by("pk").values_list(
            "pk", flat=True)
        return [pk for pk in ids if pk % workers == worker]

    def user(self, role):
        return self.User.objects.get(pk=self.users[role])

    def request(self, user):
        request = self.factory.post("/")
        request.user = user
        return request

    def start(self, debt_id, n):
        from django.db import transaction

        user = self.user("requester")
        node = self.flow.instance.start
        with transaction.atomic():
            activation = node.activation_class.create(node, None, None)
            if not node.can_execute(user, activation.task):
                raise RuntimeError("vanilla: may not start")
            activation.start(self.request(user))
            # What CreateProcessView's form does: the process's fields, saved by execute().
            activation.process.debt = self.Debt.objects.get(pk=debt_id)
            activation.execute()
        return activation.process.pk

    def find(self, role, process_id):
        user = self.user(role)
        task_id = (self.flow.task_class.objects.queue([self.flow], user).filter(process_id=process_id)
                   .values_list("pk", flat=True).first())
        if task_id is None:
            raise RuntimeError(f"vanilla: no task for {role} in process {process_id}")
        return task_id

    def _task(self, task_id):
        return self.flow.task_class.objects.select_related("process").get(pk=task_id)

    def claim(self, role, task_id):
        from django.db import transaction

        user = self.user(role)
        task = self._task(task_id)
        with self.flow.lock(task.process_id), transaction.atomic():
            task.refresh_from_db()
            step = task.flow_task
            if not step.can_assign(user, task):
                raise RuntimeError("vanilla: may not claim")
            step.activation_class(task).assign(user)

    def complete(self, role, task_id, kind, n):
        from django.db import transaction

        user = self.user(role)
        task = self._task(task_id)
        with self.flow.lock(task.process_id), transaction.atomic():
            task.refresh_from_db()
            step = task.flow_task
            if not step.can_execute(user, task):
                raise RuntimeError("vanilla: may not complete")
            activation = step.activation_class(task)
            activation.start(self.request(user))
            activation.execute()

    steps = VANILLA_STEPS


# --------------------------------------------------------------------------- ours
OURS_STEPS = (("plain", "committee"), ("signed", "gm"), ("resolution", "gm_office"), ("effect", "finance"))
OURS_ROLES = ("handler", "committee", "gm", "gm_office", "finance")


def _pdf(name, n):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{name}.pdf", PDF + f"{name}-{n}-{time.monotonic_ns()}".encode(),
                              content_type="application/pdf")


def start_data(debt_id):
    return {"chain": "write_off", "debt": debt_id, "reason": "基准测试：逾三年未履行", "condition": "no_performance",
            "doc_type_1": "write_off_application", "doc_type_2": "postal_evidence_letter"}


def decision_data(kind):
    data = {"decision": "approve", "comment": "基准测试同意"}
    if kind in ("signed", "resolution"):
        data["password"] = PASSWORD
    if kind == "resolution":
        data["doc_type_1"] = "meeting_resolution"
    return data


def seed_ours(debts, role_size, workers):
    from datetime import date
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, Permission

    from workflows import ledger, lifecycle
    from workflows.credit_code import make_code
    from workflows.models import Contract, Debt, Debtor, EntryKind, OrgUnit, State, User
    from workflows.roles import sync_groups

    sync_groups(Group, Permission)
    hq, _created = OrgUnit.objects.get_or_create(code="HQ", defaults={"name": "集团总部"})
    unit, _created = OrgUnit.objects.get_or_create(code="S1", defaults={"name": "第一工程有限公司", "parent": hq})
    hashed = make_password(PASSWORD)

    def make(name, role, where):
        user, created = User.objects.get_or_create(username=name, defaults={"password": hashed, "unit": where})
        if created:
            user.groups.add(Group.objects.get(name=role))
        return user

    handlers = [make(f"b20_handler_{i:02d}", "handler", unit) for i in range(workers)]
    approvers = [f"b20_{role}_{i:02d}" for role in ("committee", "gm", "gm_office", "finance")
                 for i in range(role_size)]
    for name in approvers:
        # finance books in the debts' unit (a unit-scoped step); the others act for the group
        make(name, name[4:-3], unit if name.startswith("b20_finance_") else hq)
    # Exactly role_size active users per role: a larger count seeded before (the fan-out count
    # at --role-size-large) is switched off again rather than deleted (notifications refer to it).
    User.objects.filter(username__in=approvers).update(is_active=True)
    User.objects.filter(username__regex=r"^b20_(committee|gm|gm_office|finance)_[0-9]+$").exclude(
        username__in=approvers).update(is_active=False)
    unused = Debt.objects.filter(code__startswith=OURS_PREFIX, state=State.OVERDUE, chain_runs__isnull=True).count()
    first = Debt.objects.filter(code__startswith=OURS_PREFIX).count()
    for n in range(first, first + max(0, debts - unused)):
        debtor = Debtor.objects.create(name=f"基准债务人{n}", credit_code=make_code(f"91120000{n:09d}"))
        contract = Contract.objects.create(unit=unit, number=f"{OURS_PREFIX}{n:06d}", debtor=debtor,
                                           due_on=date(2020, 1, 31), amount=Decimal("1000.00"))
        debt = Debt.objects.create(code=f"{OURS_PREFIX}{n:06d}", debtor=debtor, contract=contract,
                                   category="receivable", unit=unit, handler=handlers[0], responsible=handlers[0],
                                   due_date=date(2020, 1, 31))
        ledger.post_entry(debt.pk, EntryKind.INVOICE, Decimal("1000.00"), date(2020, 1, 1), by=handlers[0],
                          reference="INV")
        lifecycle.apply_transition(debt.pk, State.OVERDUE)


class OursBase:
    steps = OURS_STEPS

    def __init__(self, worker):
        from workflows.models import User

        self.User = User
        self.users = {role: User.objects.get(username=f"b20_{role}_{worker:02d}").pk
                      for role in OURS_ROLES}

    def debt_ids(self, worker, workers):
        from workflows.models import Debt, State

        ids = (Debt.objects.filter(code__startswith=OURS_PREFIX, state=State.OVERDUE, chain_runs__isnull=True)
               .order_by("pk").values_list("pk", flat=True))
        return [pk for pk in ids if pk % workers == worker]


class OursService(OursBase):
    """The calls of approvals/api.py (see the module docstring)."""

    def __init__(self, worker):
        super().__init__(worker)
        from django.test import RequestFactory

        self.factory = RequestFactory()

    def user(self, role):
        # As the API's token authentication loads it (workflows.rest): with permissions and roles.
        from workflows.backends import user_where

        return user_where(pk=self.users[role])

    def request(self, user):
        request = self.factory.post("/api/")
        request.user = user
        return request

    def start(self, debt_id, n):
        from django.db import transaction
        from django.utils.datastructures import MultiValueDict

        from approvals import registry
        from approvals.chain_requests import start_chain
        from approvals.forms import RequestForm
        from workflows.scoping import get_debt_for

        user = self.user("handler")
        request = self.request(user)
        data = start_data(debt_id)
        files = MultiValueDict({"file_1": [_pdf("application", n)], "file_2": [_pdf("evidence", n)]})
        debt = get_debt_for(user, pk=debt_id)
        start = registry.flow_for(data["chain"]).instance.start
        form = RequestForm(data, files, chain=data["chain"])
        if not form.is_valid():
            raise RuntimeError(f"ours: start form {form.errors.as_json()}")
        with transaction.atomic():
            activation = start.activation_class.create(start, None, None)
            if not start.can_execute(user, activation.task):
                raise RuntimeError("ours: may not start")
            activation.start(request)
            process = start_chain(activation, user, debt, fields=form.process_fields(),
                                  attachments=form.cleaned_data["attachments"], request=request)
        return process.pk

    def find(self, role, process_id):
        from approvals import inbox

        user = self.user(role)
        task_id = (inbox.open_steps(user, mine=False, claimable=True).filter(process_id=process_id)
                   .values_list("task_id", flat=True).first())
        if task_id is None:
            raise RuntimeError(f"ours: no task for {role} in process {process_id}")
        return task_id

    def claim(self, role, task_id):
        from approvals.access import closed_message_for, locked_task_for

        user = self.user(role)
        with locked_task_for(user, task_id) as task:
            if closed_message_for(task):
                raise RuntimeError(f"ours: task closed: {closed_message_for(task)}")
            step = task.flow_task
            if not step.can_assign(user, task):
                raise RuntimeError(f"ours: may not claim: {step.why_not(user, task)}")
            step.activation_class(task).assign(user)

    def complete(self, role, task_id, kind, n):
        from django.utils.datastructures import MultiValueDict

        from approvals.access import closed_message_for, holders_open_task, locked_task_for
        from approvals.decisions import decide
        from approvals.forms import DecisionForm
        from approvals.signatures import verify_password

        user = self.user(role)
        request = self.request(user)
        files = MultiValueDict({"file_1": [_pdf("resolution", n)]} if kind == "resolution" else {})
        values = decision_data(kind)
        # The password before the lock, as approvals/api.py's _verified_before_lock (rule R8.17).
        held = holders_open_task(user, task_id)
        verified = (verify_password(user, values.get("password", ""), task_id=held.pk, request=request)
                    if held is not None and held.flow_task.signs(values.get("decision")) else None)
        with locked_task_for(user, task_id, deciding=True) as task:
            if closed_message_for(task):
                raise RuntimeError(f"ours: task closed: {closed_message_for(task)}")
            step = task.flow_task
            if not step.can_execute(user, task):
                raise RuntimeError(f"ours: may not complete: {step.why_not(user, task)}")
            form = DecisionForm(values, files, step=step, process=task.process.coerced)
            if not form.is_valid():
                raise RuntimeError(f"ours: decision form {form.errors.as_json()}")
            data = form.cleaned_data
            activation = step.activation_class(task)
            activation.start(request)
            decide(activation, user, decision=data["decision"], comment=data.get("comment", ""),
                   attachments=data["attachments"], password=data.get("password", ""), extra=form.extra(),
                   request=request, verified=verified)


class OursHttp(OursBase):
    """The REST API over HTTP (requests, one session and token per user)."""

    def __init__(self, worker, base):
        super().__init__(worker)
        import requests

        self.base = base
        self.missed = 0
        self.sessions = {}
        for role, pk in self.users.items():
            username = self.User.objects.get(pk=pk).username
            r = requests.post(f"{base}/api/token/", data={"username": username, "password": PASSWORD}, timeout=60)
            r.raise_for_status()
            session = requests.Session()
            session.headers["Authorization"] = "Token " + r.json()["token"]
            self.sessions[role] = session

    def _check(self, r, expected, what):
        if r.status_code != expected:
            raise RuntimeError(f"http {what}: {r.status_code} {r.text[:300]}")
        return r.json()

    def start(self, debt_id, n):
        up = {"file_1": ("application.pdf", PDF + f"a-{n}-{time.monotonic_ns()}".encode(), "application/pdf"),
              "file_2": ("evidence.pdf", PDF + f"e-{n}-{time.monotonic_ns()}".encode(), "application/pdf")}
        r = self.sessions["handler"].post(f"{self.base}/api/chains/", data=start_data(debt_id), files=up, timeout=120)
        return self._check(r, 201, "start")["id"]

    def find(self, role, process_id):
        for attempt in range(4):
            page = f"{self.base}/api/tasks/?show=claimable"
            seen = []
            while page:
                data = self._check(self.sessions[role].get(page, timeout=120), 200, "inbox")
                for task in data["results"]:
                    if task["process"] == process_id:
                        return task["id"]
                seen += [(t["process"], t["step"]) for t in data["results"]]
                page = data["next"]
            # Seen once in a run on the shared machine (the next task missing from the inbox
            # right after the previous step's 200): counted and logged, not hidden.
            self.missed += 1
            chain = self.sessions[role].get(f"{self.base}/api/chains/{process_id}/", timeout=60)
            print(f"find: {role} did not see the task of chain {process_id} (attempt {attempt + 1}); "
                  f"inbox {seen}; chain {chain.status_code} {chain.text[:300]}", file=sys.stderr, flush=True)
            time.sleep(0.2)
        raise RuntimeError(f"http: no task for {role} in process {process_id} after 4 attempts")

    def claim(self, role, task_id):
        self._check(self.sessions[role].post(f"{self.base}/api/tasks/{task_id}/claim/", timeout=120), 200, "claim")

    def complete(self, role, task_id, kind, n):
        up = None
        if kind == "resolution":
            up = {"file_1": ("resolution.pdf", PDF + f"r-{n}-{time.monotonic_ns()}".encode(), "application/pdf")}
        r = self.sessions[role].post(f"{self.base}/api/tasks/{task_id}/complete/", data=decision_data(kind),
                                     files=up, timeout=120)
        self._check(r, 200, "complete")


# --------------------------------------------------------------------------- driving
def chain(system, debt_id, n, on_step=None):
    """One chain: start, then find + claim + complete of each human step. on_step(kind,
    began_at, {phase: seconds}) is told each step's phases (began_at: time.monotonic())."""
    clock = time.monotonic
    note = on_step or (lambda *a: None)
    t0 = clock()
    process_id = system.start(debt_id, n)
    note("start", t0, {"start": clock() - t0})
    for kind, role in system.steps:
        a = clock()
        task_id = system.find(role, process_id)
        b = clock()
        system.claim(role, task_id)
        c = clock()
        system.complete(role, task_id, kind, n)
        note(kind, a, {"find": b - a, "claim": c - b, "complete": clock() - c})
    return process_id


def make_system(name, worker, base=None):
    if name == "vanilla":
        return Vanilla(worker)
    if name == "service":
        return OursService(worker)
    return OursHttp(worker, base)


def run(args):
    setup_django()
    system = make_system(args.system, args.worker, args.base)
    debts = iter(system.debt_ids(args.worker, args.workers))
    chain(system, next(debts), 0)  # warm-up, untimed
    print("READY", flush=True)
    line = sys.stdin.readline().split()
    deadline = float(line[1])
    totals = {k: {"n": 0, "find": 0.0, "claim": 0.0, "complete": 0.0, "start": 0.0} for k in KINDS}
    chains = 0

    def on_step(kind, began_at, phases):
        if began_at < deadline:
            totals[kind]["n"] += 1
            for name, value in phases.items():
                totals[kind][name] += value

    n = 1
    started = time.monotonic()
    while time.monotonic() < deadline:
        try:
            debt_id = next(debts)
        except StopIteration:
            print(json.dumps({"error": "out of debts: seed more (--debts)"}), flush=True)
            return 2
        chain(system, debt_id, n, on_step)
        n += 1
        chains += 1
    print(json.dumps({"totals": totals, "chains": chains, "elapsed": time.monotonic() - started,
                      "missed_in_inbox": getattr(system, "missed", 0)}), flush=True)
    return 0


def counts(args):
    """Statements per phase of one chain (after a warm-up chain), service calls and, for ours,
    each REST request through Django's test client (middleware and token authentication
    included, no network)."""
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    name = "vanilla" if args.system == "vanilla" else "service"
    system = make_system(name, 0)
    debts = iter(system.debt_ids(0, 1))
    chain(system, next(debts), 0)
    log = []
    result, control, parts = {}, {}, {}

    def capture(inner):
        def wrapped(*a, **kw):
            with CaptureQueriesContext(connection) as ctx:
                value = inner(*a, **kw)
            wrapped.last = [q["sql"] for q in ctx.captured_queries]
            return value
        return wrapped

    for method in ("start", "find", "claim", "complete"):
        setattr(system, method, capture(getattr(system, method)))

    def on_step(kind, began_at, phases):
        for phase in phases:
            sql = getattr(system, phase).last
            result.setdefault(kind, {})[phase] = len(sql)
            control.setdefault(kind, {})[phase] = transaction_control(sql)
            parts.setdefault(kind, {})[phase] = breakdown(sql)
            log.append((f"{name} {kind} {phase}", sql))

    chain(system, next(debts), 1, on_step)
    out = {name: result, f"{name}_tx": control, f"{name}_by_table": parts}
    if args.system == "ours":
        out["api"], out["api_tx"] = api_counts(next(debts), log)
    if args.sql:
        with open(args.sql, "w") as fh:
            for title, sql in log:
                fh.write(f"-- {title}: {len(sql)} statements\n")
                for s in sql:
                    fh.write(s + ";\n")
                fh.write("\n")
    print(json.dumps(out), flush=True)
    return 0


def breakdown(sql):
    """{"SELECT auth_group": 22, ...}: the statements of one phase by verb and first table."""
    out = {}
    for statement in sql:
        verb = statement.split(" ", 1)[0].rstrip(";").upper()
        match = re.search(r'(?:FROM|INTO|UPDATE)\s+"([A-Za-z0-9_]+)"', statement)
        key = f"{verb} {match.group(1)}" if match else verb
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))


def transaction_control(sql):
    """How many of the statements are BEGIN, COMMIT, SAVEPOINT or RELEASE (counted in the
    totals too, as assertNumQueries counts them)."""
    return sum(1 for s in sql if s.split(" ", 1)[0].upper() in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE",
                                                                 "ROLLBACK"))


def api_counts(debt_id, log):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from workflows.models import User

    def client(username):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(
            user=User.objects.get(username=username))[0].key)
        return c

    clients = {role: client(f"b20_{role}_00") for role in OURS_ROLES}
    result, control = {}, {}

    def call(kind, phase, role, method, path, expected, **kw):
        with CaptureQueriesContext(connection) as ctx:
            r = getattr(clients[role], method)(path, **kw)
        if r.status_code != expected:
            raise RuntimeError(f"api {kind} {phase}: {r.status_code} {r.content[:300]}")
        sql = [q["sql"] for q in ctx.captured_queries]
        result.setdefault(kind, {})[phase] = len(sql)
        control.setdefault(kind, {})[phase] = transaction_control(sql)
        log.append((f"api {kind} {phase}", sql))
        return r.json()

    data = {**start_data(debt_id), "file_1": _pdf("application", 9), "file_2": _pdf("evidence", 9)}
    process_id = call("start", "start", "handler", "post", "/api/chains/", 201, data=data, format="multipart")["id"]
    for kind, role in OURS_STEPS:
        page = call(kind, "find", role, "get", "/api/tasks/?show=claimable", 200)
        task_id = next(t["id"] for t in page["results"] if t["process"] == process_id)
        call(kind, "claim", role, "post", f"/api/tasks/{task_id}/claim/", 200)
        body = decision_data(kind)
        if kind == "resolution":
            body["file_1"] = _pdf("resolution", 9)
        call(kind, "complete", role, "post", f"/api/tasks/{task_id}/complete/", 200, data=body, format="multipart")
    return result, control


def hashers(args):
    """Verify time of one password check: PBKDF2 at Django's default iterations against
    Argon2id at Django's default parameters, and each at OWASP's minimum; interleaved."""
    setup_django()
    from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

    class Pbkdf2Owasp(PBKDF2PasswordHasher):
        iterations = 600_000  # OWASP Password Storage Cheat Sheet: PBKDF2-HMAC-SHA256

    class Argon2Owasp(Argon2PasswordHasher):
        time_cost, memory_cost, parallelism = 2, 19_456, 1  # OWASP's first Argon2id option: m=19 MiB, t=2, p=1

    candidates = {"pbkdf2_django": PBKDF2PasswordHasher(), "argon2id_django": Argon2PasswordHasher(),
                  "pbkdf2_owasp": Pbkdf2Owasp(), "argon2id_owasp": Argon2Owasp()}
    encoded = {name: h.encode(PASSWORD, h.salt()) for name, h in candidates.items()}
    wall = {name: [] for name in candidates}
    cpu = {name: [] for name in candidates}
    for _ in range(args.repeat):
        for name, h in candidates.items():
            w, c = time.perf_counter(), time.process_time()
            if not h.verify(PASSWORD, encoded[name]):
                raise RuntimeError(name)
            cpu[name].append(time.process_time() - c)
            wall[name].append(time.perf_counter() - w)
    params = {name: h.safe_summary(encoded[name]) for name, h in candidates.items()}
    out = {name: {"wall": statistics.median(wall[name]), "cpu": statistics.median(cpu[name]),
                  "params": {k: str(v) for k, v in params[name].items() if k not in ("salt", "hash")}}
           for name in candidates}
    print(json.dumps(out), flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("job", choices=["seed", "run", "counts", "hashers"])
    parser.add_argument("--system", default="vanilla")
    parser.add_argument("--worker", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--debts", type=int, default=100)
    parser.add_argument("--role-size", type=int, default=20)
    parser.add_argument("--base", default=None)
    parser.add_argument("--sql", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.job == "seed":
        setup_django()
        (seed_vanilla if args.system == "vanilla" else seed_ours)(args.debts, args.role_size, args.workers)
        return 0
    return {"run": run, "counts": counts, "hashers": hashers}[args.job](args)


if __name__ == "__main__":
    sys.exit(main())
