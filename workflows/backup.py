"""Backup and restore of the whole installation: the database and the archive files.

Consistency without stopping the service: the database is dumped first (one snapshot), the
archive files are copied after. The archive is write-once — a document's file is stored before
its row commits and no file is ever changed or deleted — so every file the snapshot refers to
is already there when the copy starts; files uploaded meanwhile are copied too and are simply
not referred to by the restored database. A SHA256SUMS file lists every file of the backup, so
`sha256sum -c SHA256SUMS` verifies it offline before a restore.

PostgreSQL: `pg_dump --format=custom` (pg_restore into an empty database, as the owner role).
SQLite: the online backup API. An object-store archive (S3) is not copied here: keep the
bucket versioned or replicated, and back up the database with this command.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection
from django.utils import timezone

from documents.storage import archive_storage
from workflows.exceptions import BackupError

FORMAT = 1
DB_POSTGRES, DB_SQLITE = "database.pgdump", "database.sqlite3"


@dataclass
class Summary:
    path: Path
    files: int
    database: str


def _archive_root() -> Path:
    storage = archive_storage()
    if not isinstance(storage, FileSystemStorage):
        raise BackupError("the archive is in an object store: back it up with the store's own versioning or "
                          "replication; this command copies a file-system archive only")
    return Path(storage.location)


def _pg_env(db) -> dict[str, str]:
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return env


def _pg_args(db) -> list[str]:
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    return args


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def make_backup(target: Path) -> Summary:
    """Write a backup into the new directory `target` (it must not exist yet)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists: a backup goes into a new directory")
    archive = _archive_root()
    target.mkdir(parents=True)
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        dump = target / DB_POSTGRES
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump),
                        *_pg_args(db)], env=_pg_env(db), check=True, capture_output=True)
    elif connection.vendor == "sqlite":
        dump = target / DB_SQLITE
        connection.ensure_connection()
        with sqlite3.connect(dump) as out:
            connection.connection.backup(out)
        out.close()
    else:  # pragma: no cover - the two engines the product runs on
        raise BackupError(f"no backup for the {connection.vendor} database")
    # After the snapshot (see the module docstring): the archive only ever grows.
    files = 0
    if archive.is_dir():
        shutil.copytree(archive, target / "archive", copy_function=shutil.copy2)
        files = sum(1 for p in (target / "archive").rglob("*") if p.is_file())
    else:
        (target / "archive").mkdir()
    (target / "backup.json").write_text(json.dumps({
        "format": FORMAT, "made_at": timezone.localtime().isoformat(), "database": connection.vendor,
        "archive_files": files,
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [f"{_sha256(p)}  {p.relative_to(target).as_posix()}" for p in sorted(target.rglob("*")) if p.is_file()]
    (target / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Summary(target, files, connection.vendor)


def check_backup(source: Path) -> dict:
    """The backup's description after every file matches its checksum; BackupError otherwise."""
    source = Path(source)
    sums = source / "SHA256SUMS"
    if not sums.is_file():
        raise BackupError(f"{source} has no SHA256SUMS: not a backup of this product")
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = source / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{name} is missing or damaged: the backup cannot be trusted")
    return json.loads((source / "backup.json").read_text(encoding="utf-8"))


def restore_backup(source: Path) -> Summary:
    """Restore into the configured database, which must be empty (freshly created), and into the
    configured archive root, which must be empty or missing. Verify afterwards with
    `manage.py verify_archive`."""
    source = Path(source)
    meta = check_backup(source)
    if meta["database"] != connection.vendor:
        raise BackupError(f"the backup is of a {meta['database']} database; this installation uses "
                          f"{connection.vendor}")
    if connection.introspection.table_names():
        raise BackupError("the database is not empty: restore into a freshly created database")
    archive = _archive_root()
    if archive.exists() and any(archive.iterdir()):
        raise BackupError(f"the archive directory {archive} is not empty")
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        # As whoever connects (the restore command connects as the owner when two roles are set);
        # privileges are not taken from the dump (its roles may not exist here): the restore
        # command grants the application role afterwards (workflows.db_roles).
        subprocess.run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", *_pg_args(db),
                        str(source / DB_POSTGRES)],
                       env=_pg_env(db), check=True, capture_output=True)
    else:
        connection.close()
        shutil.copy2(source / DB_SQLITE, db["NAME"])
    archive.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source / "archive", archive, dirs_exist_ok=True, copy_function=shutil.copy2)
    return Summary(archive, meta["archive_files"], connection.vendor)


def default_target() -> Path:
    return Path(settings.VAR_DIR) / "backups" / timezone.localtime().strftime("%Y%m%d-%H%M%S")
