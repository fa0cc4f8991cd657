"""Chains A, B, D, E, F, G end to end over HTTP with a user of each role."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from approvals import registry
from approvals.models import Chain, Decision, Outcome
from documents.catalogue import DocType
from tests import factories as f
from workflows.models import EntryKind, State
from workflows.suspension import Suspension

from .helpers import PASSWORD, act, client_for, files, open_task, overdue_debt, reload, start

pytestmark = pytest.mark.django_db


def test_visit_plan(org, people):
    debt = overdue_debt(org, people)
    r, process = start(people["handler"], Chain.VISIT, debt, reason="下周上门")
    assert r.status_code == 302
    assert act(people["committee"], process, "head_approval").status_code == 403   # wrong role
    assert act(people["committee_head"], process, "head_approval").status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.VISIT
    assert reload(process).outcome == Outcome.APPROVED


def test_litigation(org, people):
    debt = overdue_debt(org, people)
    r, process = start(people["handler"], Chain.LITIGATION, debt, reason="拒不还款")
    assert r.status_code == 200 and "法律风险分析" in r.content.decode()
    r, process = start(people["handler"], Chain.LITIGATION, debt, reason="拒不还款",
                       **files(DocType.LEGAL_RISK_ANALYSIS))
    assert r.status_code == 302
    assert act(people["committee"], process, "committee_review").status_code == 302
    assert act(people["gm"], process, "gm_signature", password=PASSWORD).status_code == 302
    assert act(people["legal"], process, "legal_acceptance").status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.LEGAL


def test_suspension(org, people):
    debt = overdue_debt(org, people)
    r, _ = start(people["handler"], Chain.SUSPENSION, debt, reason="债务人重组", until=str(date.today()))
    assert r.status_code == 200 and "暂停至" in r.content.decode()
    until = date.today() + timedelta(days=90)
    r, process = start(people["handler"], Chain.SUSPENSION, debt, reason="债务人重组", until=str(until))
    assert r.status_code == 302
    assert act(people["committee_head"], process, "head_approval").status_code == 302
    suspension = Suspension.objects.get(debt=debt)
    assert suspension.until == until and suspension.approved_by == people["committee_head"]


def test_outsourcing(org, people):
    debt = overdue_debt(org, people)
    r, process = start(people["handler"], Chain.OUTSOURCING, debt, reason="久催不还", agency="某律师事务所")
    assert r.status_code == 302 and reload(process).agency == "某律师事务所"
    r = act(people["gm"], process, "gm_decision")  # no password
    assert r.status_code == 200 and "密码" in r.content.decode()
    assert act(people["gm"], process, "gm_decision", password=PASSWORD).status_code == 302
    process = reload(process)
    assert process.outcome == Outcome.APPROVED and not process.active
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE


def in_kind_people(org, people):
    keeper = f.user("keeper_a", "custodian", org["a"])
    inspector = f.user("inspector_a", "inspector", org["a"])
    return keeper, inspector


def test_settlement_in_kind_with_four_signatures(org, people):
    keeper, inspector = in_kind_people(org, people)
    debt = overdue_debt(org, people, amount="300000.00")
    r, process = start(people["handler"], Chain.IN_KIND, debt, reason="以设备抵债", **files(DocType.INVENTORY_LIST))
    assert r.status_code == 302
    r = act(people["tech"], process, "appraisal")
    assert r.status_code == 200 and "评估价值" in r.content.decode()
    assert act(people["tech"], process, "appraisal", appraised_value="250000.00",
               **files(DocType.APPRAISAL_OPINION)).status_code == 302
    assert reload(process).appraised_value == Decimal("250000.00")
    assert act(people["gm"], process, "gm_approval", password=PASSWORD).status_code == 302
    # Nothing is booked before the signatures and finance.
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE and debt.balance == Decimal("300000.00")
    r = act(people["responsible"], process, "sign_manager")
    assert r.status_code == 200 and "接收清单" in r.content.decode()
    assert act(people["responsible"], process, "sign_manager", **files(DocType.RECEIPT_LIST)).status_code == 302
    assert act(people["finance"], process, "sign_finance_head").status_code == 302
    # The manager cannot sign a second part of the receipt list.
    assert act(people["responsible"], process, "sign_keeper").status_code == 403
    assert act(keeper, process, "sign_keeper").status_code == 302
    assert open_task(process, "booking") is None       # join waits for all four
    assert act(inspector, process, "sign_inspector").status_code == 302
    booking = open_task(process, "booking")
    assert booking is not None
    # The finance person already signed the receipt list: another finance person books.
    assert act(people["finance"], process, "booking").status_code == 403
    finance2 = f.user("finance_a2", "finance", org["a"])
    assert act(finance2, process, "booking").status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.SETTLED_IN_KIND
    assert debt.entries.get(kind=EntryKind.IN_KIND_OFFSET).amount == Decimal("250000.00")
    assert debt.balance == Decimal("50000.00")
    signers = set(Decision.objects.filter(process=process, step__startswith="sign_").values_list("by", flat=True))
    assert len(signers) == 4


def test_price_reduced_disposal(org, people):
    from workflows import lifecycle
    debt = overdue_debt(org, people)
    f.authorise(debt, State.SETTLED_IN_KIND, people["gm"])
    lifecycle.apply_transition(debt.pk, State.SETTLED_IN_KIND)
    debt.refresh_from_db()
    r, process = start(people["handler"], Chain.DISPOSAL, debt, reason="质量下降", proposed_price="800.00",
                       **files(DocType.WRITTEN_REPORT))
    assert r.status_code == 302 and reload(process).proposed_price == Decimal("800.00")
    assert act(people["tech"], process, "quality_appraisal", **files(DocType.APPRAISAL_OPINION)).status_code == 302
    assert act(people["gm"], process, "gm_approval", password=PASSWORD).status_code == 302
    assert reload(process).outcome == Outcome.APPROVED


def test_wrong_unit(org, people):
    """技术工程部 of unit B may not appraise goods of a unit-A debt."""
    tech_b = f.user("tech_b", "tech", org["b"])
    debt = overdue_debt(org, people)
    _, process = start(people["handler"], Chain.IN_KIND, debt, reason="x", **files(DocType.INVENTORY_LIST))
    r = act(tech_b, process, "appraisal", appraised_value="100.00", **files(DocType.APPRAISAL_OPINION))
    # Outside their units the task is not even shown to exist (access.get_task_for).
    assert r.status_code == 404
    assert open_task(process, "appraisal").owner_id is None
    # ... and the other unit's handler cannot even start a chain on it: the start link is 404
    # already, as is the start form.
    c = client_for(people["handler_b"])
    assert c.get(reverse("approvals:start", args=[Chain.VISIT, debt.pk])).status_code == 404
    start_form = f"{registry.flow_for(Chain.VISIT).start.reverse('execute')}?debt={debt.pk}"
    assert c.get(start_form).status_code == 404
    assert c.post(start_form, {"reason": "x"}).status_code == 404
