"""Every exception the archive raises, grouped by what the caller does about it.

Each carries `message`, the text for the user in their language (also str(exc)). The groups
do not subclass each other: a page that catches a refused upload must not also catch a
refused seal or a storage refusal.
"""


class ArchiveError(Exception):
    """Base of the groups below; catch a group, not this."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# --- what enters the archive ------------------------------------------------------------

class UploadRefused(ArchiveError):
    """An upload the archive will not take (format, size, name, sealed file, auditor); the
    message names the problem, and the user fixes the file or picks another case file."""


# --- the 清欠办's custody acts: sealing, legal hold, handover export -----------------------

class SealRefused(ArchiveError):
    """A seal, legal-hold change or handover export the user may not make, or the case file
    is not ready for (missing 建档 items, wrong state, sealed already)."""


# --- the write-once storage ---------------------------------------------------------------

class ArchiveStorageRefused(ArchiveError):
    """A delete or an overwrite of a stored file. No page offers either, so this is a
    programming error or an attempt on the evidence, never something a user corrects."""
