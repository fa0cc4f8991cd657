"""Demo data for the embedded demo: an organisation, one login per role, debtors and ~200 debts
in every lifecycle state; then today's clock run (清欠办's overdue queue), this year's clearing
plans (one approved, one waiting), this quarter's assessment, last month's reconciliation
statement and a handover of the ceased company's debts. The higher apps add their part through
workflows.signals (chains waiting at each step, collection work, the archive's handover); rule R8.19.

Everything goes through the same services as real use: states only via
workflows.lifecycle (gated edges on a recorded approval, approvals.past_approvals), money only via
workflows.ledger. Idempotent: what already exists (by its natural key) is left alone, and each
debt is built in one transaction, so a second run changes nothing.
"""
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.past_approvals import record_past_approval
from documents.catalogue import DocType
from documents.services import attach, seal_case_file
from workflows import roles
from workflows.clock.run import run_daily
from workflows.credit_code import make_code
from workflows.exceptions import DemoRefused
from workflows.handover import debt_handover, held_by
from workflows.ledger import post_entry
from workflows.lifecycle import apply_transition
from workflows.models import (
    Category,
    ClearingPlan,
    Contract,
    Debt,
    Debtor,
    EntryKind,
    Handover,
    HandoverRole,
    LineAnswer,
    OrgUnit,
    QuarterAssessment,
    State,
    User,
)
from workflows.plans.chain import open_review_task
from workflows.plans.chain import submit as submit_plan
from workflows.plans.rewards import compute_assessment
from workflows.plans.targets import decide as decide_plan
from workflows.plans.targets import save_plan
from workflows.reconciliation import answer_lines, issue_statements
from workflows.signals import demo_debts_seeded, demo_seeded

DEMO_PASSWORD = "demo-2026"
DEBT_COUNT = 200
KEY_MONITORING_THRESHOLD = Decimal("500000.00")  # rule R5.14


def demo_allowed():
    return bool(settings.DEBUG or getattr(settings, "QQ_DEMO", False))


# code, name, parent code, ceased
UNITS = [
    ("HQ", "集团总部", None, False),
    ("S1", "第一工程有限公司", "HQ", False),
    ("S1-GZ", "第一工程有限公司广州分公司", "S1", False),
    ("S2", "第二建设有限公司", "HQ", False),
    ("S3", "第三贸易有限公司", "HQ", True),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    unit: str
    last_name: str
    first_name: str
    superior: str | None


# One login per role, plus a second handler in another unit. Unit-scoped roles sit in S1.
USERS = [
    DemoUser("shareholders", roles.SHAREHOLDERS, "HQ", "股东大会", "代表", None),
    DemoUser("board", roles.BOARD, "HQ", "董事会", "秘书", "shareholders"),
    DemoUser("gm_office", roles.GM_OFFICE, "HQ", "总经理办公会", "秘书", "board"),
    DemoUser("gm", roles.GM, "HQ", "王", "建国", "board"),
    DemoUser("committee_head", roles.COMMITTEE_HEAD, "HQ", "李", "清", "gm"),
    DemoUser("committee", roles.COMMITTEE, "HQ", "赵", "敏", "committee_head"),
    DemoUser("auditor", roles.AUDITOR, "HQ", "孙", "审", "board"),
    DemoUser("legal", roles.LEGAL, "HQ", "周", "律", "gm"),
    DemoUser("finance", roles.FINANCE, "S1", "钱", "会计", "gm"),
    DemoUser("business", roles.BUSINESS, "S1", "吴", "经营", "gm"),
    DemoUser("tech", roles.TECH, "S1", "郑", "工", "gm"),
    DemoUser("responsible", roles.RESPONSIBLE, "S1", "陈", "项目", "committee_head"),
    DemoUser("custodian", roles.CUSTODIAN, "S1", "黄", "保管", "responsible"),
    DemoUser("inspector", roles.INSPECTOR, "S1", "林", "验收", "responsible"),
    DemoUser("handler", roles.HANDLER, "S1", "张", "伟", "responsible"),
    DemoUser("handler2", roles.HANDLER, "S2", "刘", "洋", "committee_head"),
]

DEBTOR_NAMES = [
    "华东建材", "西南重工", "北方钢构", "江南水泥", "中原物流", "海峡机电", "长江路桥", "珠江置业",
    "天山矿业", "黄河化工", "东海船舶", "南岭电力", "昆仑能源", "泰山装备", "华中电缆", "蜀道交通",
    "燕山石化", "太湖环保", "漓江旅游", "秦岭制药", "滨海港务", "岭南商贸", "塞北风电", "江淮汽车配件",
    "闽南陶瓷", "湘江水务", "赣江林业", "渤海渔业", "洞庭粮油", "桂林玻璃", "雪域通信", "云贵茶业",
    "松花江乳业", "汉江纺织", "淮河煤业", "钱塘数码", "嘉陵摩配", "沱江酒业", "阿里山科技", "呼伦贝尔牧业",
]

# How many demo debts end in each state (sums to DEBT_COUNT).
STATE_PLAN = [
    (State.NORMAL, 50), (State.OVERDUE, 50), (State.VISIT, 25), (State.LEGAL, 20),
    (State.SETTLED_IN_KIND, 15), (State.WRITTEN_OFF, 15), (State.CLEARED, 15), (State.SEALED, 10),
]
DEBT_UNITS = ["S1", "S1-GZ", "S2", "S3"]
# Every tenth normal debt fell due a few days ago and is left for the clock (rule R5.5's queue).
PAST_DUE_EVERY = 10
CENT = Decimal("0.01")
# Annual clearing-plan targets (rule R6.1): the first is approved, the second waits for 清欠小组.
PLAN_TARGETS = [("handler", Decimal("2400000.00"), True), ("handler2", Decimal("1200000.00"), False)]


def _units():
    made = {}
    for code, name, parent, ceased in UNITS:
        unit, _created = OrgUnit.objects.get_or_create(
            code=code, defaults={"name": name, "parent": made.get(parent), "ceased": ceased})
        made[code] = unit
    return made


def _users(units):
    roles.sync_groups(Group, Permission)
    made, created = {}, 0
    for spec in USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User.objects.create_user(
                username=spec.username, password=DEMO_PASSWORD, unit=units[spec.unit],
                last_name=spec.last_name, first_name=spec.first_name,
                superior=made.get(spec.superior) if spec.superior else None,
            )
            user.groups.add(Group.objects.get(name=spec.role))
            created += 1
        made[spec.username] = user
    return made, created


def _debtors():
    made = []
    for n, name in enumerate(DEBTOR_NAMES, start=1):
        # 91 (enterprise) + 440300 (an area code) + 9 digits, then the GB 32100 check character
        code = make_code(f"91440300{n:09d}")
        debtor, _created = Debtor.objects.get_or_create(
            credit_code=code,
            defaults={"name": f"{name}有限公司", "contact": "财务部", "phone": f"0755-8{n:07d}",
                      "credit_limit": Decimal(500000 * (1 + n % 4)).quantize(Decimal("0.01"))},
        )
        made.append(debtor)
    return made


def _plan():
    return [state for state, count in STATE_PLAN for _ in range(count)]


def _build_debt(i, target, units, users, debtors, rng, today):
    code = f"QQ-DEMO-{i:04d}"
    if Debt.objects.filter(code=code).exists():
        return False
    unit_code = DEBT_UNITS[i % len(DEBT_UNITS)]
    unit = units[unit_code]
    handler = users["handler"] if unit_code in ("S1", "S1-GZ") else users["handler2"]
    gm, head, finance = users["gm"], users["committee_head"], users["finance"]
    debtor = debtors[i % len(debtors)]
    categories = list(Category)
    category = categories[i % len(categories)]
    # mostly moderate sums, about one in six large enough for key monitoring
    cents = rng.randrange(2_000_000, 48_000_000) if rng.random() < 0.83 else rng.randrange(50_000_000, 300_000_000)
    amount = Decimal(cents) / 100
    if target == State.NORMAL:
        due = today + timedelta(days=rng.randrange(5, 240))
        if i % PAST_DUE_EVERY == 0:
            # fell due a few days ago: the demo's clock run moves it to overdue, into 清欠办's queue
            due = today - timedelta(days=2 + i % 7)
    else:
        due = today - timedelta(days=rng.choice([rng.randrange(3, 30), rng.randrange(31, 365),
                                                rng.randrange(366, 1500)]))
    signed = min(due - timedelta(days=rng.randrange(90, 720)), today - timedelta(days=30))
    with transaction.atomic():
        contract = Contract.objects.create(unit=unit, number=f"HT-{signed.year}-{i:04d}", debtor=debtor,
                                           signed_on=signed, due_on=due, amount=amount)
        debt = Debt.objects.create(code=code, debtor=debtor, contract=contract, category=category, unit=unit,
                                   handler=handler, responsible=users["responsible"], due_date=due,
                                   key_monitoring=amount >= KEY_MONITORING_THRESHOLD)
        post_entry(debt.pk, EntryKind.INVOICE, amount, signed, by=finance, reference=f"FP-{i:06d}")
        if rng.random() < 0.5:
            part = (amount * Decimal(rng.randrange(5, 40)) / 100).quantize(Decimal("0.01"))
            post_entry(debt.pk, EntryKind.PAYMENT, part, min(today, due), by=handler, reference=f"HK-{i:06d}")
        if target == State.NORMAL:
            return True

        def move(to, by, reason, approved_by=None):
            if approved_by is not None:
                # The database wants an approved chain behind every gated move (issue 15).
                record_past_approval(debt=debt, target=to, requested_by=by, approved_by=approved_by,
                                     reason=reason)
            apply_transition(debt.pk, to, by=by, reason=reason)

        def balance():
            return Debt.objects.get(pk=debt.pk).balance

        move(State.OVERDUE, None, _("到期未收回（每日任务）"))
        if target == State.OVERDUE:
            return True
        if target == State.VISIT or (target == State.LEGAL and i % 2):
            move(State.VISIT, handler, _("上门催收计划已批准"), approved_by=head)
        if target == State.VISIT:
            return True
        if target == State.LEGAL:
            move(State.LEGAL, handler, _("诉讼已批准，法务部受理"), approved_by=gm)
            return True
        if target in (State.SETTLED_IN_KIND, State.SEALED) and (target == State.SETTLED_IN_KIND or i % 2):
            move(State.SETTLED_IN_KIND, handler, _("以物抵债经总经理批准"), approved_by=gm)
            post_entry(debt.pk, EntryKind.IN_KIND_OFFSET, balance(), today, by=finance, reference=f"DZ-{i:06d}")
            if target == State.SEALED:
                _seal(debt, handler, head)
            return True
        if target == State.WRITTEN_OFF or (target == State.CLEARED and i % 3 == 0):
            move(State.WRITTEN_OFF, finance, _("坏账核销经总经理批示、董事会批准"), approved_by=gm)
            post_entry(debt.pk, EntryKind.WRITE_OFF, balance(), today, by=finance, reference=f"HX-{i:06d}")
            if target == State.WRITTEN_OFF:
                if i % 2:
                    part = (balance() / 4).quantize(Decimal("0.01"))
                    post_entry(debt.pk, EntryKind.RECOVERY, part, today, by=finance, reference=f"SH-{i:06d}")
                return True
            # recovered in full after write-off: the ledger clears it
            post_entry(debt.pk, EntryKind.RECOVERY, balance(), today, by=finance, reference=f"SH-{i:06d}")
            return True
        # cleared (or sealed after clearing) by payment of the rest; the ledger clears it
        post_entry(debt.pk, EntryKind.PAYMENT, balance(), today, by=handler, reference=f"HK-{i:06d}-2")
        if target == State.SEALED:
            _seal(debt, handler, head)
        return True


def demo_pdf(title):
    """A minimal valid one-page PDF standing in for a scanned paper."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d >>stream\n" % len(stream) + stream + b"\nendstream"]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def _seal(debt, handler, head):
    """Seal the way 清欠办 does: the 建档 items into the case file, then seal_case_file."""


    for doc_type, name in ((DocType.INVESTIGATION_RECORD, "investigation"), (DocType.ORIGINAL_VOUCHERS, "vouchers"),
                           (DocType.CONCLUSIVE_REPORT, "conclusion")):
        attach(debt, doc_type, ContentFile(demo_pdf(f"{debt.code} {name}"), name=f"{name}.pdf"), handler,
               title=f"{doc_type.label}（演示）", system_generated=True)
    seal_case_file(debt, head)


def seed(debt_count: int = DEBT_COUNT) -> dict[str, int]:
    """Create what is missing; returns counts of what was created."""
    if not demo_allowed():
        raise DemoRefused(_("演示数据只能在 DEBUG 或 QQ_DEMO 开启时创建（演示密码仅用于内置演示）"))
    today = timezone.localdate()
    with transaction.atomic():
        units = _units()
        users, users_created = _users(units)
        debtors = _debtors()
        demo_seeded.send(sender=None, units=units)
    rng = random.Random(2026)
    plan = _plan()
    created = 0
    for i in range(1, debt_count + 1):
        # Draws happen for every index so a debt's data does not depend on which ones exist.
        debt_rng = random.Random(rng.random())
        target = plan[(i - 1) * len(plan) // debt_count]
        if _build_debt(i, target, units, users, debtors, debt_rng, today):
            created += 1
    demo_debts_seeded.send(sender=None, users=users, password=DEMO_PASSWORD, pdf=demo_pdf)
    # Today's clock run, as the nightly job would: past-due debts enter overdue and 清欠办's
    # queue, the limitation clocks and collection's flags are computed. Done once a day.
    run_daily(today)
    _plans(users, today)
    _assessment(users, today)
    _statements(users, today)
    _handover(users)
    return {"users": users_created, "debts": created}


def _approve_plan(plan, approver):
    """清欠小组's review step, as its page does it: take the task, decide, complete it."""
    task = open_review_task(plan)
    node = task.flow_task
    node.activation_class(task).assign(approver)
    task.refresh_from_db()
    activation = node.activation_class(task)
    activation.start(None)
    decide_plan(plan, approver, "approve", "")
    activation.process.data = {**activation.process.data, "decision": "approve", "decided_by": approver.pk,
                               "note": ""}
    activation.process.save(update_fields=["data"])
    activation.execute()


def _plans(users, today):
    """This year's plans: one approved (progress against it), one waiting for 清欠小组 (R6.1-R6.3)."""
    for username, annual, approved in PLAN_TARGETS:
        handler = users[username]
        if ClearingPlan.objects.filter(handler=handler, year=today.year).exists():
            continue
        with transaction.atomic():
            plan = save_plan(handler, today.year, annual, [(annual / 12).quantize(CENT)] * 12)
            submit_plan(plan, by=handler)
            if approved:
                _approve_plan(ClearingPlan.objects.get(pk=plan.pk), users["committee_head"])


def _assessment(users, today):
    """This quarter's reward and penalty list, computed by finance, for 清欠小组 to approve (R6.6-R6.13)."""
    quarter = (today.month - 1) // 3 + 1
    if not QuarterAssessment.objects.filter(year=today.year, quarter=quarter, computed_at__isnull=False).exists():
        compute_assessment(today.year, quarter, by=users["finance"])


def _statements(users, today):
    """Last month's statement (rule R5.18): the handler confirmed every line but one, disputed."""
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for statement in issue_statements(by=users["finance"], month=month):
        lines = list(statement.lines.order_by("debt__code"))
        answers = {line.pk: (LineAnswer.CONFIRMED, "") for line in lines[1:]}
        if lines:
            answers[lines[0].pk] = (LineAnswer.DISPUTED, "月中已回款一笔，台账未入账，请财务核实（演示）")
        answer_lines(by=statement.handler, statement=statement, answers=answers)


def _handover(users):
    """The ceased company's debts handed to 清欠办's head as responsible person (rules R1.9-R1.11)."""
    # Stored data, in the demo's language whatever the seeding shell's: a second run must find it.
    reason = "第三贸易有限公司已停业，其债权改由清欠办负责人负责（演示）"
    if Handover.objects.filter(reason=reason).exists():
        return
    debt_ids = list(held_by(users["responsible"], HandoverRole.RESPONSIBLE).filter(unit__code="S3")
                    .values_list("pk", flat=True))
    if debt_ids:
        debt_handover(by=users["committee"], from_person=users["responsible"], to_person=users["committee_head"],
                      role=HandoverRole.RESPONSIBLE, reason=reason, debt_ids=debt_ids)


def logins():
    """(username, role label, unit name, password) of every demo login."""
    rows = []
    for spec in USERS:
        user = User.objects.select_related("unit").filter(username=spec.username).first()
        if user is not None:
            rows.append((spec.username, str(roles.LABELS[spec.role]), user.unit.name, DEMO_PASSWORD))
    return rows
