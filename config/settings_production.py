"""Production settings: config.settings plus everything `manage.py check --deploy` asks for.

Use with DJANGO_SETTINGS_MODULE=config.settings_production and the variables of
deploy/env.example. Nothing here has a default that would be unsafe on the internet.
"""
import os

from django.core.exceptions import ImproperlyConfigured

os.environ["DEBUG"] = "0"  # never on here, whatever the environment says
if len(os.environ.get("SECRET_KEY", "")) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set (at least 50 random characters) in production.")

from .settings import *
from .settings import MIDDLEWARE, env_bool

DEBUG = False

# TLS ends at nginx, which sets X-Forwarded-Proto (deploy/nginx/qingqian.conf).
if env_bool("QQ_BEHIND_PROXY", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False
SECURE_SSL_REDIRECT = env_bool("QQ_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("QQ_SESSION_SECONDS", str(8 * 60 * 60)))  # a working day
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SECURE_HSTS_SECONDS = int(os.environ.get("QQ_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("QQ_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("QQ_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content security policy: only our own origin. viewflow's shell loads its JS and CSS from
# /static/ and runs no inline script; its templates (and ours) carry inline style attributes
# and <style> blocks, so styles also allow 'unsafe-inline' — scripts do not.
# Checked in a real browser by tests/deploy/test_csp_browser.py.
CSP_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_POLICY}
INSTALLED_APPS += ["csp"]
MIDDLEWARE = [*MIDDLEWARE]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")

# Login throttling: django-axes first among the backends; its middleware last.
AXES_ENABLED = True
SILENCED_SYSTEM_CHECKS = []
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "workflows.backends.PermissionsBackend"]
if "axes.middleware.AxesMiddleware" not in MIDDLEWARE:
    # Last, but before django-prometheus's closing middleware when metrics are on.
    _after = "django_prometheus.middleware.PrometheusAfterMiddleware"
    MIDDLEWARE.insert(MIDDLEWARE.index(_after) if _after in MIDDLEWARE else len(MIDDLEWARE),
                      "axes.middleware.AxesMiddleware")
# Load balancers and uptime monitors probe /healthz over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The browsable API is a development aid; production answers JSON only.
REST_FRAMEWORK = {**REST_FRAMEWORK,
                  "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]}

# The OpenAPI schema and its docs page name every endpoint and field: in production only a
# logged-in user (session or token) reads them (issue 15 item 9); development keeps them open.
SPECTACULAR_SETTINGS = {**SPECTACULAR_SETTINGS,
                        "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"]}
