"""gunicorn settings for the Qingqian web process. Stateless: any number of these can run
behind the load balancer (sessions live in PostgreSQL, files in the archive storage)."""
import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("QQ_BIND", "127.0.0.1:8000")
# Sync workers, 2 x CPUs + 1: the request handlers hold row locks briefly and do no long I/O
# (downloads are handed to nginx, X-Accel-Redirect); requests are CPU-bound, and on 2 CPUs 5
# workers gave the throughput of 8 with lower medians, 0 time-outs at 200 clients
# (bench/RESULTS.md, load 2026-12-04). Not gthread: django-fsm-2 flips its field's `protected`
# flag on the class in refresh_from_db, which two threads of one process race.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("QQ_THREADS", "1"))
timeout = int(os.environ.get("QQ_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in any library cannot grow without bound.
max_requests = int(os.environ.get("QQ_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("QQ_ACCESS_LOG", "-")
errorlog = os.environ.get("QQ_ERROR_LOG", "-")
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# nginx on the same host sets X-Forwarded-Proto; only trust it from there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
