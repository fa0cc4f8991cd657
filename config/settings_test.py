"""Test settings: the same settings module, with a fixed key and fast hashing."""
import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key")
os.environ.setdefault("QQ_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))

from .settings import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "media"

# Tests call tasks eagerly; the tests that need the real broker (REDIS_URL) say so themselves.
CELERY_TASK_ALWAYS_EAGER = True
