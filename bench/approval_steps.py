"""Approval steps side by side (issue 20 item 1): our write-off chain C against a vanilla
django-viewflow flow of the same shape (bench/vanilla: three human steps, then a function node
that writes the debt off), with `pgbench -N` as the anchor, in interleaved rounds in ONE run.

    /work/main/.venv/bin/python bench/approval_steps.py [--rounds 3] [--seconds 10] [--seconds-ours 30] [--workers 1,4]
        [--role-size 20] [--json FILE] [--sql-dir DIR] [--reuse] [--no-http]
    /work/main/.venv/bin/python bench/approval_steps.py --counts-only [--write-baseline]

It (re)creates three PostgreSQL databases on 127.0.0.1 (qq_b20_vanilla, qq_b20_ours,
qq_b20_pgbench; --db-prefix changes the prefix), migrates and seeds them (--reuse keeps them
and only tops up the debts), starts gunicorn (config.settings_production, sync workers, one per
client process of the largest --workers, loopback only), and then, in each round and for each
worker count, measures in a rotating order:
  pgbench   `pgbench -n -N -c W -j W -T S` (transactions/s);
  vanilla   bench/vanilla's flow driven through viewflow's activations (steps/s);
  service   approvals.flows.WriteOffFlow driven through the calls approvals/api.py makes
            (start_chain, claim under the flow lock, decide);
  http      the same chain through the REST API over HTTP to that gunicorn (requests).
W worker processes each run whole chains for S seconds (bench/step_workers.py; --seconds for
vanilla and pgbench, --seconds-ours for ours, whose chains take longer; a step counts when it
began inside the window). A "step" is one
human step: find (the claimable inbox) + claim + complete. Printed per round, with the 1-minute
load average beside each figure: steps/s, chains/s and each step kind's rate, the same-round
ratios ours/vanilla and each/pgbench; then the medians of the rounds' ratios. Once per round it
times one password check (PBKDF2 at Django's default iterations against Argon2id, both at
Django's defaults and at OWASP's minimum; in-process loops, bench/step_workers.py hashers).

Before the rounds it counts SQL statements per step kind (find, claim, complete; the chain
start) with Django's CaptureQueriesContext, for vanilla, for our service calls and for each
REST request through Django's test client, and compares them with bench/step_statements.json
(the report the performance work compares against; --write-baseline rewrites it). After the
rounds it counts ours again with --role-size-large users per role (the candidate fan-out).
--counts-only does the counting alone. --sql-dir writes every captured statement there.
The machine is shared: prefer the same-round ratios to absolute figures.
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from tempfile import mkdtemp

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
WORKER = str(ROOT / "bench" / "step_workers.py")
BASELINE = ROOT / "bench" / "step_statements.json"
KINDS = ("start", "plain", "signed", "resolution", "effect")
STEP_KINDS = ("plain", "signed", "resolution", "effect")
KIND_TITLES = {"start": "chain start", "plain": "plain step (清欠办审核)", "signed": "signed step (总经理批示)",
               "resolution": "signed + resolution (审批机构批准)",
               "effect": "write-off effect (财务部备案并列销账项)"}
PG = ["-h", "127.0.0.1", "-U", "postgres"]


def div(a, b):
    """a / b, or NaN when either side had no samples (a rate of 0 means none was measured)."""
    return a / b if a and b else float("nan")


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def load():
    with open("/proc/loadavg") as fh:
        return float(fh.read().split()[0])


def psql(sql, db="postgres"):
    subprocess.run(["psql", *PG, "-d", db, "-qc", sql], check=True)


def db_exists(name):
    out = subprocess.run(["psql", *PG, "-d", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip() == "1"


class Env:
    def __init__(self, prefix):
        self.tmp = mkdtemp(prefix="qq-b20-")
        self.dbs = {"vanilla": f"{prefix}vanilla", "ours": f"{prefix}ours", "pgbench": f"{prefix}pgbench"}
        base = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
        self.vanilla = {**base, "DJANGO_SETTINGS_MODULE": "bench.vanilla.settings", "DB_CONN_MAX_AGE": "60",
                        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.dbs['vanilla']}"}
        self.ours = {
            **base, "DJANGO_SETTINGS_MODULE": "config.settings_production",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.dbs['ours']}",
            "SECRET_KEY": "bench-steps-" + "q1w2e3r4t5" * 6, "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "QQ_SSL_REDIRECT": "0", "QQ_X_ACCEL": "0", "LOG_LEVEL": "WARNING", "QQ_VAR_DIR": self.tmp,
            "QQ_ARCHIVE_ROOT": f"{self.tmp}/archive", "CELERY_BROKER_URL": "", "DB_CONN_MAX_AGE": "60",
            # no worker recycling in the middle of a measurement
            "QQ_MAX_REQUESTS": "0",
        }

    def for_system(self, system):
        return self.vanilla if system == "vanilla" else self.ours


def worker_call(env, *args, timeout=1800):
    r = subprocess.run([PY, WORKER, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise SystemExit(f"step_workers {' '.join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-5000:]}")
    return r.stdout


def prepare(env, args):
    t0 = time.monotonic()
    for key in ("vanilla", "ours"):
        name = env.dbs[key]
        fresh = not (args.reuse and db_exists(name))
        if fresh:
            psql(f"DROP DATABASE IF EXISTS {name}")
            psql(f"CREATE DATABASE {name}")
        e = env.for_system(key)
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=e, check=True)
        debts = args.debts_vanilla if key == "vanilla" else args.debts_ours
        worker_call(e, "seed", "--system", key, "--debts", str(debts), "--role-size", str(args.role_size),
                    "--workers", str(max(args.workers)))
    name = env.dbs["pgbench"]
    if not (args.reuse and db_exists(name)):
        psql(f"DROP DATABASE IF EXISTS {name}")
        psql(f"CREATE DATABASE {name}")
        subprocess.run(["pgbench", *PG, "-i", "-q", "-s", str(args.pgbench_scale), name], check=True,
                       capture_output=True)
    print(f"databases ready in {time.monotonic() - t0:.0f} s", flush=True)


# --------------------------------------------------------------------------- counting
def count(env, args, label=""):
    sql = {}
    if args.sql_dir:
        Path(args.sql_dir).mkdir(parents=True, exist_ok=True)
    out = {}
    for system in ("vanilla", "ours"):
        extra = []
        if args.sql_dir:
            path = Path(args.sql_dir) / f"{system}{label}.sql"
            extra = ["--sql", str(path)]
            sql[system] = path
        out.update(json.loads(worker_call(env.for_system(system), "counts", "--system", system, *extra)))
    return out


def step_total(c, kind):
    # .get: a baseline written before a kind existed (the finance filing, issue 17) lacks it
    return sum(c.get(kind, {}).values())


def chain_total(c):
    return sum(step_total(c, k) for k in KINDS)


def print_counts(counts, baseline=None, role_size=20):
    print(f"\nSQL statements per step (CaptureQueriesContext; {role_size} users per role; "
          f"transaction control — BEGIN/SAVEPOINT/RELEASE/COMMIT — included, its share in brackets)")
    columns = [("vanilla", "vanilla"), ("service", "ours: service calls"), ("api", "ours: REST request (test client)")]
    print(f"{'step kind':44s} {'phase':9s}" + "".join(f"{title:>34s}" for _key, title in columns))
    for kind in KINDS:
        phases = ("start",) if kind == "start" else ("find", "claim", "complete", "step")
        for phase in phases:
            cells = []
            for key, _title in columns:
                c, tx = counts[key], counts[f"{key}_tx"]
                if phase == "step":
                    n, t = step_total(c, kind), step_total(tx, kind)
                else:
                    n, t = c[kind][phase], tx[kind][phase]
                was = ""
                if baseline and key in baseline:
                    b = (step_total(baseline[key], kind) if phase == "step"
                         else baseline[key].get(kind, {}).get(phase, "—"))
                    was = f" (was {b})" if b != n else ""
                cells.append(f"{n} [{t}]{was}")
            label = KIND_TITLES[kind] if phase in ("start", "find") else ""
            print(f"{label:44s} {phase:9s}" + "".join(f"{cell:>34s}" for cell in cells))
    cells = [f"{chain_total(counts[k])} [{chain_total(counts[f'{k}_tx'])}]" for k, _t in columns]
    print(f"{'whole chain (start + 4 steps)':44s} {'':9s}" + "".join(f"{cell:>34s}" for cell in cells))
    # The service calls copy approvals/api.py's view bodies; the REST request adds only token
    # authentication and the response (0-6 statements). More means the copy has drifted.
    drift = [f"{k} {p}" for k in KINDS for p in counts["service"][k]
             if not 0 <= counts["api"][k][p] - counts["service"][k][p] <= 6]
    if drift:
        print(f"!! service calls and REST requests differ by more than the API's own statements at {drift}: "
              f"bench/step_workers.py OursService may no longer do what approvals/api.py does")
    print("ours, service calls, by verb and table (the largest; --sql-dir has every statement):")
    for kind in KINDS:
        for phase, parts in counts["service_by_table"][kind].items():
            top = ", ".join(f"{n} {what}" for what, n in list(parts.items())[:6])
            print(f"  {kind:7s}{phase:9s}{top}")


# --------------------------------------------------------------------------- measuring
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_gunicorn(env, workers):
    import urllib.request

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = subprocess.Popen([PY, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}",
                            "--workers", str(workers), "--access-logfile", "/dev/null",
                            "--error-logfile", f"{env.tmp}/gunicorn.log"], cwd=ROOT, env=env.ours)
    for _ in range(240):
        try:
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=5) as r:
                if r.status == 200:
                    return web, base
        except OSError:
            time.sleep(0.5)
    web.terminate()
    raise SystemExit(f"gunicorn did not answer; see {env.tmp}/gunicorn.log")


def pgbench(env, clients, seconds):
    before = load()
    r = subprocess.run(["pgbench", *PG, "-n", "-N", "-c", str(clients), "-j", str(clients), "-T", str(seconds),
                        env.dbs["pgbench"]], capture_output=True, text=True, check=True)
    tps = float(re.search(r"tps = ([0-9.]+)", r.stdout).group(1))
    return {"tps": tps, "load": before, "load_after": load()}


def measure(env, system, workers, seconds, base):
    """Start `workers` processes, wait until each has warmed up, let them run `seconds`."""
    e = env.for_system(system)
    procs = []
    for w in range(workers):
        cmd = [PY, WORKER, "run", "--system", system, "--worker", str(w), "--workers", str(workers)]
        if system == "http":
            cmd += ["--base", base]
        # stderr to a file: a pipe nobody reads during the run could fill and stall the worker
        log = open(f"{env.tmp}/{system}-{workers}-{w}.log", "a")  # noqa: SIM115 (closed with the worker)
        log.write(f"--- {time.strftime('%H:%M:%S')} {system}, {workers} workers, worker {w}\n")
        log.flush()
        procs.append(subprocess.Popen(cmd, env=e, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=log, text=True))
        procs[-1].log = log
    for p in procs:
        line = p.stdout.readline()
        if line.strip() != "READY":
            for q in procs:
                q.kill()
            raise SystemExit(f"{system} worker did not start: {line}\n{Path(p.log.name).read_text()[-5000:]}")
    before = load()
    deadline = time.monotonic() + seconds
    for p in procs:
        p.stdin.write(f"GO {deadline}\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, _err = p.communicate(timeout=seconds + 600)
        p.log.close()
        data = json.loads(out.strip().splitlines()[-1]) if out.strip() else {"error": "no output"}
        if "error" in data or p.returncode:
            raise SystemExit(f"{system} worker failed: {data.get('error')}\n{Path(p.log.name).read_text()[-5000:]}")
        results.append(data)
    missed = sum(r.get("missed_in_inbox", 0) for r in results)
    if missed:
        print(f"!! {system}, {workers} workers: {missed} time(s) a task was not yet in the inbox after the "
              f"previous step's answer (logs in {env.tmp})", flush=True)
    return {**rates(results), "load": before, "load_after": load(), "workers": workers, "missed": missed}


def rates(results):
    """Sum over workers of each worker's own rate (count / seconds spent in that kind)."""
    out = {"kinds": {}, "steps": 0.0, "chains": 0.0, "n": 0}
    for kind in KINDS:
        total = 0.0
        for r in results:
            t = r["totals"][kind]
            seconds = t["find"] + t["claim"] + t["complete"] + t["start"]
            if t["n"]:
                total += t["n"] / seconds
        out["kinds"][kind] = total
    for r in results:
        t = r["totals"]
        n = sum(t[k]["n"] for k in STEP_KINDS)
        seconds = sum(t[k]["find"] + t[k]["claim"] + t[k]["complete"] for k in STEP_KINDS)
        out["n"] += n
        if n:
            out["steps"] += n / seconds
        if all(t[k]["n"] for k in KINDS):
            out["chains"] += 1 / sum((t[k]["find"] + t[k]["claim"] + t[k]["complete"] + t[k]["start"]) / t[k]["n"]
                                     for k in KINDS)
        # the seconds of each phase of a signed step, for the password's share
        s = t["signed"]
        out.setdefault("signed_seconds", []).append(
            (s["find"] + s["claim"] + s["complete"]) / s["n"] if s["n"] else None)
    return out


def hashers(env, repeat):
    before = load()
    return {**json.loads(worker_call(env.ours, "hashers", "--repeat", str(repeat))), "load": before}


def print_round(r, data, worker_counts, systems):
    print(f"\n=== round {r + 1} ===")
    for w in worker_counts:
        pg = data[("pgbench", w)]
        print(f"-- {w} worker process{'es' if w > 1 else ''}; pgbench -N: {pg['tps']:.0f} tps "
              f"(load {pg['load']:.2f})")
        print(f"{'':10s}{'steps/s':>10s}{'chains/s':>10s}" + "".join(f"{k:>10s}" for k in KINDS)
              + f"{'steps/pgbench':>15s}{'load':>7s}")
        for system in systems:
            if system == "pgbench":
                continue
            m = data[(system, w)]
            print(f"{system:10s}{m['steps']:10.2f}{m['chains']:10.2f}"
                  + "".join(f"{m['kinds'][k]:10.2f}" for k in KINDS)
                  + f"{div(m['steps'], pg['tps']):15.5f}{m['load']:7.2f}")
        v = data[("vanilla", w)]
        for system in ("service", "http"):
            if system not in systems:
                continue
            m = data[(system, w)]
            print(f"{system + '/vanilla':18s}steps {div(m['steps'], v['steps']):.3f}  "
                  f"chains {div(m['chains'], v['chains']):.3f}  "
                  + "  ".join(f"{k} {div(m['kinds'][k], v['kinds'][k]):.3f}" for k in KINDS))
    h = data["hashers"]
    print(f"password check (verify, median of the round, load {h['load']:.2f}): "
          + ", ".join(f"{name} {h[name]['wall'] * 1000:.0f} ms wall / {h[name]['cpu'] * 1000:.0f} ms CPU"
                      for name in ("pbkdf2_django", "argon2id_django", "pbkdf2_owasp", "argon2id_owasp")))


def summarise(rounds, worker_counts, systems):
    print("\n=== medians over the rounds of the same-round ratios ===")
    summary = {}
    for w in worker_counts:
        for system in systems:
            if system in ("pgbench", "vanilla"):
                continue
            key = f"{system}/vanilla, {w}w"
            ratios = {"steps": [], "chains": [], **{k: [] for k in KINDS}}
            for data in rounds:
                m, v = data[(system, w)], data[("vanilla", w)]
                ratios["steps"].append(div(m["steps"], v["steps"]))
                ratios["chains"].append(div(m["chains"], v["chains"]))
                for k in KINDS:
                    ratios[k].append(div(m["kinds"][k], v["kinds"][k]))
            summary[key] = {k: median(v) for k, v in ratios.items()}
            print(f"{key:22s}" + "  ".join(f"{k} {median(v):.3f}" for k, v in ratios.items())
                  + "   (rounds: " + ", ".join(f"{x:.3f}" for x in ratios["steps"]) + ")")
        for system in systems:
            if system == "pgbench":
                continue
            per = [div(data[(system, w)]["steps"], data[("pgbench", w)]["tps"]) for data in rounds]
            rate = [data[(system, w)]["steps"] for data in rounds]
            chains = [data[(system, w)]["chains"] for data in rounds]
            summary[f"{system}/pgbench, {w}w"] = median(per)
            summary[f"{system} steps/s, {w}w"] = median(rate)
            summary[f"{system} chains/s, {w}w"] = median(chains)
            print(f"{system + '/pgbench, ' + str(w) + 'w':22s}{median(per):.5f} "
                  f"(one step = {div(1, median(per)):.0f} pgbench -N transactions); "
                  f"steps/s median {median(rate):.2f}, chains/s {median(chains):.3f}")
        pg = [data[("pgbench", w)]["tps"] for data in rounds]
        summary[f"pgbench tps, {w}w"] = median(pg)
        print(f"{'pgbench tps, ' + str(w) + 'w':22s}{median(pg):.0f}")
    names = ("pbkdf2_django", "argon2id_django", "pbkdf2_owasp", "argon2id_owasp")
    hs = {n: statistics.median([d["hashers"][n]["wall"] for d in rounds]) for n in names}
    cpu = {n: statistics.median([d["hashers"][n]["cpu"] for d in rounds]) for n in names}
    summary["hashers_wall"], summary["hashers_cpu"] = hs, cpu
    print("password verify, median of rounds: " + ", ".join(
        f"{n} {hs[n] * 1000:.0f} ms wall / {cpu[n] * 1000:.0f} ms CPU" for n in names))
    print(f"argon2id (Django defaults) / pbkdf2 (Django default): {hs['argon2id_django'] / hs['pbkdf2_django']:.3f} "
          f"wall, {cpu['argon2id_django'] / cpu['pbkdf2_django']:.3f} CPU")
    print("params: " + "; ".join(f"{n}: {rounds[0]['hashers'][n]['params']}" for n in names))
    if "service" in systems and 1 in worker_counts:
        shares = []
        for d in rounds:
            signed = d[("service", 1)]["signed_seconds"][0]
            if signed:
                shares.append(d["hashers"]["pbkdf2_django"]["wall"] / signed)
        if shares:
            summary["password_share_of_signed_step"] = median(shares)
            print(f"one PBKDF2 check / one signed step of ours (service, 1 worker, same round): "
                  f"{median(shares):.2f}  (rounds: {', '.join(f'{s:.2f}' for s in shares)})")
    return summary


def timed_rounds(env, args):
    systems = [s for s in args.systems.split(",") if not (args.no_http and s == "http")]
    web, base = (start_gunicorn(env, max(args.workers)) if "http" in systems else (None, None))
    rounds = []
    try:
        for r in range(args.rounds):
            data = {}
            order = systems[r % len(systems):] + systems[:r % len(systems)]
            for w in args.workers:
                for system in order:
                    if system == "pgbench":
                        data[(system, w)] = pgbench(env, w, args.seconds)
                    else:
                        seconds = args.seconds if system == "vanilla" else args.seconds_ours
                        data[(system, w)] = measure(env, system, w, seconds, base)
            data["hashers"] = hashers(env, args.hasher_repeat)
            print_round(r, data, args.workers, systems)
            rounds.append(data)
    finally:
        if web:
            web.terminate()
            web.wait(timeout=60)
    return {"summary": summarise(rounds, args.workers, systems),
            "rounds": [{f"{k[0]} {k[1]}w" if isinstance(k, tuple) else k: v for k, v in d.items()} for d in rounds]}


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    version = subprocess.run(["psql", *PG, "-d", "postgres", "-Atc", "SHOW server_version"], capture_output=True,
                             text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu, "postgresql": version, "commit": commit,
            "date": time.strftime("%Y-%m-%d %H:%M %Z")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--seconds-ours", type=int, default=30)
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--role-size", type=int, default=20)
    parser.add_argument("--role-size-large", type=int, default=50)
    parser.add_argument("--debts-ours", type=int, default=2000)  # ~300 chains a round since 2026-12-04
    parser.add_argument("--debts-vanilla", type=int, default=40000)
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--hasher-repeat", type=int, default=3)
    parser.add_argument("--db-prefix", default="qq_b20_")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--systems", default="pgbench,vanilla,service,http",
                        help="a subset to measure (ratios need vanilla and pgbench)")
    parser.add_argument("--counts-only", action="store_true")
    parser.add_argument("--write-baseline", action="store_true")
    parser.add_argument("--sql-dir", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    args.workers = [int(w) for w in args.workers.split(",")]
    if max(args.workers) > args.role_size:
        parser.error("--role-size must be at least the largest --workers (each worker acts as its own users)")

    env = Env(args.db_prefix)
    info = machine()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, PostgreSQL {info['postgresql']}; "
          f"code {info['commit']}; {info['date']}; load {load():.2f}", flush=True)
    prepare(env, args)
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else None
    counts = count(env, args)
    print_counts(counts, baseline, args.role_size)
    report = {"machine": info, "role_size": args.role_size, "counts": counts}
    if not args.counts_only:
        report.update(timed_rounds(env, args))

    # The candidate fan-out: the same counts with more users per role, then back to --role-size.
    def reseed(size):
        worker_call(env.ours, "seed", "--system", "ours", "--debts", "0", "--role-size", str(size),
                    "--workers", str(max(args.workers)))

    reseed(args.role_size_large)
    large = count(env, args, label=f"_{args.role_size_large}")
    reseed(args.role_size)
    print_counts(large, baseline and baseline.get("at_role_size_large"), args.role_size_large)
    extra = args.role_size_large - args.role_size
    for kind in KINDS:
        grow = (step_total(large["service"], kind) - step_total(counts["service"], kind)) / extra
        print(f"  {KIND_TITLES[kind]}: {grow:+.1f} statements per extra user in the role")
    report["counts_role_size_large"] = {"role_size": args.role_size_large, **large}
    if args.write_baseline:
        keep = ("vanilla", "service", "api", "vanilla_tx", "service_tx", "api_tx", "vanilla_by_table",
                "service_by_table")
        BASELINE.write_text(json.dumps({
            "about": "SQL statements per step kind and phase (bench/approval_steps.py); *_tx: of them "
                     "BEGIN/SAVEPOINT/RELEASE/COMMIT; *_by_table: by verb and first table",
            "commit": info["commit"], "date": info["date"], "role_size": args.role_size,
            **{k: counts[k] for k in keep},
            "at_role_size_large": {"role_size": args.role_size_large, **{k: large[k] for k in keep}},
        }, indent=1, ensure_ascii=False) + "\n")
        print(f"baseline written to {BASELINE.relative_to(ROOT)}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    print(f"\nload at the end: {load():.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
