"""Settings of the vanilla yardstick (bench/vanilla): Django's auth, viewflow and this app only,
on the same PostgreSQL server as the product, in a database of its own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qq_b20_vanilla \
        DJANGO_SETTINGS_MODULE=bench.vanilla.settings python manage.py migrate

(bench/approval_steps.py creates, migrates and seeds it itself.)"""
import os

import dj_database_url

SECRET_KEY = "bench-vanilla-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "viewflow",
    "viewflow.workflow",
    "bench.vanilla",
]
DATABASES = {"default": dj_database_url.parse(
    os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/qq_b20_vanilla"),
    conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
# Django's default hashers: PBKDF2 first (the product's production settings keep the default too).
