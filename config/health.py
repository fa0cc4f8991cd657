"""/healthz: is this process able to serve? Database, caches, the broker and the archive storage,
checked by django-health-check. Unauthenticated and without data: each line names a check and
says OK or what is wrong with it, never a row of the database."""
import dataclasses
import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.contrib.redis import Redis as RedisCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as RedisClient


@dataclasses.dataclass
class ArchiveStorage(HealthCheck):
    """The archive is write-once (it refuses deletes), so unlike health_check's own Storage
    check this one writes nothing: the file system root must be a writable directory, an
    object store must answer a lookup."""

    alias: str = "archive"

    def run(self):
        storage = storages[self.alias]
        if isinstance(storage, FileSystemStorage):
            try:  # what the storage does on its first save anyway
                os.makedirs(storage.location, exist_ok=True)
            except OSError:
                raise ServiceUnavailable("archive directory missing or not writable") from None
            if not os.access(storage.location, os.W_OK):
                raise ServiceUnavailable("archive directory missing or not writable")
            return
        try:
            storage.exists("healthz-probe")
        except Exception as exc:  # the object store's own errors: unreachable, refused
            raise ServiceUnavailable("archive storage unreachable") from exc


@dataclasses.dataclass
class FilesystemBroker(HealthCheck):
    """The embedded default's broker (kombu's filesystem transport under var/broker/)."""

    def run(self):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
        if not os.path.isdir(folder):
            raise ServiceUnavailable("broker folder missing")


def checks():
    found = [Database, (Cache, {"alias": "default"}), (Cache, {"alias": "jobs"}), ArchiveStorage]
    broker = settings.CELERY_BROKER_URL
    if broker.startswith(("redis://", "rediss://")):
        found.append((RedisCheck, {"client_factory": lambda: RedisClient.from_url(broker)}))
    elif broker.startswith("filesystem://"):
        found.append(FilesystemBroker)
    # No broker: tasks run in-process (embedded default), there is nothing to reach.
    return found


class Healthz(HealthCheckView):
    def get_checks(self):
        self.checks = checks()
        return super().get_checks()


healthz = Healthz.as_view()
