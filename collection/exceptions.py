"""Every exception collection work raises.

One group is enough: each refusal (a field left empty or out of range, a debt already
closed, a stage skipped, a fee beyond what was recovered, a file the archive refused) is
shown to the user, who corrects the form and tries again; no caller treats one differently.
Permission refusals are PermissionDenied (403), not this. Errors of lower layers
(workflows.ledger's LedgerError, workflows.limitation's LimitationError, the archive's
UploadRefused) are turned into this one, their message kept, where collection calls them.
"""


# --- refused collection work (contacts, letters, visits, plans, legal cases, outsourcing) ---

class CollectionError(Exception):
    """Refused; the message names the field and the problem in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message
