from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from collection import clock
from collection.contacts import log_contact
from collection.exceptions import CollectionError
from collection.models import Contact, ContactKind, PromiseState
from documents.models import Document
from documents.timeline import case_file_timeline
from tests.approvals.helpers import pdf
from workflows import ledger
from workflows.clock.run import run_daily
from workflows.models import EntryKind

pytestmark = pytest.mark.django_db
SH = timezone.get_fixed_timezone(8 * 60)


@pytest.mark.parametrize("kind", ContactKind.values)
def test_each_contact_kind_is_logged_and_in_the_timeline(overdue, people, kind):
    contact = log_contact(overdue, kind, f"联系结果-{kind}", by=people["handler"])
    assert Contact.objects.get(pk=contact.pk).kind == kind
    assert contact.promise_state == PromiseState.NONE
    texts = [e.text for e in case_file_timeline(overdue) if e.kind == "contact"]
    assert any(f"联系结果-{kind}" in t and str(ContactKind(kind).label) in t for t in texts)


def test_contact_attachment_goes_into_the_case_file(overdue, people):
    contact = log_contact(overdue, ContactKind.NEGOTIATION, "谈判纪要", by=people["handler"],
                          attachments=[pdf("minutes.pdf")])
    doc = contact.documents.get()
    assert doc.case_file.debt_id == overdue.pk and Document.objects.filter(case_file__debt=overdue).count() == 1


def test_contact_input_errors_name_the_field(overdue, people):
    with pytest.raises(CollectionError, match="结果"):
        log_contact(overdue, ContactKind.PHONE, "  ", by=people["handler"])
    with pytest.raises(CollectionError, match="方式"):
        log_contact(overdue, "fax", "x", by=people["handler"])
    with pytest.raises(CollectionError, match="承诺还款"):
        log_contact(overdue, ContactKind.PHONE, "x", by=people["handler"], promise_amount="100")
    with pytest.raises(CollectionError, match="承诺还款金额"):
        log_contact(overdue, ContactKind.PHONE, "x", by=people["handler"], promise_amount="abc",
                    promise_date=timezone.localdate())
    with pytest.raises(PermissionDenied):
        log_contact(overdue, ContactKind.PHONE, "x", by=people["auditor"])
    assert Contact.objects.count() == 0


@time_machine.travel(datetime(2026, 5, 10, 10, 0, tzinfo=SH), tick=False)
def test_broken_promise_flagged_and_kept_promise_not(overdue, people):
    broken = log_contact(overdue, ContactKind.PHONE, "答应月中付款", by=people["handler"],
                         promise_amount="5000.00", promise_date=date(2026, 5, 15))
    kept = log_contact(overdue, ContactKind.NEGOTIATION, "答应分两次付", by=people["handler"],
                       promise_amount="3000.00", promise_date=date(2026, 5, 20))
    later = log_contact(overdue, ContactKind.SMS, "答应下月付", by=people["handler"],
                        promise_amount="1000.00", promise_date=date(2026, 6, 30))
    ledger.post_entry(overdue.pk, EntryKind.PAYMENT, Decimal("3000.00"), date(2026, 5, 10), by=people["finance"])
    # Day of the promise itself: not yet broken.
    assert clock.flag_broken_promises(date(2026, 5, 15)) == (2, 0)
    assert clock.flag_broken_promises(date(2026, 5, 16)) == (0, 1)
    states = dict(Contact.objects.values_list("pk", "promise_state"))
    # 3,000 paid covers the 3,000 promise (and, being before its day, the 1,000 one too);
    # the 5,000 promise is broken.
    assert states[broken.pk] == PromiseState.BROKEN
    assert states[kept.pk] == PromiseState.KEPT
    assert states[later.pk] == PromiseState.KEPT


@time_machine.travel(datetime(2026, 5, 10, 10, 0, tzinfo=SH), tick=False)
def test_daily_run_flags_broken_promises(overdue, people):
    c = log_contact(overdue, ContactKind.VISIT, "答应付款", by=people["handler"], promise_amount="100.00",
                    promise_date=date(2026, 5, 11))
    run_daily(date(2026, 5, 12))
    c.refresh_from_db()
    assert c.promise_state == PromiseState.BROKEN


def test_promise_date_before_contact_refused(overdue, people):
    with pytest.raises(CollectionError, match="承诺还款日期"):
        log_contact(overdue, ContactKind.PHONE, "x", by=people["handler"], promise_amount="1",
                    promise_date=timezone.localdate() - timedelta(days=1))
