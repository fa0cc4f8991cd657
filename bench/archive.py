"""Benchmark: the archive's upload, integrity check and handover export.

    .venv/bin/python bench/archive.py [--docs 2000] [--kb 256] [--big-mb 200]

Runs on a fresh SQLite database and archive directory under /tmp (DATABASE_URL is ignored):
  1. attach --docs PDF documents of --kb KiB each over 200 debts (validated, hashed, stored);
  2. verify_archive over all of them;
  3. the handover bundle of the whole archive (write_bundle to a file);
  4. one upload of --big-mb MiB, to show the upload is streamed: peak RSS must not grow by
     the file's size.
Prints a Markdown table for bench/RESULTS.md.
"""
import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--kb", type=int, default=256)
    parser.add_argument("--big-mb", type=int, default=200)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="qq-archive-bench-"))
    os.environ["QQ_VAR_DIR"] = str(tmp)
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["QQ_DOCUMENT_MAX_BYTES"] = str((args.big_mb + 1) * 1024 * 1024)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import TemporaryUploadedFile
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from documents import services
    from documents.catalogue import DocType
    from documents.export import write_bundle
    from documents.integrity import verify_archive
    from tests import factories as f
    from workflows import roles

    hq = f.unit("HQ", "集团总部")
    handler = f.user("bench_handler", roles.HANDLER, hq)
    debts = [f.debt(hq, handler) for _ in range(200)]
    body = b"%PDF-1.4\n" + os.urandom(args.kb * 1024)
    rows = []

    t = time.perf_counter()
    for n in range(args.docs):
        services.attach(debts[n % len(debts)], DocType.OTHER, ContentFile(body[:-8] + n.to_bytes(8, "big"),
                                                                          name=f"d{n}.pdf"), handler)
    elapsed = time.perf_counter() - t
    rows.append((f"attach {args.docs} × {args.kb} KiB", elapsed, f"{args.docs / elapsed:.0f} docs/s"))

    t = time.perf_counter()
    check = verify_archive(trigger="bench")
    elapsed = time.perf_counter() - t
    assert check.ok
    mb = args.docs * args.kb / 1024
    rows.append((f"verify_archive ({mb:.0f} MiB)", elapsed, f"{mb / elapsed:.0f} MiB/s"))

    t = time.perf_counter()
    with open(tmp / "bundle.zip", "wb") as fh:
        write_bundle(fh)
    elapsed = time.perf_counter() - t
    size = (tmp / "bundle.zip").stat().st_size / 1024 / 1024
    rows.append((f"handover bundle, 200 case files ({size:.0f} MiB zip)", elapsed, f"{mb / elapsed:.0f} MiB/s"))

    before = rss_mb()
    big = TemporaryUploadedFile("big.pdf", "application/pdf", 0, None)
    chunk = os.urandom(1024 * 1024)
    big.write(b"%PDF-1.4\n")
    for _ in range(args.big_mb):
        big.write(chunk)
    big.size = big.tell()
    big.seek(0)
    t = time.perf_counter()
    services.attach(debts[0], DocType.OTHER, big, handler)
    elapsed = time.perf_counter() - t
    rows.append((f"one {args.big_mb} MiB upload (peak RSS {before:.0f} → {rss_mb():.0f} MiB)", elapsed,
                 f"{args.big_mb / elapsed:.0f} MiB/s"))

    print("| step | seconds | rate |")
    print("|---|---:|---:|")
    for label, seconds, rate in rows:
        print(f"| {label} | {seconds:.2f} | {rate} |")


if __name__ == "__main__":
    main()
