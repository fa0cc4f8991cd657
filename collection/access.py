"""One access helper per kind of collection record, called by every page and form post that
loads one: "may this user see / work on this?"

A record of a debt outside the user's units answers 404 (its existence is not disclosed);
one they see but may not act on answers 403 with a message saying who may.
"""
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from workflows import scoping
from workflows.models import Debt, User

from .models import Engagement, LegalCase, Letter, PaymentPlan
from .permissions import Act, require

M = TypeVar("M", bound=Model)

def get_debt_for(user: User, debt_id: int, *, for_: Act) -> Debt:
    """The debt whose collection work is shown or recorded."""
    debt = scoping.get_debt_for(user, pk=debt_id)  # 404 outside the user's units
    require(user, for_)
    return debt


def _record_for(records: QuerySet[M], user: User, pk: int, for_: Act) -> M:
    try:
        record = records.filter(debt__in=scoping.debts_for(user)).get(pk=pk)
    except records.model.DoesNotExist:
        raise Http404(f"No {records.model._meta.model_name} matches the given query.") from None
    require(user, for_)
    return record


def get_letter_for(user: User, pk: int, *, for_: Act) -> Letter:
    return _record_for(Letter.objects.all(), user, pk, for_)


def get_payment_plan_for(user: User, pk: int, *, for_: Act) -> PaymentPlan:
    return _record_for(PaymentPlan.objects.all(), user, pk, for_)


def get_engagement_for(user: User, pk: int, *, for_: Act) -> Engagement:
    return _record_for(Engagement.objects.all(), user, pk, for_)


def get_legal_case_for(user: User, pk: int, *, for_: Act) -> LegalCase:
    return _record_for(LegalCase.objects.select_related("debt__debtor", "taken_by"), user, pk, for_)
