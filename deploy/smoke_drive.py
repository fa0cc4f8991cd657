"""Driven by deploy/smoke: waits for the processes, then works the product over HTTP only."""
import subprocess
import sys
import time
from pathlib import Path

import requests

BASE, LOGS = sys.argv[1], sys.argv[2]
PASSWORD = "demo-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fail(msg):
    raise SystemExit(f"smoke: {msg}")


def wait_for(what, check, seconds=60):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if check():
                return
        except (requests.RequestException, subprocess.CalledProcessError):
            pass
        time.sleep(0.5)
    fail(f"timed out waiting for {what}")


def login(username):
    """Log in over HTTP: the login page (session, CSRF) and a token for the API."""
    # The cookies are Secure (production settings) and this is plain HTTP on loopback, so the
    # proxy's X-Forwarded-Proto is sent and the CSRF cookie is passed back by hand.
    https = {"X-Forwarded-Proto": "https"}
    page = requests.get(f"{BASE}/accounts/login/", headers=https, timeout=10)
    page.raise_for_status()
    csrf = page.cookies.get("csrftoken", "")
    r = requests.post(f"{BASE}/accounts/login/", data={"username": username, "password": PASSWORD,
                                                      "csrfmiddlewaretoken": csrf},
                      headers={**https, "Cookie": f"csrftoken={csrf}",
                               "Referer": BASE.replace("http://", "https://") + "/accounts/login/"},
                      allow_redirects=False, timeout=10)
    if r.status_code != 302 or "/accounts/login/" in r.headers.get("Location", "") or "sessionid" not in r.cookies:
        fail(f"form login of {username} failed: {r.status_code}")
    token = requests.post(f"{BASE}/api/token/", data={"username": username, "password": PASSWORD}, timeout=10)
    if token.status_code != 200:
        fail(f"token login of {username} failed: {token.status_code} {token.text[:200]}")
    api = requests.Session()
    api.headers["Authorization"] = "Token " + token.json()["token"]
    return api


def files(*doc_types):
    return {f"file_{i}": (f"{t}.pdf", PDF + t.encode(), "application/pdf") for i, t in enumerate(doc_types, 1)}, \
        {f"doc_type_{i}": t for i, t in enumerate(doc_types, 1)}


def manage_shell(code):
    return subprocess.run([".venv/bin/python", "manage.py", "shell", "--no-imports", "-c", code],
                          check=True, capture_output=True, text=True).stdout.strip()


wait_for("gunicorn", lambda: requests.get(f"{BASE}/accounts/login/", timeout=10).status_code == 200)
wait_for("the Celery worker", lambda: "pong" in subprocess.run(
    [".venv/bin/celery", "-A", "config", "inspect", "ping", "--timeout", "2"], capture_output=True, text=True).stdout)

handler = login("handler")
users = {name: login(name) for name in ["committee", "gm", "gm_office", "board", "shareholders", "finance"]}

# A write-off: the first overdue debt whose "3 years without performance" condition holds.
process = None
upload, kinds = files("write_off_application", "postal_evidence_letter")
page = f"{BASE}/api/debts/?state=overdue"
while page and process is None:
    listing = handler.get(page, timeout=10).json()
    for debt in listing["results"]:
        r = handler.post(f"{BASE}/api/chains/", data={"chain": "write_off", "debt": debt["id"],
                                                       "reason": "冒烟测试：三年以上未履行",
                                                       "condition": "no_performance", **kinds},
                           files=upload, timeout=30)
        if r.status_code == 201:
            process, debt_id = r.json(), debt["id"]
            break
    page = listing.get("next")
if process is None:
    fail("no overdue demo debt qualifies for a write-off")
print(f"smoke: write-off requested on debt {debt_id}, process {process['id']}")

for _ in range(8):
    state = handler.get(f"{BASE}/api/chains/{process['id']}/", timeout=10).json()
    if not state["open_tasks"]:
        break
    task = state["open_tasks"][0]
    for name, api in users.items():
        if api.post(f"{BASE}/api/tasks/{task}/claim/", timeout=10).status_code != 200:
            continue
        up, kinds2 = files("meeting_resolution")
        r = api.post(f"{BASE}/api/tasks/{task}/complete/", data={"decision": "approve", "comment": "冒烟测试同意",
                                                                  "password": PASSWORD, **kinds2},
                     files=up, timeout=30)
        if r.status_code != 200:
            fail(f"{name} could not complete task {task}: {r.status_code} {r.text[:300]}")
        print(f"smoke: {name} approved task {task}")
        break
    else:
        fail(f"nobody could claim task {task}")
state = handler.get(f"{BASE}/api/chains/{process['id']}/", timeout=10).json()
debt = handler.get(f"{BASE}/api/debts/{debt_id}/", timeout=10).json()
if debt["state"] != "written_off" or state["outcome"] != "approved" or state["open_tasks"]:
    fail(f"write-off did not complete: debt {debt['state']}, chain {state}")
print(f"smoke: debt {debt['code']} written off ({debt['written_off_amount']})")

# The daily run through the broker: a date nobody has run yet, sent to the worker by name.
run_date = manage_shell(
    "import datetime;from workflows.models import ClockRun;d=datetime.date.today()+datetime.timedelta(days=1)\n"
    "while ClockRun.objects.filter(run_date=d).exists(): d+=datetime.timedelta(days=1)\nprint(d)")
subprocess.run([".venv/bin/celery", "-A", "config", "call", "workflows.run_daily", "--args", f'["{run_date}"]'],
               check=True, capture_output=True)
wait_for("the daily run on the worker", lambda: manage_shell(
    f"from workflows.models import ClockRun;r=ClockRun.objects.filter(run_date='{run_date}').first();"
    "print(r.status if r else '')") == "done", seconds=120)
with open(f"{LOGS}/worker.log", encoding="utf-8") as fh:
    if "workflows.run_daily" not in fh.read():
        fail("the worker log does not show workflows.run_daily")
print(f"smoke: daily run for {run_date} executed by the Celery worker")
wait_for("beat", lambda: "beat: Starting" in Path(f"{LOGS}/beat.log").read_text(encoding="utf-8"), seconds=30)
print("smoke: beat is running")
