"""Storage selection and the write-once rules on the S3 backend (no network needed)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from documents.exceptions import ArchiveStorageRefused
from documents.storage import ArchiveS3Storage

ROOT = Path(__file__).resolve().parents[2]


def _archive_backend(**env):
    code = "from django.conf import settings; print(settings.STORAGES['archive']['BACKEND'])"
    full_env = {**os.environ, "SECRET_KEY": "x", "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    if "AWS_STORAGE_BUCKET_NAME" not in env:
        full_env.pop("AWS_STORAGE_BUCKET_NAME", None)
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=ROOT,
                          env=full_env, capture_output=True, text=True, check=True).stdout.strip()


def test_file_system_by_default_s3_when_bucket_configured():
    assert _archive_backend() == "documents.storage.ArchiveFileSystemStorage"
    assert _archive_backend(AWS_STORAGE_BUCKET_NAME="qq-archive") == "documents.storage.ArchiveS3Storage"


def test_s3_storage_refuses_delete_and_overwrite(monkeypatch):
    storage = ArchiveS3Storage(bucket_name="qq-archive", region_name="cn-north-1")
    assert storage.file_overwrite is False
    with pytest.raises(ArchiveStorageRefused):
        storage.delete("documents/x.pdf")
    monkeypatch.setattr(storage, "exists", lambda name: True)
    with pytest.raises(ArchiveStorageRefused):
        storage.get_available_name("documents/x.pdf")
