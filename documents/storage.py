"""Storage for archived files: written once under a fresh name, never overwritten or deleted.

Documents name their files by a random uuid, so a name is never reused; the storages below
also refuse the two calls that could destroy evidence, whichever backend is configured.
"""
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.translation import gettext as _
from storages.backends.s3 import S3Storage

from .exceptions import ArchiveStorageRefused


class WriteOnceMixin:
    def delete(self, name):
        raise ArchiveStorageRefused(_("档案文件不能删除：%(name)s") % {"name": name})

    def get_available_name(self, name, max_length=None):
        # Another name would silently break the link between a document and its file.
        if self.exists(name):
            raise ArchiveStorageRefused(_("档案文件已存在，不能覆盖：%(name)s") % {"name": name})
        return name


class ArchiveFileSystemStorage(WriteOnceMixin, FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("allow_overwrite", False)
        super().__init__(**kwargs)


class ArchiveS3Storage(WriteOnceMixin, S3Storage):
    file_overwrite = False


def archive_storage() -> Storage:
    """Looked up on every call so a settings change (tests, deploys) is honoured."""
    return storages["archive"]
