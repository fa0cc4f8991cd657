"""统一社会信用代码 (unified social credit code), GB 32100-2015.

18 characters from a 31-symbol alphabet (digits and capitals without I, O, Z, S, V);
the 18th is a check character computed from the first 17 with fixed weights.
"""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=False))
    return ALPHABET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """The reason the code is invalid, or None when it is valid."""
    if not isinstance(code, str) or len(code) != 18:
        return _("统一社会信用代码应为18位")
    bad = [ch for ch in code if ch not in ALPHABET]
    if bad:
        return _("统一社会信用代码含有非法字符：%(chars)s") % {"chars": "".join(bad)}
    if check_character(code[:17]) != code[17]:
        return _("统一社会信用代码校验位错误")
    return None


def validate_credit_code(code: str) -> None:
    reason = problem(code)
    if reason:
        raise ValidationError(reason, code="credit_code")


def make_code(first17: str) -> str:
    """Complete a 17-character body with its check character (demo data and tests)."""
    return first17 + check_character(first17)
