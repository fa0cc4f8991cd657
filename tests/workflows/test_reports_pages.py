"""Report pages over HTTP: login, scoping (a handler only ever gets their own numbers),
dashboard charts, aging export reopened, drill-down, the plan-approval chain on viewflow
(four eyes, return and resubmit, late flag) and the quarter list's approval and export."""
from datetime import date
from decimal import Decimal as D
from io import BytesIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook
from viewflow.workflow.status import STATUS

from tests import factories as f
from workflows import roles
from workflows.ledger import post_entry
from workflows.models import ClearingPlan, EntryKind, PlanState, QuarterAssessment
from workflows.plan_flow import ClearingPlanFlow
from workflows.plans.chain import open_review_task, open_revise_task

AS_OF = "2025-06-30"


@pytest.fixture
def world(org, people):
    h, hb = people["handler"], people["handler_b"]
    mine = f.debt(org["a"], h, amount="1000.00", due=date(2025, 5, 30))       # 31 days
    theirs = f.debt(org["b"], hb, amount="700.00", due=date(2022, 6, 30))     # over 3 years
    post_entry(mine.pk, EntryKind.PAYMENT, D("100.00"), date(2025, 6, 5), by=h)
    return {"mine": mine, "theirs": theirs}


def get(client, user, url, **query):
    client.force_login(user)
    with time_machine.travel("2025-06-30T10:00:00+08:00", tick=False):
        return client.get(url, query)


def test_pages_need_login(client, world):
    for url in (reverse("reports:index"), reverse("reports:aging"), reverse("workflows_routes:aging_export")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_gm_dashboard_shows_all_figures_and_charts(client, people, world):
    response = get(client, people["gm"], reverse("reports:index"), year=2025, quarter=2)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.closing_receivables == D("1600.00") and figures.recovered == D("100.00")
    body = response.content.decode()
    assert body.count('<svg class="qq-chart"') == 3
    assert 'data-value="700.00"' in body and 'data-value="900.00"' in body   # over-3-years and 31-90 bars


def test_handler_dashboard_and_report_only_own_numbers(client, people, world):
    response = get(client, people["handler"], reverse("reports:index"), year=2025, quarter=2)
    assert response.context["figures"].closing_receivables == D("900.00")
    assert "仅本人经办或负责的债权" in response.content.decode()
    report = get(client, people["handler"], reverse("reports:aging"), as_of=AS_OF).context["report"]
    assert report.total == D("900.00") and [r.key for r in report.rows] == [world["mine"].unit_id]
    # Asking for unit B's cell by URL gives nothing: the query itself is scoped.
    drill = get(client, people["handler"], reverse("reports:aging_debts"), dim="unit", key=world["theirs"].unit_id,
                as_of=AS_OF)
    assert drill.status_code == 200 and list(drill.context["object_list"]) == []
    export = get(client, people["handler"], reverse("workflows_routes:aging_export"), as_of=AS_OF)
    ws = load_workbook(BytesIO(export.content)).active
    assert ws["A3"].value == "合计" and D(str(ws["K3"].value)) == D("900.00")


def test_aging_page_export_and_drill_down_for_committee(client, people, world):
    response = get(client, people["committee"], reverse("reports:aging"), as_of=AS_OF, dim="handler")
    report = response.context["report"]
    assert report.total == D("1600.00") and report.totals[2] == D("900.00") and report.totals[7] == D("700.00")
    assert 'id="aging-total"' in response.content.decode()
    export = get(client, people["committee"], reverse("workflows_routes:aging_export"), as_of=AS_OF, dim="category")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in export["Content-Disposition"]
    ws = load_workbook(BytesIO(export.content)).active
    assert ws["A1"].value == "类别" and ws["A2"].value == "应收账款"
    assert D(str(ws["K2"].value)) == D("1600.00") and ws["K2"].number_format == "#,##0.00"
    drill = get(client, people["committee"], reverse("reports:aging_debts"), dim="handler",
                key=people["handler"].pk, bucket=2, as_of=AS_OF)
    assert [d.code for d in drill.context["object_list"]] == [world["mine"].code]


def test_bad_as_of_is_named_in_chinese(client, people, world):
    response = get(client, people["gm"], reverse("reports:aging"), as_of="2025-02-30")
    assert "截至日期“2025-02-30”不是有效日期" in response.content.decode()
    export = get(client, people["gm"], reverse("workflows_routes:aging_export"), as_of="soon")
    assert export.status_code == 400 and "截至日期" in export.content.decode()


# --- the plan-approval chain ------------------------------------------------------------

def months(value="1000.00"):
    return {f"m{i}": value for i in range(1, 13)}


def submit_plan(client, handler, when="2025-01-20T10:00:00+08:00", **extra):
    client.force_login(handler)
    with time_machine.travel(when, tick=False):
        return client.post(reverse("reports:plans"), {"year": 2025, "annual_target": "12000.00", "action": "submit",
                                                      **months(), **extra})


def review_url(task, name="execute"):
    return reverse(f"plan_approvals:flows:clearingplan:review:{name}",
                   kwargs={"process_pk": task.process_id, "task_pk": task.pk})


def test_plan_submitted_and_approved_by_committee_four_eyes(client, people):
    h = people["handler"]
    h.groups.add(Group.objects.get(name=roles.COMMITTEE))   # even a handler in 清欠小组 may not self-approve
    response = submit_plan(client, h)
    assert response.status_code == 302
    plan = ClearingPlan.objects.get(handler=h, year=2025)
    assert plan.state == PlanState.SUBMITTED and not plan.submitted_late
    task = open_review_task(plan)
    assert task is not None and task.owner_permission == "workflows.approve_clearingplan"
    assert task.process.flow_class is ClearingPlanFlow
    # the handler can neither take nor perform the review
    client.force_login(h)
    assert client.post(review_url(task, "assign")).status_code == 403
    # finance is not 清欠小组
    client.force_login(people["finance"])
    assert client.post(review_url(task, "assign")).status_code == 403
    committee = people["committee_head"]
    client.force_login(committee)
    assert client.post(review_url(task, "assign")).status_code == 302
    task.refresh_from_db()
    assert task.owner == committee
    page = client.get(review_url(task))
    assert page.status_code == 200 and "12000.00" in page.content.decode().replace(",", "")
    assert client.post(review_url(task), {"decision": "approve", "note": ""}).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.APPROVED and plan.approved_by == committee
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert task.process.status == STATUS.DONE
    queue = client.get(reverse("plan_approvals:queue"))
    assert queue.status_code == 200


def test_plan_return_revise_and_late_flag(client, people):
    h = people["handler"]
    submit_plan(client, h, when="2025-02-03T09:00:00+08:00")
    plan = ClearingPlan.objects.get(handler=h)
    assert plan.submitted_late
    task = open_review_task(plan)
    client.force_login(people["committee"])
    client.post(review_url(task, "assign"))
    refused = client.post(review_url(task), {"decision": "return", "note": ""})
    assert "驳回或退回时必须填写理由" in refused.content.decode()
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED
    client.post(review_url(task), {"decision": "return", "note": "第四季度目标偏低"})
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and plan.decision_note == "第四季度目标偏低"
    revise = open_revise_task(plan)
    assert revise.owner == h
    url = reverse("plan_approvals:flows:clearingplan:revise:execute",
                  kwargs={"process_pk": revise.process_id, "task_pk": revise.pk})
    client.force_login(people["committee"])
    assert client.post(url, {"annual_target": "1", **months("0")}).status_code == 403
    client.force_login(h)
    bad = client.post(url, {"annual_target": "13000.00", **months()})
    assert "月度目标合计 12000.00 与年度目标 13000.00 不一致" in bad.content.decode()
    good = {"annual_target": "13000.00", **months(), "m12": "2000.00"}
    assert client.post(url, good).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.SUBMITTED and plan.annual_target == D("13000.00")
    assert open_review_task(plan) is not None


def test_plan_form_errors_and_visibility(client, people):
    h = people["handler"]
    response = submit_plan(client, h, annual_target="abc")
    assert response.status_code == 200 and "年度目标“abc”不是数字" in response.content.decode()
    assert not ClearingPlan.objects.exists()
    submit_plan(client, h)
    submit_plan(client, people["handler_b"])
    client.force_login(h)
    rows = client.get(reverse("reports:plans"), {"year": 2025}).context["rows"]
    assert [r["plan"].handler for r in rows] == [h]
    other = ClearingPlan.objects.get(handler=people["handler_b"])
    assert client.get(reverse("reports:plan", args=[other.pk])).status_code == 404
    client.force_login(people["gm"])
    assert len(client.get(reverse("reports:plans"), {"year": 2025}).context["rows"]) == 2


# --- quarter list ---------------------------------------------------------------------------

def test_assessment_compute_approve_and_export(client, org, people):
    h, r = people["handler"], people["responsible"]
    d = f.debt(org["a"], h, r, amount="10000.00", due=date(2023, 6, 30))
    post_entry(d.pk, EntryKind.PAYMENT, D("5000.00"), date(2025, 5, 15), by=h)
    client.force_login(h)
    assert client.post(reverse("reports:assessments"), {"year": 2025, "quarter": 2}).status_code == 403
    client.force_login(people["committee"])
    response = client.post(reverse("reports:assessments"), {"year": 2025, "quarter": 2})
    assessment = QuarterAssessment.objects.get(year=2025, quarter=2)
    assert response["Location"] == reverse("reports:assessment", args=[assessment.pk])
    client.post(reverse("reports:assessment", args=[assessment.pk]))       # who computed cannot approve
    assessment.refresh_from_db()
    assert assessment.state == "draft"
    client.force_login(people["committee_head"])
    client.post(reverse("reports:assessment", args=[assessment.pk]))
    assessment.refresh_from_db()
    assert assessment.state == "approved" and assessment.approved_by == people["committee_head"]
    client.force_login(people["finance"])
    export = client.get(reverse("workflows_routes:assessment_export", args=[assessment.pk]))
    ws = load_workbook(BytesIO(export.content))["季度奖罚名单"]
    assert ws["A2"].value == str(r) and D(str(ws["B2"].value)) == D("100.00")
    client.force_login(h)
    assert client.get(reverse("workflows_routes:assessment_export", args=[assessment.pk])).status_code == 403
    page = client.get(reverse("reports:assessment", args=[assessment.pk]))
    assert list(page.context["lines"]) == [] and page.context["item_count"] == 0


def test_costs_page_records_costs_in_scope_and_committee_designates_hard_debts(client, people, world):
    from workflows.models import CollectionCost, HardDebt

    h = people["handler"]
    client.force_login(h)
    url = reverse("reports:costs")
    ok = client.post(url, {"action": "cost", "debt_code": world["mine"].code, "amount": "120.50",
                           "date": "2025-06-01", "description": "律师函"})
    assert ok.status_code == 302
    cost = CollectionCost.objects.get()
    assert (cost.debt, cost.amount, cost.recorded_by) == (world["mine"], D("120.50"), h)
    other = client.post(url, {"action": "cost", "debt_code": world["theirs"].code, "amount": "1",
                              "date": "2025-06-01", "description": "x"})
    assert "找不到您可以查看的债权" in other.content.decode()
    bad = client.post(url, {"action": "cost", "debt_code": world["mine"].code, "amount": "1.234",
                            "date": "2025-06-01", "description": "x"})
    assert "费用金额“1.234”最多两位小数" in bad.content.decode()
    bad_date = client.post(url, {"action": "cost", "debt_code": world["mine"].code, "amount": "1",
                                 "date": "06/01", "description": "x"})
    assert "日期：“06/01”不是有效日期" in bad_date.content.decode()
    assert CollectionCost.objects.count() == 1
    assert client.post(url, {"action": "hard", "debt_code": world["mine"].code, "date": "2025-01-01",
                             "resolution": "专题会"}).status_code == 403
    client.force_login(people["committee"])
    assert client.post(url, {"action": "hard", "debt_code": world["theirs"].code, "date": "2025-01-01",
                             "resolution": "2025年第1次清欠专题会"}).status_code == 302
    assert HardDebt.objects.get().designated_by == people["committee"]
    client.force_login(people["handler_b"])
    listing = client.get(url)
    assert list(listing.context["object_list"]) == []   # the cost on unit A's debt is not theirs
    assert [hd.debt for hd in listing.context["hard_debts"]] == [world["theirs"]]


def test_rates_are_added_as_new_versions_in_the_admin(client, db):
    from workflows.models import RewardRates, User

    admin_user = User.objects.create_superuser("root", password="pw-Qingqian-2026")
    client.force_login(admin_user)
    add = reverse("admin:workflows_rewardrates_add")
    fields = {"effective_from": "2025-01-01", "recovery_rate": "2.50", "recovery_others_rate": "0",
              "reward_min_age_days": 365, "reward_max_age_days": 1095, "claim_rate": "10", "hard_debt_extra_rate": "1",
              "overdue_penalty_rate": "1", "overdue_penalty_days": 730, "retention_responsible_rate": "3",
              "retention_others_rate": "2", "retention_categories": "retention,other_bond", "withhold_rate": "20",
              "advance_responsible_rate": "2", "advance_others_rate": "1", "advance_categories": "advance,bogus",
              "penalty_quarter": 4}
    refused = client.post(add, fields)
    assert "未知的债权类别：bogus" in refused.content.decode()
    assert client.post(add, {**fields, "advance_categories": "advance"}).status_code == 302
    rates = RewardRates.objects.get()
    assert rates.recovery_rate == D("2.50") and rates.created_by == admin_user
    assert RewardRates.in_force(date(2025, 6, 30)) == rates
    assert RewardRates.in_force(date(2024, 12, 31)).recovery_rate == D("2.00")   # the default of rule R6.14
    change = reverse("admin:workflows_rewardrates_change", args=[rates.pk])
    client.post(change, {**fields, "recovery_rate": "9"})
    rates.refresh_from_db()
    assert rates.recovery_rate == D("2.50")
