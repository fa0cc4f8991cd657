"""Backup and restore round trip: `manage.py backup` of a database with archived documents,
checked offline by sha256sum, restored by `manage.py restore` into a fresh database and an empty
archive directory, where verify_archive passes and the debts are all there."""
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from documents import services
from documents.catalogue import DocType
from tests import factories as f
from tests.documents import samples
from workflows import db_roles
from workflows.models import Debt

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env_extra):
    dropped = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "MIGRATE_DATABASE_URL",
               "QQ_ARCHIVE_ROOT"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update({"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", **env_extra})
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def fresh_database(tmp_path):
    """A database URL of an empty, freshly created database of the engine under test."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"qq_restore_{uuid.uuid4().hex[:10]}"
    # Creating a database and restoring into it is the owner's work (issue 15: the application
    # role cannot create anything); the owner is MIGRATE_DATABASE_URL when two roles are set.
    settings_dict = db_roles.owner_settings() or connection.settings_dict
    host, port = settings_dict["HOST"] or "127.0.0.1", settings_dict["PORT"] or 5432
    server = f"postgres://{settings_dict['USER']}@{host}:{port}"
    psql = ["psql", "-h", settings_dict["HOST"] or "127.0.0.1", "-U", settings_dict["USER"], "-d", "postgres", "-qc"]
    subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True)
    try:
        yield f"{server}/{name}"
    finally:
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], check=True)


@pytest.fixture
def archived(transactional_db, org, people, settings, tmp_path):
    """Committed data (the dump reads from another connection): two debts, three documents, in
    an archive of their own."""
    settings.STORAGES = {**settings.STORAGES, "archive": {
        "BACKEND": "documents.storage.ArchiveFileSystemStorage", "OPTIONS": {"location": str(tmp_path / "archive")}}}
    debts = [f.debt(org["a"], people["handler"], code=f"BK-{i}") for i in range(2)]  # ledger entries: chained
    for i, debt in enumerate(debts):
        services.attach(debt, DocType.CONTRACT, samples.pdf(f"合同{i}.pdf"), people["handler"])
    services.attach(debts[0], DocType.INVOICE, samples.pdf("发票.pdf"), people["handler"])
    return debts


def test_backup_restores_into_a_fresh_database_and_verifies(archived, tmp_path, fresh_database):
    target = tmp_path / "backup"
    call_command("backup", str(target))
    checked = subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=target, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert sum(1 for p in (target / "archive").rglob("*") if p.is_file()) == 3

    env = {"DATABASE_URL": fresh_database, "QQ_ARCHIVE_ROOT": str(tmp_path / "restored-archive")}
    restored = manage("restore", str(target), **env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    verified = manage("verify_archive", "-v", "0", **env)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "已核验 3 个文件" in verified.stdout and "全部一致" in verified.stdout
    if connection.vendor == "postgresql":  # the hash chains came through intact (issue 15)
        audited = manage("verify_audit", "-v", "0", **env)
        assert audited.returncode == 0, audited.stdout + audited.stderr
        assert "全部一致" in audited.stdout and "已核验 0 行" not in audited.stdout
    probe = "from workflows.models import Debt; print(sorted(Debt.objects.values_list('code', flat=True)))"
    codes = manage("shell", "--no-imports", "-c", probe, **env)
    assert codes.stdout.strip() == str(sorted(Debt.objects.values_list("code", flat=True))), codes.stderr


def test_a_damaged_backup_is_refused_before_anything_is_written(archived, tmp_path, fresh_database):
    target = tmp_path / "backup"
    call_command("backup", str(target))
    victim = next(p for p in (target / "archive").rglob("*") if p.is_file())
    victim.write_bytes(victim.read_bytes() + b"tampered")
    env = {"DATABASE_URL": fresh_database, "QQ_ARCHIVE_ROOT": str(tmp_path / "restored-archive")}
    restored = manage("restore", str(target), **env)
    assert restored.returncode != 0
    assert "missing or damaged" in restored.stderr
    assert not (tmp_path / "restored-archive").exists()


def test_restore_refuses_a_database_that_is_not_empty(archived, tmp_path):
    target = tmp_path / "backup"
    call_command("backup", str(target))
    with pytest.raises(Exception, match="not empty"):
        call_command("restore", str(target))


def test_backup_goes_into_a_new_directory(archived, tmp_path):
    (tmp_path / "taken").mkdir()
    with pytest.raises(Exception, match="exists"):
        call_command("backup", str(tmp_path / "taken"))
