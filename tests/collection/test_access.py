"""collection.access over every object URL of collection work: a record of a debt outside the
user's units is 404 — for a user who holds exactly the role the URL needs, so only the scope
stops them — and nothing is recorded; inside the scope the same request goes through."""
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from approvals.flows import OutsourcingFlow
from approvals.models import Chain, ChainProcess, Outcome
from collection.legal import take_case
from collection.models import (
    Agency,
    AgencyKind,
    CaseCost,
    Contact,
    Engagement,
    FeePayment,
    Hearing,
    InstalmentPayment,
    LegalCase,
    Letter,
    LetterKind,
    PaymentPlan,
    StageChange,
    VisitReport,
)
from collection.payment_plans import create_plan
from documents import services
from documents.catalogue import DocType
from documents.models import Document
from tests import factories as f
from tests.approvals.helpers import pdf
from workflows import roles

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def world(in_legal, org, people):
    """A debt of unit A with one record of every kind, and unit-B users holding each role."""
    debt, handler = in_legal, people["handler"]
    today = timezone.localdate()
    letter_doc = services.attach(debt, DocType.DEMAND_LETTER, pdf(), handler, title="催款函")
    letter = Letter.objects.create(debt=debt, kind=LetterKind.DEMAND, number="CK-T-001", amount=debt.balance,
                                   document=letter_doc, created_by=handler)
    plan = create_plan(debt, by=handler, agreed_on=today,
                       instalments=[(today.replace(year=today.year + 1), "1000.00")])
    agency = Agency.objects.create(name="天河催收服务有限公司", kind=AgencyKind.AGENCY,
                                   default_fee_percent=Decimal("8.00"), created_by=people["committee"])
    decision = ChainProcess.objects.create(flow_class=OutsourcingFlow, debt=debt, chain=Chain.OUTSOURCING,
                                           requested_by=handler, outcome=Outcome.APPROVED, active=False)
    engagement = Engagement.objects.create(debt=debt, agency=agency, decision=decision, fee_percent=Decimal("8.00"),
                                           start_date=today, created_by=handler)
    case = take_case(debt, by=people["legal"])
    outsiders = {"worker": people["handler_b"],
                 "legal": f.user("legal_b", roles.LEGAL, org["b"]),
                 "finance": f.user("finance_b", roles.FINANCE, org["b"])}
    insiders = {"worker": handler, "legal": people["legal"], "finance": people["finance"]}
    return {"debt": debt, "letter": letter, "plan": plan, "agency": agency, "engagement": engagement,
            "case": case, "today": today.isoformat(), "outsiders": outsiders, "insiders": insiders}


# (name, the role the URL needs, url, data)
POSTS = [
    ("contact", "worker", lambda w: reverse("collection:contact", kwargs={"debt_id": w["debt"].pk}),
     lambda w: {"kind": "phone", "outcome": "答应月底付款"}),
    ("letter", "worker", lambda w: reverse("collection:letter", kwargs={"debt_id": w["debt"].pk}),
     lambda w: {"kind": "demand"}),
    ("visit", "worker", lambda w: reverse("collection:visit", kwargs={"debt_id": w["debt"].pk}),
     lambda w: {"visited_on": w["today"], "business_operating": "1", "met_whom": "李明", "next_step": "再访"}),
    ("plan", "worker", lambda w: reverse("collection:plan", kwargs={"debt_id": w["debt"].pk}),
     lambda w: {"agreed_on": w["today"], "schedule": f"{w['today']} 10.00"}),
    ("engage", "worker", lambda w: reverse("collection:engage", kwargs={"debt_id": w["debt"].pk}),
     lambda w: {"agency": w["agency"].pk, "start_date": w["today"]}),
    ("take case", "legal", lambda w: reverse("collection:take_case", kwargs={"debt_id": w["debt"].pk}),
     lambda w: {}),
    ("receipt", "worker", lambda w: reverse("collection:receipt", kwargs={"pk": w["letter"].pk}),
     lambda w: {"proof_kind": "receipt", "tracking_no": "EMS1", "receipt_date": w["today"],
                "file": pdf("回执.pdf")}),
    ("confirmation", "worker", lambda w: reverse("collection:confirmation", kwargs={"pk": w["letter"].pk}),
     lambda w: {"signed_date": w["today"]}),
    ("plan payment", "worker", lambda w: reverse("collection:plan_payment", kwargs={"pk": w["plan"].pk}),
     lambda w: {"amount": "10.00", "date": w["today"]}),
    ("fee", "finance", lambda w: reverse("collection:fee", kwargs={"pk": w["engagement"].pk}),
     lambda w: {"amount": "1.00", "paid_on": w["today"]}),
    ("stage", "legal", lambda w: reverse("collection:stage", kwargs={"pk": w["case"].pk}),
     lambda w: {"stage": "filed", "on": w["today"], "court": "天河区人民法院", "case_number": "(2026)粤0106民初9号"}),
    ("hearing", "legal", lambda w: reverse("collection:hearing", kwargs={"pk": w["case"].pk}),
     lambda w: {"at": f"{w['today']}T10:00"}),
    ("cost", "legal", lambda w: reverse("collection:cost", kwargs={"pk": w["case"].pk}),
     lambda w: {"kind": "诉讼费", "amount": "100.00", "on": w["today"]}),
    ("papers", "legal", lambda w: reverse("collection:papers", kwargs={"pk": w["case"].pk}),
     lambda w: {"files": pdf("文书.pdf")}),
]
RECORDS = [Contact, Letter, VisitReport, PaymentPlan, InstalmentPayment, Engagement, FeePayment, LegalCase,
           StageChange, Hearing, CaseCost, Document]


def _counts():
    return [m.objects.count() for m in RECORDS]


@pytest.mark.parametrize("name,role,url,data", POSTS, ids=[p[0] for p in POSTS])
def test_out_of_scope_posts_are_404_and_record_nothing(name, role, url, data, world):
    before = _counts()
    stage_before = LegalCase.objects.get().stage
    response = client_for(world["outsiders"][role]).post(url(world), data(world))
    assert response.status_code == 404, name
    assert _counts() == before
    assert LegalCase.objects.get().stage == stage_before
    # Inside the scope, the same role reaches the form (it may still refuse on the merits: 422,
    # the page again with the input kept).
    assert client_for(world["insiders"][role]).post(url(world), data(world)).status_code in (302, 422), name


def test_out_of_scope_pages_are_404(world, people):
    pages = [reverse("collect:debt", kwargs={"debt_id": world["debt"].pk}),
             reverse("collect:case", kwargs={"pk": world["case"].pk})]
    for url in pages:
        for outsider in world["outsiders"].values():
            assert client_for(outsider).get(url).status_code == 404, (url, outsider.username)
        assert client_for(people["handler"]).get(url).status_code == 200, url


def test_in_scope_without_the_role_is_403(world, people):
    # The handler sees the case but may not move it; the finance user sees the debt but may not
    # log a contact; the handler sees the engagement but may not pay its fee.
    assert client_for(people["handler"]).post(reverse("collection:stage", kwargs={"pk": world["case"].pk}),
                                              {"stage": "filed"}).status_code == 403
    assert client_for(people["finance"]).post(reverse("collection:contact", kwargs={"debt_id": world["debt"].pk}),
                                              {"kind": "phone", "outcome": "x"}).status_code == 403
    assert client_for(people["handler"]).post(reverse("collection:fee", kwargs={"pk": world["engagement"].pk}),
                                              {"amount": "1.00", "paid_on": world["today"]}).status_code == 403
    assert FeePayment.objects.count() == 0 and Contact.objects.count() == 0


def test_out_of_scope_without_the_role_is_404_not_403(world):
    # Unit B's finance user may neither log contacts nor run cases; on unit A's records the
    # scope answers first, so the reply does not say whether the record exists.
    finance_b = client_for(world["outsiders"]["finance"])
    assert finance_b.post(reverse("collection:contact", kwargs={"debt_id": world["debt"].pk}),
                          {"kind": "phone", "outcome": "x"}).status_code == 404
    assert finance_b.post(reverse("collection:stage", kwargs={"pk": world["case"].pk}),
                          {"stage": "filed"}).status_code == 404
    assert Contact.objects.count() == 0
