"""seed_demo: refused outside the demo, every state reached through the services, idempotent."""
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from viewflow.workflow.models import Task

from approvals import inbox, write_off
from approvals.demo import DEMO_CHAINS
from approvals.dossier import dossier
from approvals.models import Chain, ChainProcess, Decision
from documents.models import Document
from workflows import roles
from workflows.credit_code import problem
from workflows.ledger import claim_balance_from_entries
from workflows.models import Authorisation, Contract, Debt, Debtor, LedgerEntry, OrgUnit, State, StateChange, User
from workflows.scoping import debts_for

# Statements of one seed on a fresh database (measured 2026-12-02: 10,466 on SQLite); a budget, so a
# per-row query loop slipping into the demo shows here instead of as a slow `bash scripts/demo`.
SEED_STATEMENT_BUDGET = 16000
# Roles that approve a step of a demo chain: each finds work in its inbox after seed_demo.
APPROVING_LOGINS = ["committee", "committee_head", "gm", "gm_office", "legal", "finance", "tech"]


def snapshot():
    return {
        "units": list(OrgUnit.objects.values_list("code", "parent__code", "ceased").order_by("code")),
        "users": list(User.objects.values_list("username", "password", "unit__code", "superior__username")
                      .order_by("username")),
        "debtors": Debtor.objects.count(), "contracts": Contract.objects.count(),
        "debts": list(Debt.objects.values_list("code", "state", "balance", "written_off_amount").order_by("code")),
        "entries": LedgerEntry.objects.count(), "history": StateChange.objects.count(),
        "authorisations": Authorisation.objects.count(),
        "chains": list(ChainProcess.objects.values_list("chain", "debt__code", "reason").order_by("pk")),
        "tasks": Task.objects.count(), "decisions": Decision.objects.count(),
        "documents": Document.objects.count(), **whole_demo(),
    }


@pytest.mark.django_db
def test_refused_unless_debug_or_demo(settings):
    settings.DEBUG = False
    settings.QQ_DEMO = False
    with pytest.raises(CommandError, match="DEBUG 或 QQ_DEMO"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.filter(username="handler").exists()
    assert not Debt.objects.exists()


@pytest.mark.django_db
def test_seed_demo_every_state_and_idempotent(settings):
    settings.DEBUG = False
    settings.QQ_DEMO = True
    out = StringIO()
    seeded = []

    def count(execute, sql, params, many, context):
        seeded.append(1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        call_command("seed_demo", stdout=out)
    text = out.getvalue()
    print("seed_demo statements:", len(seeded))
    assert len(seeded) < SEED_STATEMENT_BUDGET

    # organisation: HQ, three subsidiaries, one with a branch, one ceased
    hq = OrgUnit.objects.get(parent=None)
    assert hq.name == "集团总部"
    subsidiaries = OrgUnit.objects.filter(parent=hq)
    assert subsidiaries.count() == 3
    assert OrgUnit.objects.filter(parent__in=subsidiaries).exists()
    assert subsidiaries.filter(ceased=True).count() == 1

    # one login per role (username = role code) plus a second handler elsewhere
    for code in roles.LABELS:
        user = User.objects.get(username=code)
        assert user.groups.filter(name=code).exists()
        assert user.check_password("demo-2026")
        assert user.last_name  # Chinese display name
        assert f"{code} " in text or f"{code}\n" in text
    handlers = User.objects.filter(groups__name=roles.HANDLER)
    assert handlers.count() == 2 and handlers.values("unit").distinct().count() == 2
    assert User.objects.filter(superior__isnull=False).count() >= len(roles.LABELS)
    assert "demo-2026" in text

    # debts: ~200, all units and categories, every state, reached through the lifecycle
    debts = Debt.objects.all()
    assert debts.count() == 200
    assert set(debts.values_list("state", flat=True)) == set(State.values)
    assert set(debts.values_list("category", flat=True)) == {c for c, _ in Debt._meta.get_field("category").choices}
    assert set(debts.values_list("unit__code", flat=True)) >= {"S1", "S1-GZ", "S2", "S3"}
    for debt in debts.exclude(state=State.NORMAL):
        assert debt.state_changes.exists()
        assert debt.state_changes.order_by("at", "pk").last().to_state == debt.state
    gated = StateChange.objects.filter(to_state__in=["visit", "legal", "settled_in_kind", "written_off", "sealed"])
    assert gated.exists() and not gated.filter(authorisation__isnull=True).exists()
    # sealed debts were sealed the archive's way: 建档 items, manifest, the archive's authorisation
    # ... and every other gated move on a recorded approval given outside the system (issue 15)
    from approvals.past_approvals import STEP
    chained = Authorisation.objects.exclude(source="archive:seal")
    assert chained.exists() and not chained.exclude(source__regex=r"^approvals:[a-z_]+:process:[0-9]+$").exists()
    processes = ChainProcess.objects.filter(pk__in=[int(a.source.rsplit(":", 1)[1]) for a in chained])
    assert processes.count() == chained.count() and not processes.exclude(outcome="approved").exists()
    assert Decision.objects.filter(process__in=processes, step=STEP, decision="approve").count() == chained.count()
    from documents.models import Seal
    sealed = debts.filter(state=State.SEALED)
    assert sealed.exists() and Seal.objects.filter(case_file__debt__in=sealed).count() == sealed.count()
    assert not Authorisation.objects.filter(consumed_at__isnull=True).exists()
    for debt in debts:
        assert debt.balance == claim_balance_from_entries(debt)
    assert not debts.filter(state=State.WRITTEN_OFF, written_off_amount=0).exists()
    assert all(problem(c) is None for c in Debtor.objects.values_list("credit_code", flat=True))

    # scoping works on the demo data: the S1 handler sees S1 and its branch only
    handler = User.objects.get(username="handler")
    assert set(debts_for(handler).values_list("unit__code", flat=True)) == {"S1", "S1-GZ"}
    assert debts_for(User.objects.get(username="auditor")).count() == 200

    # chains wait at every kind of step: each approving login finds work in its inbox
    for username in APPROVING_LOGINS:
        user = User.objects.get(username=username)
        assert inbox.open_steps(user).exists(), username
    assert not inbox.open_steps(User.objects.get(username="auditor")).exists()
    # the GM has write-offs to sign (three, for batch signing), each dossier with its evidence PDF
    gm = User.objects.get(username="gm")
    gm_write_offs = inbox.open_steps(gm).filter(process__chain=Chain.WRITE_OFF, step="gm_instruction")
    assert gm_write_offs.count() >= 3
    for info in gm_write_offs.select_related("task", "process"):
        shown = dossier(info.process, info.task.flow_task)
        assert shown["signs"] and not shown["documents"]["missing"]
        evidence = [row for row in shown["documents"]["current"]
                    if row["document"].doc_type in write_off.EVIDENCE[info.process.condition]]
        assert evidence and all(row["kind"] == "pdf" and row["preview_url"] for row in evidence)
    # every demo chain was requested by a handler and approved with the services' decisions
    assert set(ChainProcess.objects.values_list("chain", flat=True)) >= {
        Chain.WRITE_OFF, Chain.VISIT, Chain.LITIGATION, Chain.IN_KIND}
    waiting = ChainProcess.objects.filter(reason__startswith="演示申请")
    assert waiting.count() == len(DEMO_CHAINS) and not waiting.filter(active=False).exists()

    before = snapshot()
    out2 = StringIO()
    call_command("seed_demo", stdout=out2)
    assert snapshot() == before
    assert "新建债权 0 笔" in out2.getvalue()
    assert Group.objects.filter(name=roles.HANDLER).count() == 1


def whole_demo():
    """What the demo adds beyond debts and chains (issue 19 item 10), for the second-run check."""
    from collection.models import Contact, LegalCase, Letter, PaymentPlan
    from documents.models import HandoverExport
    from workflows.models import (
        AccountabilityRecord,
        AssessmentLine,
        ClearingPlan,
        ClockRun,
        Handover,
        QuarterAssessment,
        RewardItem,
        Statement,
        StatementLine,
    )
    return {
        **{model.__name__: model.objects.count()
           for model in (Contact, Letter, PaymentPlan, LegalCase, HandoverExport, AccountabilityRecord,
                         ClearingPlan, ClockRun, Handover, QuarterAssessment, AssessmentLine, RewardItem,
                         Statement)},
        "plans": list(ClearingPlan.objects.values_list("handler__username", "state").order_by("pk")),
        "answers": list(StatementLine.objects.values_list("answer", flat=True).order_by("pk")),
        "exports": list(HandoverExport.objects.values_list("status", "sha256").order_by("pk")),
    }


def page_of(username, name, **kwargs):
    from django.test import Client
    from django.urls import reverse
    client = Client()
    client.force_login(User.objects.get(username=username))
    response = client.get(reverse(name, kwargs=kwargs or None))
    assert response.status_code == 200, (username, name, response.status_code)
    return response.content.decode()


@pytest.mark.django_db
def test_seed_demo_leaves_each_role_something_to_see(settings):
    """After the demo every role's page shows what it is for: 清欠办's overdue queue, the plans and
    the assessment with figures, finance's monthly statement, both handovers; a second run adds nothing."""
    from django.utils import timezone

    from documents.models import HandoverExport
    from workflows.models import ClearingPlan, Handover, LineAnswer, PlanState, QuarterAssessment, Statement
    from workflows.plans.chain import open_review_task
    from workflows.triage import queue

    settings.QQ_DEMO = True
    from workflows import demo
    demo.seed(debt_count=40)
    today = timezone.localdate()

    # the clock put the debts that fell due a few days ago into 清欠办's untriaged queue (rule R5.5)
    waiting = queue().filter(debt__due_date__gte=today - timezone.timedelta(days=10))
    assert waiting.exists()
    assert waiting.first().debt.code in page_of("committee", "debts:overdue_queue")

    # this year's plans: the handler's approved by 清欠小组 through the chain, handler2's waiting
    plan = ClearingPlan.objects.get(handler__username="handler", year=today.year)
    assert plan.state == PlanState.APPROVED and plan.approved_by.username == "committee_head"
    pending = ClearingPlan.objects.get(handler__username="handler2", year=today.year)
    assert pending.state == PlanState.SUBMITTED and open_review_task(pending) is not None
    assert "2,400,000.00" in page_of("handler", "reports:plan", pk=plan.pk)
    assert "1,200,000.00" in page_of("committee", "reports:plans")

    # this quarter's assessment, computed by finance with the rates in force, lines with figures
    assessment = QuarterAssessment.objects.get(year=today.year, quarter=(today.month - 1) // 3 + 1)
    assert assessment.computed_by.username == "finance" and assessment.items.exists()
    line = assessment.lines.exclude(person=None).exclude(net=0).first()
    assert line is not None
    shown = page_of("committee_head", "reports:assessment", pk=assessment.pk)
    assert f"{line.net:,.2f}" in shown

    # last month's statement: the handler answered, one line disputed for finance to resolve
    statement = Statement.objects.get(handler__username="handler")
    assert statement.month == (today.replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    answers = list(statement.lines.values_list("answer", flat=True))
    assert answers.count(LineAnswer.DISPUTED) == 1 and answers.count(LineAnswer.CONFIRMED) == len(answers) - 1
    assert f"{statement.month:%Y-%m}" in page_of("finance", "debts:statements")
    assert "（演示）" in page_of("finance", "debts:statement", pk=statement.pk)

    # the ceased company: its debts handed to 清欠办's head, its archive handed over (R1.9, R7.12)
    handover = Handover.objects.get()
    assert handover.to_person.username == "committee_head" and handover.items.exists()
    assert handover.reason in page_of("committee", "debts:handovers")
    export = HandoverExport.objects.get()
    assert export.unit.code == "S3" and export.status == HandoverExport.Status.DONE and export.sha256
    assert export.sha256 in page_of("auditor", "archive:handover")

    before = whole_demo()
    demo.seed(debt_count=40)
    assert whole_demo() == before
