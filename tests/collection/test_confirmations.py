"""Scheduled balance confirmations (issue 17 item 17, rule R5.19): which debts are due, the one
background job that writes their letters with its progress, each letter in its case file."""
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from collection.confirmations import due_for_confirmation, run_confirmations, start_confirmation_run
from collection.exceptions import CollectionError
from collection.letters import generate_letter
from collection.models import ConfirmationRun, ConfirmationSettings, Contact, Letter, LetterKind
from collection.tasks import confirmation_run_task
from documents.services import open_document
from tests import factories as f
from workflows import ledger, lifecycle
from workflows.limitation import record_interruption, refresh_debt_clock
from workflows.models import Debt, DebtClock, EntryKind, LimitationEventKind, State
from workflows.scoping import debts_for

pytestmark = pytest.mark.django_db


def _debt(org, people, name, unit="a", **debtor):
    debtor.setdefault("address", "广州市海珠区新港中路1号")
    d = f.debt(org[unit], people["handler"], amount="5000.00", due=timezone.localdate() - timedelta(days=400),
               debtor_obj=f.debtor(name, **debtor))
    lifecycle.apply_transition(d.pk, State.OVERDUE)
    refresh_debt_clock(d)
    return Debt.objects.get(pk=d.pk)


@pytest.fixture
def debts(org, people, letterhead):
    today = timezone.localdate()
    out = {name: _debt(org, people, name) for name in
           ("never", "confirmed_13_months", "confirmed_11_months", "lapsing", "paid_off", "sent_yesterday")}
    record_interruption(out["confirmed_13_months"], LimitationEventKind.BALANCE_CONFIRMATION,
                        today - relativedelta(months=13), by=people["handler"])
    record_interruption(out["confirmed_11_months"], LimitationEventKind.BALANCE_CONFIRMATION,
                        today - relativedelta(months=11), by=people["handler"])
    record_interruption(out["lapsing"], LimitationEventKind.BALANCE_CONFIRMATION,
                        today - relativedelta(months=2), by=people["handler"])
    DebtClock.objects.filter(debt=out["lapsing"]).update(limitation_deadline=today + timedelta(days=170))
    ledger.post_entry(out["paid_off"].pk, EntryKind.PAYMENT, Decimal("5000.00"), today, by=people["handler"],
                      reference="BANK-9")
    generate_letter(out["sent_yesterday"], LetterKind.BALANCE_CONFIRMATION, by=people["handler"])
    return out


def codes(qs, debts):
    names = {d.pk: name for name, d in debts.items()}
    return sorted(names[pk] for pk in qs.values_list("pk", flat=True))


def test_which_debts_are_due(debts):
    due = due_for_confirmation(Debt.objects.all())
    assert codes(due, debts) == ["confirmed_13_months", "lapsing", "never"]


def test_the_thresholds_are_settings(debts):
    ConfirmationSettings.objects.create(months_unconfirmed=24, lapse_within_days=100, resend_after_days=0)
    # 13 months is within 24 now; 170 days to lapse is beyond 100; yesterday's letter may be resent.
    assert codes(due_for_confirmation(Debt.objects.all()), debts) == ["never", "sent_yesterday"]


def test_one_background_job_writes_each_letter_into_its_case_file(debts, org, people, settings,
                                                                  django_capture_on_commit_callbacks):
    settings.QQ_CONFIRMATIONS_INLINE = True
    homeless = _debt(org, people, "无地址贸易有限公司", address="")
    finance = people["finance"]
    with django_capture_on_commit_callbacks(execute=True):
        run = start_confirmation_run(debts_for(finance), by=finance)
    run.refresh_from_db()
    assert run.status == ConfirmationRun.Status.DONE and run.total == 4 and run.percent == 100
    assert (run.done, run.failed) == (3, 1)
    assert run.errors == [{"debt": homeless.code, "error": "收件地址：必须填写（债务人档案中没有地址）"}]
    for name in ("never", "confirmed_13_months", "lapsing"):
        letter = Letter.objects.get(run=run, debt=debts[name])
        assert letter.kind == LetterKind.BALANCE_CONFIRMATION and letter.created_by == finance
        assert letter.document.case_file.debt_id == debts[name].pk and letter.document.system_generated
        with open_document(letter.document) as fh:
            text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(fh.read())).pages).replace("\n", "")
        assert name in text and letter.number in text and "对账确认函" in text.replace(" ", "")
        assert Contact.objects.filter(debt=debts[name], kind="letter", by=finance).exists()
    # Run again (a worker restarted): nothing is sent twice.
    assert confirmation_run_task.delay(run.pk).get()["done"] == 3
    assert Letter.objects.filter(run=run).count() == 3
    # Now confirmed-or-pending, they are no longer due.
    assert codes(due_for_confirmation(Debt.objects.filter(pk__in=[d.pk for d in debts.values()])), debts) == []


def test_a_debt_confirmed_after_the_request_is_skipped(debts, people):
    finance = people["finance"]
    run = start_confirmation_run(Debt.objects.filter(pk=debts["never"].pk), by=finance)
    record_interruption(debts["never"], LimitationEventKind.BALANCE_CONFIRMATION, timezone.localdate(),
                        by=people["handler"])
    run = run_confirmations(run.pk)
    assert (run.done, run.failed) == (0, 1) and "无需再发" in run.errors[0]["error"]
    assert not Letter.objects.filter(run=run).exists()


def test_only_finance_and_the_clearing_office_start_it(debts, people):
    with pytest.raises(CollectionError, match="没有需要发函"):
        start_confirmation_run(Debt.objects.none(), by=people["finance"])
    for who in ("handler", "auditor"):
        c = Client()
        c.force_login(people[who])
        assert c.get(reverse("collect:confirmations")).status_code == 403
        assert c.post(reverse("collection:confirmations_start")).status_code == 403
    assert not ConfirmationRun.objects.exists()


def test_the_page_lists_the_due_debts_and_shows_the_run(debts, people, settings, django_capture_on_commit_callbacks):
    settings.QQ_CONFIRMATIONS_INLINE = True
    c = Client()
    c.force_login(people["finance"])
    page = c.get(reverse("collect:confirmations")).content.decode()
    assert "12 个月内没有债务人书面签认" in page and "180 天内届满" in page
    assert "生成 3 份对账确认函" in page
    assert debts["never"].code in page and debts["confirmed_11_months"].code not in page
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("collection:confirmations_start"))
    body = c.get(r["Location"]).content.decode()
    assert "已开始批量生成对账确认函" in body
    run = ConfirmationRun.objects.get()
    assert run.done == 3 and "已生成 3/3" in body
