"""Chains A, B, D, E, F, G end to end over HTTP with a user of each role."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from approvals import registry
from approvals.models import Chain, ChainProcess, Decision, Outcome
from documents.catalogue import DocType
from tests import factories as f
from workflows import ledger
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


def test_a_plain_step_refused_before_it_writes_leaves_nothing_and_keeps_the_task(org, people, monkeypatch):
    """A step with no attachment, form field or signature refuses before it writes anything, so
    it decides without a savepoint (decisions.decide): the refusal names what is missing, and no
    Decision, next task or notification of it is left; the step can be decided once it is fixed."""
    from approvals.flows import LitigationFlow
    from approvals.models import Notification
    from approvals.required_documents import single
    debt = overdue_debt(org, people)
    r, process = start(people["handler"], Chain.LITIGATION, debt, reason="拒不还款",
                       **files(DocType.LEGAL_RISK_ANALYSIS))
    assert r.status_code == 302
    notes = Notification.objects.count()
    monkeypatch.setattr(LitigationFlow.committee_review, "required",
                        lambda p: [single(DocType.LEGAL_RISK_ANALYSIS), single(DocType.MEETING_RESOLUTION)])
    refused = act(people["committee"], process, "committee_review")
    assert refused.status_code == 200 and "缺少必需文件" in refused.content.decode()
    assert not Decision.objects.filter(process=process, step="committee_review").exists()
    assert open_task(process, "gm_signature") is None and Notification.objects.count() == notes
    task = open_task(process, "committee_review")
    assert task is not None and task.owner == people["committee"]
    monkeypatch.undo()
    assert act(people["committee"], process, "committee_review").status_code == 302
    assert open_task(process, "gm_signature") is not None


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
    # Rule R4.24: 250,000 of 300,000 is a partial offset: booked, and the debt stays open in its
    # state with the remainder pursued.
    assert debt.state == State.OVERDUE
    assert debt.entries.get(kind=EntryKind.IN_KIND_OFFSET).amount == Decimal("250000.00")
    assert debt.balance == Decimal("50000.00")
    assert reload(process).outcome == Outcome.APPROVED
    signers = set(Decision.objects.filter(process=process, step__startswith="sign_").values_list("by", flat=True))
    assert len(signers) == 4


def run_in_kind(org, people, debt, appraised):
    n = debt.chain_runs.count()
    keeper = f.user(f"keeper_{debt.pk}_{n}", "custodian", org["a"])
    inspector = f.user(f"inspector_{debt.pk}_{n}", "inspector", org["a"])
    finance2 = f.user(f"finance_{debt.pk}_{n}", "finance", org["a"])
    _, process = start(people["handler"], Chain.IN_KIND, debt, reason="以设备抵债", **files(DocType.INVENTORY_LIST))
    assert act(people["tech"], process, "appraisal", appraised_value=appraised,
               **files(DocType.APPRAISAL_OPINION)).status_code == 302
    assert act(people["gm"], process, "gm_approval", password=PASSWORD).status_code == 302
    assert act(people["responsible"], process, "sign_manager", **files(DocType.RECEIPT_LIST)).status_code == 302
    assert act(people["finance"], process, "sign_finance_head").status_code == 302
    assert act(keeper, process, "sign_keeper").status_code == 302
    assert act(inspector, process, "sign_inspector").status_code == 302
    assert act(finance2, process, "booking").status_code == 302
    debt.refresh_from_db()
    return process


def test_partial_offset_leaves_the_remainder_pursued_and_the_file_unsealable(org, people):
    """Rule R4.24: a legal-stage debt of 300,000 offset by goods appraised at 120,000."""
    from documents.exceptions import SealRefused
    from documents.services import seal_case_file
    from workflows import lifecycle
    from workflows.models import LimitationEvent
    debt = overdue_debt(org, people, amount="300000.00")
    f.authorise(debt, State.LEGAL, people["gm"])
    lifecycle.apply_transition(debt.pk, State.LEGAL)
    process = run_in_kind(org, people, debt, "120000.00")
    assert debt.state == State.LEGAL and debt.balance == Decimal("180000.00")
    assert not debt.authorisations.filter(target=State.SETTLED_IN_KIND).exists()
    # The remainder's limitation restarts from the partial performance; the handler is told.
    event = LimitationEvent.objects.get(debt=debt, source__contains=f"process:{process.pk}")
    assert event.date == date.today()
    assert people["handler"].notifications.filter(kind="copy", message__contains="180,000.00").exists()
    with pytest.raises(SealRefused):
        seal_case_file(debt, people["committee"])
    # A second chain A may settle the rest.
    process = run_in_kind(org, people, debt, "200000.00")
    assert debt.state == State.SETTLED_IN_KIND and debt.balance == Decimal("0.00")
    assert debt.entries.filter(kind=EntryKind.IN_KIND_OFFSET).count() == 2


def test_offset_covering_the_balance_settles_in_kind(org, people):
    debt = overdue_debt(org, people, amount="300000.00")
    run_in_kind(org, people, debt, "320000.00")
    assert debt.state == State.SETTLED_IN_KIND and debt.balance == Decimal("0.00")
    # Never more than what is owed.
    assert debt.entries.get(kind=EntryKind.IN_KIND_OFFSET).amount == Decimal("300000.00")


def settled_debt(org, people, amount="1000.00"):
    from workflows import lifecycle
    from workflows.ledger import post_entry
    debt = overdue_debt(org, people, amount=amount)
    f.authorise(debt, State.SETTLED_IN_KIND, people["gm"])
    lifecycle.apply_transition(debt.pk, State.SETTLED_IN_KIND)
    post_entry(debt.pk, EntryKind.IN_KIND_OFFSET, amount, date(2026, 1, 5), by=people["finance"])
    debt.refresh_from_db()
    return debt


def sale(org, price, **extra):
    return {"reason": "抵债设备变现", "proposed_price": price, "buyer": "某机械回收公司",
            "sale_date": "2026-12-20", "selling_unit": str(org["a"].pk), **extra}


def test_sale_at_no_less_than_the_offset_is_recorded_at_once(org, people):
    """Rule R4.31: price, buyer, date and the selling unit are recorded; no approval needed."""
    debt = settled_debt(org, people)
    r, process = start(people["handler"], Chain.DISPOSAL, debt, **sale(org, "1,000.00"))
    assert r.status_code == 302, r.content.decode()[:2000]
    process = reload(process)
    assert process.outcome == Outcome.APPROVED and not process.active
    assert process.proposed_price == Decimal("1000.00") and process.offset_amount == Decimal("1000.00")
    assert process.buyer == "某机械回收公司" and process.sale_date == date(2026, 12, 20)
    assert process.selling_unit == org["a"] and process.sale_recorded_at is not None
    assert not process.task_set.filter(finished__isnull=True).exists()
    # The selling unit's finance is told to book it (rule R4.34), with a link.
    note = people["finance"].notifications.get(kind="copy")
    assert "某机械回收公司" in note.message and note.url == f"/approvals/process/{process.pk}/"


def test_the_unit_that_took_the_goods_sells_them(org, people):
    debt = settled_debt(org, people)
    r, process = start(people["handler"], Chain.DISPOSAL, debt, **sale(org, "1000.00", selling_unit=str(org["b"].pk)))
    assert r.status_code == 200 and "谁抵债谁变现" in r.content.decode() and org["a"].name in r.content.decode()
    assert process is None
    # Nothing was taken in kind: no disposal at all.
    plain = overdue_debt(org, people)
    from approvals.actions import why_cannot_start
    assert "没有以物抵债" in why_cannot_start(Chain.DISPOSAL, plain, people["handler"])


def test_price_reduced_disposal(org, people):
    """Rule R4.32: below the offset, 技术工程部's quality appraisal → the written report of the
    reasons (after the appraisal) → the 总经理, in that order; then the sale is recorded."""
    from approvals.case_file import attach
    from tests.approvals.helpers import pdf
    debt = settled_debt(org, people)
    # A report filed before the appraisal does not count.
    attach(debt, DocType.WRITTEN_REPORT, pdf("early-report.pdf"), people["handler"])
    r, process = start(people["handler"], Chain.DISPOSAL, debt, **sale(org, "800.00"))
    assert r.status_code == 302 and reload(process).proposed_price == Decimal("800.00")
    assert open_task(process, "gm_approval") is None and open_task(process, "written_report") is None
    assert act(people["tech"], process, "quality_appraisal", **files(DocType.APPRAISAL_OPINION)).status_code == 302
    assert open_task(process, "gm_approval") is None
    report = open_task(process, "written_report")
    assert report.owner == people["handler"]
    r = act(people["handler"], process, "written_report")
    assert r.status_code == 200 and "书面报告" in r.content.decode() and "之后提交" in r.content.decode()
    assert act(people["handler"], process, "written_report", **files(DocType.WRITTEN_REPORT)).status_code == 302
    assert reload(process).sale_recorded_at is None
    assert act(people["gm"], process, "gm_approval", password=PASSWORD).status_code == 302
    process = reload(process)
    assert process.outcome == Outcome.APPROVED and process.sale_recorded_at is not None
    steps = list(Decision.objects.filter(process=process).values_list("step", flat=True))
    assert steps == ["start", "quality_appraisal", "written_report", "gm_approval"]


def test_disposal_after_a_partial_offset(org, people):
    """Goods taken by a partial offset (rule R4.24) are disposed of too, the debt still open."""
    debt = overdue_debt(org, people, amount="300000.00")
    run_in_kind(org, people, debt, "120000.00")
    assert debt.state == State.OVERDUE
    r, process = start(people["handler"], Chain.DISPOSAL, debt, **sale(org, "120000.00"))
    assert r.status_code == 302 and reload(process).outcome == Outcome.APPROVED
    assert reload(process).offset_amount == Decimal("120000.00")


def test_titled_assets_need_valuation_preservation_and_title_registration(org, people):
    """Rule R4.25: real property goes 资产评估 → 资产保全 → 所有权转移登记, in that order, after the
    receipt list and before finance books the offset."""
    keeper, inspector = in_kind_people(org, people)
    tech2 = f.user("tech_a2", "tech", org["a"])
    finance2 = f.user("finance_a2", "finance", org["a"])
    debt = overdue_debt(org, people, amount="300000.00")
    r, process = start(people["handler"], Chain.IN_KIND, debt, reason="以房产抵债", asset_kind="real_property",
                       **files(DocType.INVENTORY_LIST))
    assert r.status_code == 302 and reload(process).asset_kind == "real_property"
    assert act(people["tech"], process, "appraisal", appraised_value="300000.00",
               **files(DocType.APPRAISAL_OPINION)).status_code == 302
    assert act(people["gm"], process, "gm_approval", password=PASSWORD).status_code == 302
    assert act(people["responsible"], process, "sign_manager", **files(DocType.RECEIPT_LIST)).status_code == 302
    assert act(people["finance"], process, "sign_finance_head").status_code == 302
    assert act(keeper, process, "sign_keeper").status_code == 302
    assert act(inspector, process, "sign_inspector").status_code == 302
    # Not yet booking: valuation first, then preservation, then the registration.
    assert open_task(process, "booking") is None
    assert open_task(process, "preservation") is None and open_task(process, "title_registration") is None
    r = act(tech2, process, "valuation")
    assert r.status_code == 200 and "资产评估报告" in r.content.decode()
    assert act(tech2, process, "valuation", **files(DocType.VALUATION_REPORT)).status_code == 302
    assert open_task(process, "title_registration") is None and open_task(process, "booking") is None
    assert act(people["legal"], process, "preservation", **files(DocType.PRESERVATION_RECORD)).status_code == 302
    assert open_task(process, "booking") is None
    r = act(people["committee"], process, "title_registration")
    assert r.status_code == 200 and "所有权转移登记证明" in r.content.decode()
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE and debt.balance == Decimal("300000.00")
    assert act(people["committee"], process, "title_registration", **files(DocType.TITLE_TRANSFER)).status_code == 302
    assert act(finance2, process, "booking").status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.SETTLED_IN_KIND and debt.balance == Decimal("0.00")
    steps = [s for s in Decision.objects.filter(process=process).values_list("step", flat=True)
             if not s.startswith("sign_")]
    assert steps == ["start", "appraisal", "gm_approval", "valuation", "preservation", "title_registration",
                     "booking"]


def test_goods_go_from_the_receipt_list_straight_to_booking(org, people):
    debt = overdue_debt(org, people, amount="300000.00")
    process = run_in_kind(org, people, debt, "300000.00")
    assert reload(process).asset_kind == "goods"
    assert not Decision.objects.filter(process=process, step__in=["valuation", "preservation"]).exists()
    assert debt.state == State.SETTLED_IN_KIND


def test_inventory_and_receipt_lists_are_copied_to_the_three_departments(org, people):
    """Rule R4.23: 清欠办, 技术工程部 and 财务部 each receive a copy with a link, at the start (the
    inventory list) and when the receipt list is signed."""
    from documents.models import Document
    tech_b = f.user("tech_b", "tech", org["b"])
    debt = overdue_debt(org, people, amount="300000.00")
    recipients = [people["committee"], people["committee_head"], people["tech"], people["finance"]]
    _, process = start(people["handler"], Chain.IN_KIND, debt, reason="以设备抵债", **files(DocType.INVENTORY_LIST))
    inventory = Document.objects.get(case_file__debt=debt, doc_type=DocType.INVENTORY_LIST)
    for person in recipients:
        copy = person.notifications.get(kind="copy")
        assert "财务存货盘点表" in copy.message and copy.url == f"/documents/doc/{inventory.pk}/preview/"
        assert client_for(person).get(copy.url).status_code == 200
    # Nobody outside: not the other unit's 技术工程部, not the 总经理.
    assert not tech_b.notifications.filter(kind="copy").exists()
    assert not people["gm"].notifications.filter(kind="copy").exists()
    run_rest = run_in_kind_from_appraisal(org, people, process)
    receipt = Document.objects.get(case_file__debt=debt, doc_type=DocType.RECEIPT_LIST)
    assert run_rest
    for person in recipients:
        urls = set(person.notifications.filter(kind="copy").values_list("url", flat=True))
        assert f"/documents/doc/{receipt.pk}/preview/" in urls


def run_in_kind_from_appraisal(org, people, process):
    keeper, inspector = in_kind_people(org, people)
    assert act(people["tech"], process, "appraisal", appraised_value="300000.00",
               **files(DocType.APPRAISAL_OPINION)).status_code == 302
    assert act(people["gm"], process, "gm_approval", password=PASSWORD).status_code == 302
    assert act(people["responsible"], process, "sign_manager", **files(DocType.RECEIPT_LIST)).status_code == 302
    assert act(people["finance"], process, "sign_finance_head").status_code == 302
    assert act(keeper, process, "sign_keeper").status_code == 302
    assert act(inspector, process, "sign_inspector").status_code == 302
    return open_task(process, "booking") is not None


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


def test_an_approval_whose_effect_no_longer_applies_ends_the_chain_and_frees_the_debt(org, people):
    """Rule R4.108: the debt was cleared by a payment while its visit plan waited; approving it
    answers normally, ends the chain as lapsed with the reason, and leaves no running chain."""
    debt = overdue_debt(org, people)
    r, process = start(people["handler"], Chain.VISIT, debt, reason="下周上门")
    assert r.status_code == 302
    ledger.post_entry(debt.pk, EntryKind.PAYMENT, debt.balance, date(2025, 3, 1), by=people["handler"])
    debt.refresh_from_db()
    assert debt.state == State.CLEARED
    answer = act(people["committee_head"], process, "head_approval")
    assert answer.status_code == 302
    process = reload(process)
    assert process.outcome == Outcome.LAPSED and not process.active
    assert "债权状态已变化" in process.outcome_reason
    assert not ChainProcess.objects.filter(debt=debt, active=True).exists()
    page = client_for(people["handler"]).get(reverse("approvals:process", args=[process.pk])).content.decode()
    assert "债权状态已变化" in page
    debt.refresh_from_db()
    assert debt.state == State.CLEARED
