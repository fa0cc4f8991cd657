"""Every figure of the aging report, the KPIs, the plans and the reward/penalty calculator,
checked against values computed by hand on small fixed data sets."""
import importlib
from datetime import date
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.apps import apps as real_apps
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from tests import factories as f
from workflows import exceptions
from workflows.ledger import post_entry
from workflows.models import (
    AssessmentState,
    ClockSettings,
    CollectionCost,
    Debt,
    DebtClock,
    EntryKind,
    HardDebt,
    ItemKind,
    RewardRates,
)
from workflows.plans import rewards
from workflows.plans import targets as plans
from workflows.reports import excel as excel_export
from workflows.reports import kpi
from workflows.reports.aging import aging_report, drill_down
from workflows.reports.scope import report_debts

AS_OF = date(2025, 6, 30)


@pytest.fixture
def aging_world(org, people):
    h, hb, r = people["handler"], people["handler_b"], people["responsible"]
    a = org["a"]
    debts = {
        "d0": f.debt(a, h, amount="100.00", due=date(2025, 6, 30)),        # 0 days: not due
        "d1": f.debt(a, h, amount="200.00", due=date(2025, 6, 29)),        # 1 day: 1-30
        "d30": f.debt(a, h, amount="300.00", due=date(2025, 5, 31)),       # 30 days: 1-30
        "d31": f.debt(a, h, r, amount="400.00", due=date(2025, 5, 30), category="retention"),  # 31: 31-90
        "d365": f.debt(a, r, r, amount="500.00", due=date(2024, 6, 30)),   # 365: 181-365, not handler's
        "d366": f.debt(org["a1"], h, amount="600.00", due=date(2024, 6, 29)),  # 366: 1-2 years
        "b1096": f.debt(org["b"], hb, amount="700.00", due=date(2022, 6, 30)),  # 1096: over 3 years
    }
    gone = f.debt(a, h, amount="50.00", due=date(2024, 1, 31))
    post_entry(gone.pk, EntryKind.PAYMENT, D("50.00"), date(2025, 1, 5), by=h)  # cleared: not in the report
    return debts


def test_bucket_edges_by_unit(aging_world, org, people):
    report = aging_report(report_debts(people["gm"]), AS_OF, "unit")
    assert report.labels[0] == "未到期" and len(report.labels) == 8
    rows = {row.label: row for row in report.rows}
    a = rows[org["a"].name]
    assert a.buckets == [D("100.00"), D("500.00"), D("400.00"), D("0.00"), D("500.00"), D("0.00"), D("0.00"),
                         D("0.00")]
    assert a.total == D("1500.00") and a.count == 5
    assert rows[org["a1"].name].buckets[5] == D("600.00")
    assert rows[org["b"].name].buckets[7] == D("700.00")
    assert report.totals == [D("100.00"), D("500.00"), D("400.00"), D("0.00"), D("500.00"), D("600.00"),
                             D("0.00"), D("700.00")]
    assert report.total == D("2800.00") and report.count == 7
    assert [row.label for row in report.rows] == [org["a"].name, org["b"].name, org["a1"].name]  # by total


def test_buckets_follow_clock_settings(aging_world, people):
    settings = ClockSettings.load()
    settings.aging_bucket_days = "30,365"
    settings.save()
    report = aging_report(report_debts(people["gm"]), AS_OF, "category")
    assert report.labels == ["未到期", "1-30天", "31-365天", "1年以上"]
    assert report.totals == [D("100.00"), D("500.00"), D("900.00"), D("1300.00")]


def test_other_dimensions_and_drill_down(aging_world, people):
    gm = report_debts(people["gm"])
    by_category = {r.key: r.total for r in aging_report(gm, AS_OF, "category").rows}
    assert by_category == {"receivable": D("2400.00"), "retention": D("400.00")}
    by_handler = {r.key: r.total for r in aging_report(gm, AS_OF, "handler").rows}
    assert by_handler == {people["handler"].pk: D("1600.00"), people["responsible"].pk: D("500.00"),
                          people["handler_b"].pk: D("700.00")}
    assert len(aging_report(gm, AS_OF, "debtor").rows) == 7
    cell = drill_down(gm, AS_OF, "handler", people["handler"].pk, bucket=1)
    assert {d.code for d in cell} == {aging_world["d1"].code, aging_world["d30"].code}
    page = aging_report(gm, AS_OF, "debtor", offset=2, limit=2)
    assert len(page.rows) == 2 and page.total == D("2800.00")


def test_handler_sees_only_own_numbers(aging_world, people, org):
    report = aging_report(report_debts(people["handler"]), AS_OF, "unit")
    # Own debts only: d365 (responsible's) and unit B's are left out.
    assert report.total == D("1600.00") and report.count == 5
    resp = aging_report(report_debts(people["responsible"]), AS_OF, "unit")
    assert resp.total == D("900.00")  # d31 (responsible) + d365
    assert aging_report(report_debts(people["handler_b"]), AS_OF, "unit").total == D("700.00")
    assert not drill_down(report_debts(people["handler"]), AS_OF, "unit", org["b"].pk).exists()
    # finance of unit A still sees every unit's figures (rule R1.5: finance pays from them)
    assert aging_report(report_debts(people["finance"]), AS_OF, "unit").total == D("2800.00")


def test_excel_export_reopens_with_cells_and_formatting(aging_world, people, org):
    report = aging_report(report_debts(people["gm"]), AS_OF, "unit")
    wb = load_workbook(BytesIO(excel_export.aging_workbook(report)))
    ws = wb.active
    assert ws.title == "账龄分析表"
    assert [c.value for c in ws[1]] == ["单位", "笔数", *report.labels, "合计"]
    assert ws["A1"].font.bold and ws.freeze_panes == "B2"
    assert ws.column_dimensions["A"].width == 28
    assert ws["A2"].value == org["a"].name and ws["B2"].value == 5
    assert D(str(ws["C2"].value)) == D("100.00") and ws["C2"].number_format == "#,##0.00"
    total_row = 2 + len(report.rows)
    assert ws.cell(total_row, 1).value == "合计" and ws.cell(total_row, 1).font.bold
    assert D(str(ws.cell(total_row, 11).value)) == D("2800.00")
    assert D(str(ws.cell(total_row, 10).value)) == D("700.00")


# --- KPIs -----------------------------------------------------------------------------------

@pytest.fixture
def kpi_world(org, people):
    h = people["handler"]
    k1 = f.debt(org["a"], h, amount="1000.00", due=date(2025, 1, 31))      # invoice 2025-01-31
    k2 = f.debt(org["a"], h, amount="0", due=date(2025, 7, 31))
    post_entry(k2.pk, EntryKind.INVOICE, D("500.00"), date(2025, 4, 15), by=h)
    k3 = f.debt(org["a"], h, amount="0", due=date(2025, 5, 31))
    post_entry(k3.pk, EntryKind.INVOICE, D("800.00"), date(2025, 3, 1), by=h)
    post_entry(k1.pk, EntryKind.PAYMENT, D("400.00"), date(2025, 5, 10), by=h)
    post_entry(k3.pk, EntryKind.PAYMENT, D("300.00"), date(2025, 6, 15), by=h)
    other = f.debt(org["b"], people["handler_b"], amount="9999.00", due=date(2025, 1, 31))
    return {"k1": k1, "k2": k2, "k3": k3, "other": other}


def test_kpi_formulas_by_hand(kpi_world, people):
    figures = kpi.kpis(report_debts(people["handler"]), date(2025, 4, 1), date(2025, 6, 30))
    assert figures.opening_receivables == D("1800.00")   # k1 1000 + k3 800 on 31 March
    assert figures.opening_overdue == D("1000.00")       # only k1 was past due on 31 March
    assert figures.credit_sales == D("500.00")
    assert figures.recovered == D("700.00")
    assert figures.closing_receivables == D("1600.00")
    assert figures.closing_overdue == D("1100.00") and figures.closing_current == D("500.00")
    assert figures.days == 91
    assert figures.dso == D("291.20")                    # 1600 / 500 × 91
    assert figures.cei == D("38.89")                     # (1800+500−1600)/(1800+500−500) × 100
    assert figures.recovery_rate == D("70.00")           # 700 / 1000
    assert figures.overdue_ratio == D("68.75")           # 1100 / 1600


def test_kpis_lapsed_and_key_monitoring_and_scope(kpi_world, people):
    k1 = kpi_world["k1"]
    DebtClock.objects.create(debt=k1, lapsed=True)
    type(k1).objects.filter(pk=kpi_world["k3"].pk).update(key_monitoring=True)
    mine = kpi.kpis(report_debts(people["handler"]), date(2025, 4, 1), date(2025, 6, 30))
    assert (mine.lapsed_count, mine.lapsed_balance) == (1, D("600.00"))
    assert (mine.key_count, mine.key_balance) == (1, D("500.00"))
    everyone = kpi.kpis(report_debts(people["committee"]), date(2025, 4, 1), date(2025, 6, 30))
    assert everyone.closing_receivables == D("11599.00")
    assert kpi.kpis(report_debts(people["handler_b"]), date(2025, 4, 1), date(2025, 6, 30)).recovered == D("0.00")


def test_zero_denominators_are_none():
    assert kpi.dso(D("100"), D("0"), 30) is None
    assert kpi.cei(D("0"), D("0"), D("0"), D("0")) is None
    assert kpi.ratio(D("1"), D("0")) is None


def test_monthly_trend(kpi_world, people):
    trend = kpi.monthly_trend(report_debts(people["handler"]), date(2025, 6, 30), count=4)
    assert [t[0] for t in trend] == [date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31), date(2025, 6, 30)]
    assert trend[0][1:] == (D("1800.00"), D("1000.00"), D("0.00"))
    assert trend[1][1:] == (D("2300.00"), D("1000.00"), D("0.00"))
    assert trend[2][1:] == (D("1900.00"), D("600.00"), D("400.00"))   # k3 due 31 May is not yet overdue
    assert trend[3][1:] == (D("1600.00"), D("1100.00"), D("300.00"))


# --- plans ----------------------------------------------------------------------------------

def test_plan_targets_must_add_up_and_name_the_field(people):
    with pytest.raises(exceptions.PlanError, match=r"月度目标合计 11000\.00 与年度目标 12000\.00 不一致"):
        plans.save_plan(people["handler"], 2025, "12000", ["1000"] * 11 + ["0"])
    with pytest.raises(exceptions.PlanError, match="3月目标“abc”不是数字"):
        plans.save_plan(people["handler"], 2025, "12000", ["1000", "1000", "abc"] + ["1000"] * 9)
    with pytest.raises(exceptions.PlanError, match="年度目标"):
        plans.save_plan(people["handler"], 2025, "-5", ["0"] * 12)


def test_plan_quarters_progress_and_four_eyes(org, people):
    h = people["handler"]
    plan = plans.save_plan(h, 2025, "12000.00", ["1000.00"] * 12)
    assert plans.quarter_targets(plan) == {1: D("3000.00"), 2: D("3000.00"), 3: D("3000.00"), 4: D("3000.00")}
    d = f.debt(org["a"], h, amount="6000.00", due=date(2025, 1, 31))
    post_entry(d.pk, EntryKind.PAYMENT, D("1500.00"), date(2025, 5, 1), by=h)
    post_entry(d.pk, EntryKind.PAYMENT, D("250.00"), date(2025, 6, 2), by=h)
    rows = plans.progress(plan, until=date(2025, 6, 30))
    assert [r.actual for r in rows[3:7]] == [D("0.00"), D("1500.00"), D("250.00"), D("0.00")]
    assert rows[4].rate == D("150.00") and rows[5].cumulative_actual == D("1750.00")
    assert rows[11].cumulative_target == D("12000.00")
    plans.mark_submitted(plan, h)
    with pytest.raises(PermissionDenied):
        plans.decide(plan, h, "approve")                      # never their own plan
    with pytest.raises(PermissionDenied):
        plans.decide(plan, people["finance"], "approve")      # not 清欠小组
    with pytest.raises(exceptions.PlanError, match="理由"):
        plans.decide(plan, people["committee"], "return", "")
    plans.decide(plan, people["committee"], "approve")
    plan.refresh_from_db()
    assert plan.state == "approved" and plan.approved_by == people["committee"] and plan.approved_at
    with pytest.raises(exceptions.PlanError):
        plans.save_plan(h, 2025, "1.00", ["1.00"] + ["0"] * 11)


# --- rewards ---------------------------------------------------------------------------------

@pytest.fixture
def reward_world(org, people):
    h, r = people["handler"], people["responsible"]
    r1 = f.debt(org["a"], h, r, amount="10000.00", due=date(2023, 6, 30))
    post_entry(r1.pk, EntryKind.PAYMENT, D("5000.00"), date(2025, 5, 15), by=h)   # aged 685 days
    rewards.record_cost(r1.pk, "1000.00", date(2025, 5, 1), "律师函", by=h)
    r2 = f.debt(org["a"], h, amount="2000.00", due=date(2025, 3, 31), category="claim")
    post_entry(r2.pk, EntryKind.PAYMENT, D("2000.00"), date(2025, 6, 1), by=h)
    r3 = f.debt(org["a"], h, r, amount="3000.00", due=date(2025, 1, 31))
    HardDebt.objects.create(debt=r3, designated_on=date(2025, 1, 1), resolution="2025-01 专题会", designated_by=h)
    post_entry(r3.pk, EntryKind.PAYMENT, D("1000.00"), date(2025, 6, 10), by=h)
    r4 = f.debt(org["a"], h, r, amount="800.00", due=date(2025, 1, 31))
    post_entry(r4.pk, EntryKind.PAYMENT, D("100.00"), date(2025, 6, 10), by=h)  # aged 130 days: no reward
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4}


def _items(assessment, kinds=(ItemKind.REWARD, ItemKind.CLAWBACK, ItemKind.PENALTY)):
    return {(i.debt_id, i.share, i.kind): (i.person_id, i.base, i.rate, i.amount)
            for i in assessment.items.filter(kind__in=kinds)}


def test_rewards_on_net_recovery_claims_and_hard_debts(reward_world, people):
    h, r = people["handler"], people["responsible"]
    q2 = rewards.compute_assessment(2025, 2, by=people["committee"])
    items = _items(q2)
    assert items == {
        (reward_world["r1"].pk, "responsible", ItemKind.REWARD): (r.pk, D("4000.00"), D("2.00"), D("80.00")),
        (reward_world["r2"].pk, "responsible", ItemKind.REWARD): (h.pk, D("2000.00"), D("10.00"), D("200.00")),
        (reward_world["r3"].pk, "responsible", ItemKind.REWARD): (r.pk, D("1000.00"), D("3.00"), D("30.00")),
    }
    lines = {line.person_id: line for line in q2.lines.all()}
    assert lines[r.pk].reward == D("110.00") and lines[r.pk].net == D("110.00")
    assert lines[h.pk].reward == D("200.00")


def test_cost_after_reward_is_clawed_back_next_quarter(reward_world, people):
    r = people["responsible"]
    q2 = rewards.compute_assessment(2025, 2, by=people["committee"])
    with pytest.raises(PermissionDenied):
        rewards.approve_assessment(q2, by=people["committee"])     # who computed it may not approve
    with pytest.raises(PermissionDenied):
        rewards.approve_assessment(q2, by=people["finance"])
    rewards.approve_assessment(q2, by=people["committee_head"])
    q2.refresh_from_db()
    assert q2.state == AssessmentState.APPROVED and q2.approved_by == people["committee_head"]
    with pytest.raises(exceptions.AssessmentError):
        rewards.compute_assessment(2025, 2, by=people["committee"])
    rewards.record_cost(reward_world["r1"].pk, "500.00", date(2025, 7, 20), "诉讼费", by=people["handler"])
    q3 = rewards.compute_assessment(2025, 3, by=people["finance"])
    q3 = rewards.compute_assessment(2025, 3, by=people["finance"])     # recomputing a draft does not double
    assert _items(q3) == {
        (reward_world["r1"].pk, "responsible", ItemKind.CLAWBACK): (r.pk, D("-500.00"), D("2.00"), D("-10.00")),
    }
    line = q3.lines.get(person=r)
    assert (line.reward, line.clawback, line.net) == (D("0.00"), D("-10.00"), D("-10.00"))
    # After Q3 is approved the cost is counted: Q4 claws back nothing more.
    rewards.approve_assessment(q3, by=people["committee"])
    q4 = rewards.compute_assessment(2025, 4, by=people["committee"])
    assert not q4.items.filter(kind=ItemKind.CLAWBACK).exists()


def test_new_cost_nets_against_new_recovery_first(reward_world, people):
    q2 = rewards.compute_assessment(2025, 2, by=people["committee"])
    rewards.approve_assessment(q2, by=people["committee_head"])
    r1 = reward_world["r1"]
    rewards.record_cost(r1.pk, "300.00", date(2025, 8, 1), "差旅", by=people["handler"])
    post_entry(r1.pk, EntryKind.PAYMENT, D("2000.00"), date(2025, 8, 20), by=people["handler"])
    q3 = rewards.compute_assessment(2025, 3, by=people["committee"])
    assert _items(q3)[(r1.pk, "responsible", ItemKind.REWARD)][1:] == (D("1700.00"), D("2.00"), D("34.00"))


def test_costs_are_append_only(reward_world):
    cost = CollectionCost.objects.first()
    with pytest.raises(exceptions.AppendOnlyError):
        cost.delete()
    with pytest.raises(exceptions.AppendOnlyError):
        CollectionCost.objects.update(amount=D("1.00"))


def test_penalty_splits_in_the_year_end_assessment(org, people):
    h, r = people["handler"], people["responsible"]
    p1 = f.debt(org["a"], h, r, amount="10000.00", due=date(2025, 6, 30), category="retention")
    p2 = f.debt(org["a"], h, h, amount="1000.00", due=date(2025, 6, 30), category="advance")
    p3 = f.debt(org["a"], h, r, amount="5000.00", due=date(2023, 12, 30))    # 732 days at year end
    p4 = f.debt(org["a"], h, r, amount="7000.00", due=date(2024, 1, 1))      # 730 days: not yet
    f.debt(org["a"], h, r, amount="4000.00", due=date(2026, 3, 31), category="retention")  # not due
    q3 = rewards.compute_assessment(2025, 3, by=people["committee"])
    assert not q3.items.filter(kind=ItemKind.PENALTY).exists()   # penalties are a year-end matter
    q4 = rewards.compute_assessment(2025, 4, by=people["committee"])
    assert _items(q4) == {
        (p1.pk, "responsible", ItemKind.PENALTY): (r.pk, D("10000.00"), D("3.00"), D("300.00")),
        (p1.pk, "others", ItemKind.PENALTY): (h.pk, D("10000.00"), D("2.00"), D("200.00")),
        (p2.pk, "responsible", ItemKind.PENALTY): (h.pk, D("1000.00"), D("2.00"), D("20.00")),
        (p2.pk, "others", ItemKind.PENALTY): (None, D("1000.00"), D("1.00"), D("10.00")),
        (p3.pk, "responsible", ItemKind.PENALTY): (r.pk, D("5000.00"), D("1.00"), D("50.00")),
    }
    # Rule R6.17: 20 % of every unrecovered past-due balance is withheld from the 第一责任人.
    assert _items(q4, kinds=[ItemKind.WITHHELD]) == {
        (p1.pk, "responsible", ItemKind.WITHHELD): (r.pk, D("10000.00"), D("20.00"), D("2000.00")),
        (p2.pk, "responsible", ItemKind.WITHHELD): (h.pk, D("1000.00"), D("20.00"), D("200.00")),
        (p3.pk, "responsible", ItemKind.WITHHELD): (r.pk, D("5000.00"), D("20.00"), D("1000.00")),
        (p4.pk, "responsible", ItemKind.WITHHELD): (r.pk, D("7000.00"), D("20.00"), D("1400.00")),
    }
    lines = {line.person_id: line for line in q4.lines.all()}
    assert lines[r.pk].penalty == D("350.00") and lines[r.pk].withheld == D("4400.00")
    assert lines[r.pk].net == D("-4750.00")
    assert lines[h.pk].penalty == D("220.00") and lines[h.pk].withheld == D("200.00")
    assert lines[None].penalty == D("10.00")


def test_deposits_are_penalised_at_three_percent_other_guarantees_at_five(org, people):
    """Rules R6.12/R6.13: 履约保证金 and 押金 cost 2 % + 1 %; 质保金 and the other 保证金 3 % + 2 %."""
    h, r = people["handler"], people["responsible"]
    due = date(2025, 6, 30)
    bond = f.debt(org["a"], h, r, amount="10000.00", due=due, category="performance_bond")
    cash = f.debt(org["a"], h, r, amount="10000.00", due=due, category="cash_deposit")
    other = f.debt(org["a"], h, r, amount="10000.00", due=due, category="other_bond")
    q4 = rewards.compute_assessment(2025, 4, by=people["committee"])
    rates = {(i.debt_id, i.share): i.rate for i in q4.items.filter(kind=ItemKind.PENALTY)}
    assert rates == {(bond.pk, "responsible"): D("2.00"), (bond.pk, "others"): D("1.00"),
                     (cash.pk, "responsible"): D("2.00"), (cash.pk, "others"): D("1.00"),
                     (other.pk, "responsible"): D("3.00"), (other.pk, "others"): D("2.00")}


def test_the_deposit_split_migration_keeps_meaning_both_ways(org, people):
    """Migration 0010: a lumped "deposit" debt becomes 其他保证金 (it was penalised as a 保证金) and a
    rates row keeps computing past quarters as before; reversing maps back."""
    migration = importlib.import_module("workflows.migrations.0010_i17_deposit_categories")
    h = people["handler"]
    old = f.debt(org["a"], h, amount="100.00", category="deposit")
    rates = RewardRates.objects.create(effective_from=date(2020, 1, 1), retention_categories="retention,deposit",
                                       advance_categories="advance,other_receivable")
    migration.forwards(real_apps, None)
    assert Debt.objects.get(pk=old.pk).category == "other_bond"
    rates.refresh_from_db()
    assert rates.retention_categories == "retention,other_bond"
    rates.full_clean()      # every token is a known category again
    migration.backwards(real_apps, None)
    assert Debt.objects.get(pk=old.pk).category == "deposit"
    rates.refresh_from_db()
    assert rates.retention_categories == "retention,deposit"


def test_rates_are_configuration(org, people):
    h, r = people["handler"], people["responsible"]
    RewardRates.objects.create(effective_from=date(2025, 1, 1), retention_responsible_rate=D("4.00"),
                               retention_others_rate=D("1.50"), penalty_quarter=2)
    p1 = f.debt(org["a"], h, r, amount="2000.00", due=date(2025, 3, 31), category="retention")
    q2 = rewards.compute_assessment(2025, 2, by=people["committee"])
    penalties = q2.items.filter(debt=p1, kind=ItemKind.PENALTY)
    assert {(i.share, i.amount) for i in penalties} == {("responsible", D("80.00")), ("others", D("30.00"))}


def test_quarter_scores_with_weights(org, people):
    h = people["handler"]
    plan = plans.save_plan(h, 2025, "12000.00", ["1000.00"] * 12)
    plans.mark_submitted(plan, h)
    plans.decide(plan, people["committee"], "approve")
    d = f.debt(org["a"], h, amount="6000.00", due=date(2025, 1, 31))
    post_entry(d.pk, EntryKind.PAYMENT, D("1500.00"), date(2025, 5, 1), by=h)
    q2 = rewards.compute_assessment(2025, 2, by=people["committee"])
    line = q2.lines.get(person=h)
    assert line.plan_score == D("50.00")        # 1500 / 3000
    assert line.recovery_score == D("25.00")    # 1500 / 6000 overdue on 31 March
    assert line.overdue_score == D("0.00")      # everything left is overdue
    assert line.limitation_score == D("100.00")
    assert line.score == D("37.50")             # (50×40 + 25×30 + 0×20 + 100×10) / 100


def test_assessment_export_and_visibility(reward_world, people):
    q2 = rewards.compute_assessment(2025, 2, by=people["committee"])
    rewards.approve_assessment(q2, by=people["committee_head"])
    q2.refresh_from_db()
    lines = rewards.lines_for(q2, people["finance"])
    wb = load_workbook(BytesIO(excel_export.assessment_workbook(q2, lines, q2.items.select_related("debt", "person"))))
    ws = wb["季度奖罚名单"]
    assert ws["A1"].value == "人员" and ws["A1"].font.bold and ws.freeze_panes == "B2"
    found = {ws.cell(row, 1).value: D(str(ws.cell(row, 6).value)) for row in range(2, 2 + lines.count())}
    assert found == {str(people["responsible"]): D("110.00"), str(people["handler"]): D("200.00")}
    assert ws.cell(2, 2).number_format == "#,##0.00"
    assert wb["明细"].max_row == 1 + q2.items.count()
    assert [line.person for line in rewards.lines_for(q2, people["handler"])] == [people["handler"]]


def test_recovered_by_handler_matches_progress(org, people):
    h = people["handler"]
    plan = plans.save_plan(h, 2025, "12000.00", ["1000.00"] * 12)
    d = f.debt(org["a"], h, amount="6000.00", due=date(2025, 1, 31))
    post_entry(d.pk, EntryKind.PAYMENT, D("1500.00"), date(2025, 5, 1), by=h)
    post_entry(d.pk, EntryKind.PAYMENT, D("99.00"), date(2025, 8, 1), by=h)
    f.debt(org["b"], people["handler_b"], amount="10.00", due=date(2025, 1, 31))
    got = plans.recovered_by_handler([h.pk, people["handler_b"].pk], 2025, until=date(2025, 6, 30))
    assert got == {h.pk: D("1500.00")}
    assert got[h.pk] == sum(p.actual for p in plans.progress(plan, until=date(2025, 6, 30)))
