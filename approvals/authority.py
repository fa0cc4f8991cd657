"""The authority matrix (rule R4.46): which body approves a write-off of a given amount.

Versions are rows of AuthorityMatrix with an effective date; the newest version in effect on
the request date applies, and the chain records the exact rule it used.
"""
from datetime import date
from decimal import Decimal

from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import AuthorityError
from .models import AuthorityMatrix, AuthorityRule

# rule R4.46 defaults: ≤ 500,000 总经理办公会; ≤ 5,000,000 董事会; above 股东大会.
DEFAULT_RULES = [(Decimal("500000.00"), "gm_office"), (Decimal("5000000.00"), "board"), (None, "shareholders")]
DEFAULT_EFFECTIVE_FROM = date(2000, 1, 1)


def ensure_default_matrix() -> AuthorityMatrix | None:
    """Version 1 with the defaults, when no version exists at all (fresh or flushed database)."""
    if AuthorityMatrix.objects.exists():
        return None
    matrix = AuthorityMatrix.objects.create(version=1, effective_from=DEFAULT_EFFECTIVE_FROM,
                                            note="规则 R4.46 默认值")
    AuthorityRule.objects.bulk_create([AuthorityRule(matrix=matrix, max_amount=m, body=b) for m, b in DEFAULT_RULES])
    return matrix


def _newest_in_effect(on: date):
    return AuthorityMatrix.objects.filter(effective_from__lte=on).order_by("-effective_from", "-version")


def matrix_in_effect(on: date | None = None) -> AuthorityMatrix:
    on = on or timezone.localdate()
    matrix = _newest_in_effect(on).first()
    if matrix is None and ensure_default_matrix() is not None:
        matrix = _newest_in_effect(on).first()
    if matrix is None:
        raise AuthorityError(_("%(date)s 没有生效的审批权限表") % {"date": on})
    return matrix


def rule_for(amount: Decimal, on: date | None = None) -> AuthorityRule:
    """The rule whose range holds `amount`: the smallest inclusive upper bound ≥ amount. The
    version in effect and its rules are read in one statement (issue 20 item 3); the matrix is
    looked for on its own only when that finds no rule (none yet, or an empty version)."""
    on = on or timezone.localdate()
    rules = list(AuthorityRule.objects.select_related("matrix")
                 .filter(matrix_id=Subquery(_newest_in_effect(on).values("pk")[:1])))
    matrix = rules[0].matrix if rules else matrix_in_effect(on)
    if not rules:
        rules = list(matrix.rules.all())
    rules.sort(key=lambda r: (r.max_amount is None, r.max_amount or 0))
    for rule in rules:
        if rule.max_amount is None or amount <= rule.max_amount:
            return rule
    raise AuthorityError(_("审批权限表第%(v)s版没有覆盖金额 %(amount)s 的规则")
                         % {"v": matrix.version, "amount": amount})
