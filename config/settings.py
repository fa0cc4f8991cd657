"""Settings come from environment variables so one code base serves the embedded
default (SQLite, no Redis) and production (PostgreSQL, Redis, Celery)."""
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from . import logs, sentry

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("QQ_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # A production process with a guessable key would sign forgeable sessions.
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "embedded-demo-only-not-secret"

# Reverse proxies (nginx) whose X-Forwarded-For the access log believes.
QQ_TRUSTED_PROXIES = tuple(h for h in os.environ.get("QQ_TRUSTED_PROXIES", "").split(",") if h)

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "health_check",
    "pgtrigger",
    "viewflow",
    "viewflow.workflow",
    "workflows",
    "approvals",
    "documents",
    "collection",
]

MIDDLEWARE = [
    "config.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "config.middleware.AppShellMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'qingqian.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
# Two roles on PostgreSQL (issue 15, workflows.db_roles): DATABASE_URL is the application role
# (web, worker, beat), MIGRATE_DATABASE_URL the owner that `migrate`, `flush` and `restore` use.
# Only the migrate job needs the second one in its environment.
QQ_OWNER_DATABASE = None
QQ_APP_DATABASE = QQ_APP_DB_ROLE = QQ_APP_DB_PASSWORD = None
if os.environ.get("MIGRATE_DATABASE_URL"):
    QQ_OWNER_DATABASE = dj_database_url.parse(os.environ["MIGRATE_DATABASE_URL"])
    QQ_APP_DATABASE = dict(DATABASES["default"])
    QQ_APP_DB_ROLE = DATABASES["default"].get("USER") or None
    QQ_APP_DB_PASSWORD = DATABASES["default"].get("PASSWORD") or None
    if QQ_OWNER_DATABASE["NAME"] != DATABASES["default"]["NAME"]:
        raise ImproperlyConfigured("MIGRATE_DATABASE_URL and DATABASE_URL must name the same database.")
    if not QQ_APP_DB_ROLE or QQ_OWNER_DATABASE.get("USER") == QQ_APP_DB_ROLE:
        raise ImproperlyConfigured("DATABASE_URL must name the application role, another role than "
                                   "MIGRATE_DATABASE_URL's owner.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Row locks do not exist on SQLite; a generous busy timeout stands in for them. The timeout
    # alone is not enough: a transaction that starts reading (BEGIN DEFERRED) and then writes
    # while another one writes cannot wait (SQLite answers "database is locked" at once, to avoid
    # a deadlock), which a double click on 生成 PDF 函件 used to turn into a 500 (issue 19 item 8).
    # BEGIN IMMEDIATE takes the write lock when the transaction starts, so the second one waits
    # up to the timeout instead. Checked by tests/test_sqlite_busy.py.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=30, transaction_mode="IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "workflows.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Rule R8.18: Argon2id first, at OWASP's recommended 19 MiB, t=2, p=1 (workflows.hashers): one check
# ~31 ms of CPU here against ~270 ms at Django's 100 MiB, t=2, p=8 and ~500 ms for PBKDF2's
# 1,000,000 iterations (bench/password_hashers.py). PBKDF2 stays so existing hashes verify; Django
# rewrites them, and Argon2 hashes at other parameters, at the next login.
PASSWORD_HASHERS = [
    "workflows.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static_collected"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "qingqian@localhost")

# Celery: Redis in production; without a broker URL the embedded default runs tasks
# in-process (see README) so a newcomer needs no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# The daily run's chords (rule R5.20) need a result backend: the broker's Redis unless another is named.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {}
# The daily clock (workflows.clock.run) at 01:00 Asia/Shanghai (CELERY_TIMEZONE).
from celery.schedules import crontab

CELERY_BEAT_SCHEDULE["workflows-run-daily"] = {"task": "workflows.run_daily", "schedule": crontab(hour=1, minute=0)}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded clock (scripts/demo): kombu's filesystem transport under var/, no Redis.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "out"),
        "data_folder_out": str(VAR_DIR / "broker" / "out"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        # kombu's default is ./control in the working directory (the checkout)
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
    for _sub in ("out", "processed", "control"):
        (VAR_DIR / "broker" / _sub).mkdir(parents=True, exist_ok=True)
# The archive re-hashes every stored file nightly; auditors see the last result.
CELERY_BEAT_SCHEDULE["documents-verify-archive"] = {
    "task": "documents.tasks.verify_archive_task",
    "schedule": 24 * 60 * 60,
}
# ... and the hash chains over state changes, ledger entries, authorisations, decisions and
# signatures are recomputed nightly too (issue 15, workflows.audit); a broken link is logged as an error.
CELERY_BEAT_SCHEDULE["workflows-verify-audit"] = {"task": "workflows.verify_audit", "schedule": 24 * 60 * 60}

# Approvals: overdue steps escalate and delegations take effect every 15 minutes; deadlines
# are N working days per step, write-off by "no performance" needs N years.
CELERY_BEAT_SCHEDULE["approvals-escalate-overdue"] = {"task": "approvals.escalate_overdue", "schedule": 15 * 60}
# Housekeeping, nightly: expired sessions, and read notifications past their keep period.
CELERY_BEAT_SCHEDULE["workflows-clear-expired-sessions"] = {"task": "workflows.clear_expired_sessions",
                                                            "schedule": crontab(hour=2, minute=30)}
CELERY_BEAT_SCHEDULE["approvals-purge-read-notifications"] = {"task": "approvals.purge_read_notifications",
                                                              "schedule": crontab(hour=2, minute=40)}
# R8.16: how long an Idempotency-Key's answer is replayed (purged nightly with the sessions).
QQ_IDEMPOTENCY_HOURS = int(os.environ.get("QQ_IDEMPOTENCY_HOURS", "24"))
QQ_NOTIFICATION_KEEP_DAYS = int(os.environ.get("QQ_NOTIFICATION_KEEP_DAYS", "180"))
# The site's own address, for links in e-mail and chat notifications (e.g. https://qingqian.example.com).
QQ_SITE_URL = os.environ.get("QQ_SITE_URL", "").rstrip("/")
QQ_STEP_DEADLINE_WORKING_DAYS = int(os.environ.get("QQ_STEP_DEADLINE_WORKING_DAYS", "3"))
# 催办 (rule R4.111): one reminder per open step within this many hours.
QQ_URGE_INTERVAL_HOURS = int(os.environ.get("QQ_URGE_INTERVAL_HOURS", "24"))
# Signing (rule R4.11): after this many wrong passwords within the window, signing is locked for
# the user for the lock period (approvals.signatures).
QQ_SIGNATURE_FAILURE_LIMIT = int(os.environ.get("QQ_SIGNATURE_FAILURE_LIMIT", "5"))
QQ_SIGNATURE_FAILURE_WINDOW_MINUTES = int(os.environ.get("QQ_SIGNATURE_FAILURE_WINDOW_MINUTES", "15"))
QQ_SIGNATURE_LOCK_MINUTES = int(os.environ.get("QQ_SIGNATURE_LOCK_MINUTES", "15"))

# Embedded-demo: a user may not see the demo passwords in production.
QQ_DEMO = env_bool("QQ_DEMO", False)

# Logs: time, level, logger and request id on every line; QQ_LOG_JSON=1 for JSON lines.
LOGGING = logs.env_logging()

# Error reporting to a self-hosted Sentry, only when SENTRY_DSN is set.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    sentry.init(dsn=SENTRY_DSN, environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
                traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")))

# Prometheus metrics at /metrics (django-prometheus), only with QQ_PROMETHEUS=1; nginx keeps
# /metrics off the public site (deploy/nginx/qingqian.conf), the scraper reaches it directly.
QQ_PROMETHEUS = env_bool("QQ_PROMETHEUS", False)

# The archive (documents app): files go through Django's storage API under the alias
# "archive": the file system under var/ by default, S3-compatible (django-storages) when a
# bucket is configured. Both refuse overwrite and delete (documents.storage).
QQ_ARCHIVE_ROOT = Path(os.environ.get("QQ_ARCHIVE_ROOT", VAR_DIR / "archive"))
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                "OPTIONS": {"location": str(QQ_ARCHIVE_ROOT)}},
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["archive"] = {
        "BACKEND": "documents.storage.ArchiveS3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "location": os.environ.get("QQ_ARCHIVE_S3_PREFIX", "archive"),
        },
    }
# Ledger-import uploads (workflows.ledger_import.jobs) go through the storage API too: the job
# names the file by its storage name, so a Celery worker on another host reads the same file.
# MEDIA_ROOT by default (shared between web and worker hosts, or one host only); the bucket
# when one is configured (under QQ_IMPORT_S3_PREFIX), or any backend set in QQ_IMPORT_STORAGE.
STORAGES["ledger_imports"] = {"BACKEND": os.environ.get(
    "QQ_IMPORT_STORAGE", "django.core.files.storage.FileSystemStorage")}
if AWS_STORAGE_BUCKET_NAME and not os.environ.get("QQ_IMPORT_STORAGE"):
    STORAGES["ledger_imports"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**STORAGES["archive"]["OPTIONS"], "location": os.environ.get("QQ_IMPORT_S3_PREFIX", "imports"),
                    "file_overwrite": False},
    }
QQ_DOCUMENT_MAX_BYTES = int(os.environ.get("QQ_DOCUMENT_MAX_BYTES", str(50 * 1024 * 1024)))

# Background-job progress (the ledger import page) is written by whoever runs the job and read
# by the web process; with a Celery broker that is another process, so the "jobs" cache then
# lives in Redis. The default cache is left as it is.
_JOBS_CACHE_URL = os.environ.get("JOBS_CACHE_URL", "") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else "")
CACHES = globals().get("CACHES") or {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES.setdefault("jobs", {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _JOBS_CACHE_URL}
                  if _JOBS_CACHE_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                           "LOCATION": "qq-jobs"})
# Sessions: with that Redis, read from it and written through to the database (Django's
# cached_db), so that a request does not read its session by SQL (issue 20 item 3: one
# statement of every request). Only a cache every web process shares may hold them (a logout
# in one process must end the session in all), so without Redis they stay in the database.
if _JOBS_CACHE_URL and "sessions" not in CACHES:
    CACHES["sessions"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _JOBS_CACHE_URL,
                          "KEY_PREFIX": "qq-session"}
if "sessions" in CACHES:
    # cached_db that keeps pages working while Redis is away and never leaves a logged-out
    # session in the cache (workflows.sessions).
    SESSION_ENGINE = "workflows.sessions"
    SESSION_CACHE_ALIAS = "sessions"

# REST API (issue 8): session and token authentication, the same permissions as the pages
# (each endpoint checks them itself through the shared services), OpenAPI 3 by drf-spectacular.
INSTALLED_APPS += ["rest_framework", "rest_framework.authtoken", "drf_spectacular", "drf_spectacular_sidecar", "axes"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "workflows.rest.TokenAuthentication",  # the user with its permissions (issue 20)
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "清欠 Qingqian API",
    "DESCRIPTION": "Debts, ledger, archive documents, approval tasks, warnings and reports.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files, its script from a URL (no CDN, no inline script),
    # so the docs page works under the production content security policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
# Login throttling (django-axes): its tables are installed everywhere; the backend and the
# middleware are switched on by config.settings_production (and QQ_AXES=1), because the
# backend refuses authenticate() calls without a request, which test clients make.
AXES_FAILURE_LIMIT = int(os.environ.get("QQ_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("QQ_AXES_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("QQ_AXES", False)
# ModelBackend whose request user brings its permissions and roles in one statement (issue 20).
AUTHENTICATION_BACKENDS = ["workflows.backends.PermissionsBackend"]
if AXES_ENABLED:
    AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "workflows.backends.PermissionsBackend"]
    MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
else:
    SILENCED_SYSTEM_CHECKS = ["axes.W002", "axes.W003"]  # switched off on purpose, see above
# Documents: with QQ_X_ACCEL=1 Django checks access and logs it, nginx sends the file.
QQ_X_ACCEL = env_bool("QQ_X_ACCEL", False)
QQ_X_ACCEL_PREFIX = os.environ.get("QQ_X_ACCEL_PREFIX", "/protected-archive/")

if QQ_PROMETHEUS:
    INSTALLED_APPS += ["django_prometheus"]
    # Before first and After last: the pair times every request and counts its responses.
    MIDDLEWARE = ["django_prometheus.middleware.PrometheusBeforeMiddleware", *MIDDLEWARE,
                  "django_prometheus.middleware.PrometheusAfterMiddleware"]
