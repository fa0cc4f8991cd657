"""Every exception the approvals app raises, grouped by what the caller does about it.

str(exc) is the message for the user, in the user's language. The groups do not subclass each
other: a page that catches a refused decision does not also catch a broken authority table.
"""


# --- a request or a decision the user cannot make: shown on the form --------------------------

class DecisionError(Exception):
    """A chain request or a step decision refused; nothing was saved.

    `field` names the form field the message belongs to (None: the form as a whole)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


class AddSignRefused(DecisionError):
    """加签 refused (rules R4.156-R4.158): who may be added, by whom, when; nothing was saved."""


class TooSoon(DecisionError):
    """Repeated before its interval ran out (催办, rule R4.111); `next_at` says when it may be."""

    def __init__(self, message, next_at):
        super().__init__(message)
        self.next_at = next_at


class SignatureError(Exception):
    """Signing refused: the password typed again does not match the user's login password."""


# --- the archive refused a step file ------------------------------------------------------------

class AttachmentRefused(Exception):
    """documents refused an uploaded file (type, size, content); the message says why."""


# --- configuration: the authority matrix ----------------------------------------------------------

class AuthorityError(Exception):
    """No authority matrix version in effect on the date, or no rule of it covers the amount."""
