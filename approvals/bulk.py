"""Starting the same chain on several debts at once (the 清欠办 overdue queue's "发起上门催收计划",
rule R5.5): each debt its own process, its own checks and its own savepoint, so one refusal
does not undo the others and no process is half-started."""
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from workflows.models import Debt, User

from . import registry
from .chain_requests import start_chain
from .exceptions import DecisionError
from .models import ChainProcess


def start_chains(*, user: User, chain: str, debts: Iterable[Debt], fields: Mapping[str, Any],
                 request: HttpRequest) -> list[tuple[Debt, ChainProcess | None, str]]:
    """(debt, process or None, the refusal's message) for each debt, in order."""
    start = registry.flow_for(chain).instance.start
    outcomes = []
    for debt in debts:
        try:
            with transaction.atomic():
                activation = start.activation_class.create(start, None, None)
                if not start.can_execute(user, activation.task):
                    raise PermissionDenied(_("您不能发起该审批"))
                activation.start(request)
                process = start_chain(activation, user, debt, fields=dict(fields), request=request)
            outcomes.append((debt, process, ""))
        except (DecisionError, PermissionDenied) as exc:
            outcomes.append((debt, None, str(exc)))
    return outcomes
