"""The embedded demo gives its companies letterheads, so its users can send letters (R9.13), and
leaves collection work on the S1 debts — contacts, a visit, letters, a payment plan, a legal case —
made through collection's services, each once (rule R8.19)."""
import pytest
from django.test import Client
from django.urls import reverse

from collection.letters import letterhead_for
from collection.models import (
    Contact,
    Instalment,
    LegalCase,
    Letter,
    Letterhead,
    LetterKind,
    PaymentPlan,
    Stage,
    VisitReport,
)
from documents.models import Document
from documents.storage import archive_storage
from workflows import demo
from workflows.models import LimitationEvent, OrgUnit, User

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_letterhead_per_company_once(settings):
    settings.QQ_DEMO = True
    demo.seed(debt_count=1)
    demo.seed(debt_count=1)
    assert sorted(Letterhead.objects.values_list("unit__code", flat=True)) == ["HQ", "S1", "S2", "S3"]
    branch = OrgUnit.objects.get(code="S1-GZ")
    head = letterhead_for(branch)
    assert head.unit.code == "S1" and head.account_number and head.doc_code == "一工清"


def counts():
    return {model.__name__: model.objects.count()
            for model in (Contact, VisitReport, Letter, PaymentPlan, Instalment, LegalCase, Document, LimitationEvent)}


def page(username, name, **kwargs):
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse(name, kwargs=kwargs or None))
    assert response.status_code == 200, (name, response.status_code)
    return response.content.decode()


def test_the_demo_leaves_collection_work_on_s1_once(settings):
    settings.QQ_DEMO = True
    demo.seed(debt_count=40)
    handler = User.objects.get(username="handler")
    # contacts on several of the handler's S1 debts, one with a promise to pay
    contacts = Contact.objects.filter(by=handler, outcome__endswith="（演示）")
    assert contacts.values("debt").distinct().count() == 3
    assert set(contacts.values_list("debt__unit__code", flat=True)) <= {"S1", "S1-GZ"}
    assert contacts.filter(promise_amount__gt=0).exists()
    # a visit on a debt whose visit plan was approved
    assert VisitReport.objects.filter(by=handler, debt__state="visit").count() == 1
    # a 催款函 typeset by WeasyPrint, its receipt recorded; a 对账确认函 the debtor signed
    demand = Letter.objects.get(kind=LetterKind.DEMAND, created_by=handler)
    assert demand.document.mime_type == "application/pdf" and demand.document.system_generated
    with archive_storage().open(demand.document.storage_name) as fh:
        assert fh.read(5) == b"%PDF-"
    assert demand.receipt_date and demand.proof_id
    signed = Letter.objects.get(kind=LetterKind.BALANCE_CONFIRMATION, created_by=handler)
    assert signed.signed_confirmation_date and signed.proof_id
    assert LimitationEvent.objects.filter(source__startswith="collection:letter:").count() == 2
    # a payment plan of three instalments, the first paid in full
    plan = PaymentPlan.objects.get(created_by=handler)
    instalments = list(plan.instalments.order_by("seq"))
    assert len(instalments) == 3
    assert instalments[0].paid_amount == instalments[0].amount and not any(i.paid_amount for i in instalments[1:])
    # a legal case the legal team took and filed, with a hearing coming
    case = LegalCase.objects.get(taken_by__username="legal")
    assert case.stage == Stage.FILED and case.case_number and case.hearings.exists()

    # each role's page shows it
    assert case.case_number in page("legal", "collect:legal")
    assert case.case_number in page("legal", "collect:case", pk=case.pk)
    assert plan.debt.code in page("handler", "collect:plans")
    work = page("handler", "collect:debt", debt_id=demand.debt_id)
    assert demand.number in work and "（演示）" in work

    before = counts()
    demo.seed(debt_count=40)
    assert counts() == before
