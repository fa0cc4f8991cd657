"""The contact log (催收记录): every contact with the debtor, with promises to pay."""
from collections.abc import Iterable
from datetime import date as date_type
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from documents.exceptions import UploadRefused
from documents.models import Document
from documents.services import attach
from workflows.exceptions import LedgerError
from workflows.ledger import parse_amount
from workflows.models import Debt, State, User

from .exceptions import CollectionError
from .models import Contact, ContactKind, PromiseState
from .permissions import Act, require

CLOSED_STATES = {State.CLEARED, State.SEALED}


def check_debt_open(debt: Debt) -> None:
    if debt.state in CLOSED_STATES:
        raise CollectionError(_("债权 %(code)s 已%(state)s，不能再登记催收工作")
                              % {"code": debt.code, "state": debt.get_state_display()})


def money(value: Decimal | str | int | None, field: str) -> Decimal:
    """A positive CNY amount from user input; errors name the field."""
    try:
        amount = parse_amount(value, field=field)
    except LedgerError as exc:
        raise CollectionError(str(exc)) from None
    if amount <= 0:
        raise CollectionError(_("%(field)s：必须大于零") % {"field": field})
    return amount


def attach_all(debt: Debt, doc_type: str, files: Iterable[UploadedFile] | None, by: User, *, title: str,
               request: HttpRequest | None = None) -> list[Document]:
    """Put files into the case file; a refused file names itself."""
    docs = []
    for upload in files or []:
        try:
            docs.append(attach(debt, doc_type, upload, by, title=title, request=request))
        except UploadRefused as exc:
            raise CollectionError(_("附件“%(name)s”：%(msg)s") % {"name": upload.name, "msg": exc.message}) from None
    return docs


def log_contact(debt: Debt, kind: str, outcome: str, *, by: User, at: datetime | None = None,
                promise_amount: Decimal | str | None = None, promise_date: date_type | None = None,
                attachments: Iterable[UploadedFile] = (), request: HttpRequest | None = None,
                act: Act = Act.WORK) -> Contact:
    """Record one contact; a promise needs both amount and date, the date not in the past.
    `act` is the right the caller exercised: finance's scheduled confirmations log their letter
    under Act.CONFIRM_BALANCES."""
    require(by, act)
    check_debt_open(debt)
    if kind not in ContactKind.values:
        raise CollectionError(_("方式：未知的联系方式“%(kind)s”") % {"kind": kind})
    outcome = (outcome or "").strip()
    if not outcome:
        raise CollectionError(_("结果：必须填写联系结果"))
    at = at or timezone.now()
    if at > timezone.now() + timedelta(minutes=5):
        raise CollectionError(_("联系时间：不能晚于现在"))
    made_on = timezone.localtime(at).date()
    has_amount = promise_amount not in (None, "")
    has_date = promise_date not in (None, "")
    if has_amount != has_date:
        raise CollectionError(_("承诺还款：金额和日期须同时填写") if has_amount
                              else _("承诺还款金额：填写了承诺日期时必须填写金额"))
    state = PromiseState.NONE
    if has_amount:
        promise_amount = money(promise_amount, _("承诺还款金额"))
        if not isinstance(promise_date, date_type):
            raise CollectionError(_("承诺还款日期：日期格式不正确"))
        if promise_date < made_on:
            raise CollectionError(_("承诺还款日期：不能早于联系日期"))
        state = PromiseState.OPEN
    else:
        promise_amount = promise_date = None
    with transaction.atomic():
        contact = Contact.objects.create(
            debt=debt, kind=kind, at=at, outcome=outcome, by=by, promise_amount=promise_amount,
            promise_date=promise_date, promise_made_on=made_on if has_amount else None, promise_state=state)
        docs = attach_all(debt, DocType.OTHER, attachments, by,
                          title=_("催收记录附件（%(kind)s %(day)s）") % {"kind": contact.get_kind_display(),
                                                                   "day": made_on},
                          request=request)
        if docs:
            contact.documents.add(*docs)
    return contact
