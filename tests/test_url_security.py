"""Every route of the product, walked from the URL map: an anonymous visitor gets nothing but
the login page and the other public pages, whatever the method."""
import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from approvals.flows import FLOWS
from approvals.models import Chain, ChainProcess, Decision, LitigationList
from collection.models import Agency, Engagement, LegalCase, Letter, PaymentPlan
from documents import services as documents
from documents.catalogue import DocType
from documents.models import HandoverExport
from tests.approvals.helpers import open_task, overdue_debt, start
from tests.documents import samples
from workflows.ledger_import import jobs
from workflows.models import ClearingPlan, LedgerEntry, QuarterAssessment
from workflows.plan_flow import ClearingPlanFlow

# Pages a visitor may see without logging in. The API schema and its docs page describe the
# endpoints (no data); outside production they stay open (the production settings ask for a
# login: tests/deploy/test_production_settings.py); /healthz names its checks and their
# status only (tests/deploy/test_operations.py holds that it shows no data).
PUBLIC = re.compile(r"^/(accounts/(login|logout|password_reset|reset)|i18n/|static/|admin/login/|api/token/"
                    r"|api/schema/$|api/docs/$|healthz$)")


def concrete_urls():
    def walk(resolver, prefix):
        for pattern in resolver.url_patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, text)
            else:
                yield text

    urls = set()
    for raw in walk(get_resolver(), "/"):
        url = raw.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
        url = re.sub(r"<(int:)?\w*pk\w*>|<int:\w+>", "1", url)
        url = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), url)
        url = re.sub(r"<(str|slug|path):\w+>|<\w+>", "x", url)
        if "(" in url or "?" in url or "[" in url:
            continue  # regex routes of third-party apps (admin's catch-all, DRF format suffixes)
        urls.add(url)
    return sorted(urls)


@pytest.mark.django_db
def test_anonymous_visitor_reaches_no_page_of_the_product(client, people, org):
    from tests import factories as f
    f.debt(org["a"], people["handler"])  # so that id 1 exists where routes take one
    leaks = []
    for url in concrete_urls():
        if PUBLIC.match(url):
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if response.status_code == 200:
                leaks.append(f"{method.upper()} {url}")
    assert not leaks, "open to anonymous visitors:\n" + "\n".join(leaks)
    assert len(concrete_urls()) > 50  # the walk really found the product's routes


# --- every object URL as a user outside the object's scope -------------------------------------
# A second unit's handler (unit B) walks every route that takes an object id, with the ids of
# unit A's objects: a debt with a document, a letter, a payment plan, a legal case and an
# engagement; an approval chain of every flow with a task of every node; a clearing plan with
# its plan-approval chain; a handover export; an import job. Rule R8.5: the answer is 404, as
# for an object that does not exist — or the same refusal an id that does not exist gets (403
# by role, 405 for a method), never a page with the object's data.

APPROVAL_NODE_ROUTE = re.compile(r"^/(approvals|plan_approvals)/flows/(?P<flow>\w+)/<int:process_pk>/"
                                 r"(?P<node>\w+)/<int:task_pk>/")
APPROVAL_PROCESS_ROUTE = re.compile(r"^/(approvals|plan_approvals)/flows/(?P<flow>\w+)/<int:process_pk>/")
# route (as in the URL map) -> the fixture's object whose id it takes
OBJECT_OF = [
    (r"^/approvals/task/|^/api/\^tasks/", "task"),
    (r"^/approvals/process/|^/api/\^chains/", "process"),
    (r"^/approvals/start/", "debt"),
    (r"^/approvals/litigation-list/", "litigation_list"),
    (r"^/debts/debtors/|^/api/\^debtors/", "debtor"),
    (r"^/debts/|^/collect/debt/|^/collection/debt/|^/archive/casefile/|^/documents/casefile/|^/api/\^debts/", "debt"),
    (r"^/documents/doc/|^/api/\^documents/", "document"),
    (r"^/documents/handover/", "handover"),
    (r"^/collection/letter/", "letter"),
    (r"^/collection/plan/", "payment_plan"),
    (r"^/collection/engagement/", "engagement"),
    (r"^/collection/case/|^/collect/legal/case/", "legal_case"),
    (r"^/reports/plans/", "clearing_plan"),
    (r"^/reports/assessments/|^/workflows/reports/assessments/", "assessment"),
    (r"^/workflows/import/", "import_job"),
]
# Objects of the whole group, not of a unit: every reports user opens the quarter's assessment
# and sees only their own lines in it (rule R6.6); the walk checks it shows nothing of unit A.
SHARED = re.compile(r"^/reports/assessments/")
NOT_OBJECT_ROUTES = re.compile(r"^/(admin/|accounts/reset/)")  # staff only / a reset token


def object_routes():
    """Every route of the URL map that takes an object id, as (route, view name)."""
    def walk(resolver, prefix, ns):
        for pattern in resolver.url_patterns:
            text = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, text, [*ns, pattern.namespace] if pattern.namespace else ns)
            else:
                yield text, ":".join([*ns, pattern.name or ""])

    for raw, name in walk(get_resolver(), "/", []):
        if "<drf_format_suffix" in raw or "(?P<format>" in raw:
            continue  # the same views with a format suffix
        route = raw.replace("(?P<pk>[0-9]+)", "<int:pk>").replace("$", "")
        if "<" in route and not NOT_OBJECT_ROUTES.match(route):
            yield route, name


def _fill(route, **values):
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route).replace("^", "").replace("\\", "")


@pytest.fixture
def unit_a_objects(org, people, settings, tmp_path):
    """One object of every kind in unit A (or of unit A's handler)."""
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}
    handler = people["handler"]
    debt = overdue_debt(org, people)
    debt.debtor.name = "大连某某机械厂"
    debt.debtor.save()
    _, visit = start(handler, Chain.VISIT, debt, reason="上门催收")
    doc = documents.attach(debt, DocType.CONTRACT, samples.pdf("合同.pdf"), handler, title="合同")
    agency = Agency.objects.create(name="某律师事务所", kind="law_firm", default_fee_percent=Decimal("10"),
                                   created_by=people["committee"])
    objects = {
        "debt": debt, "debtor": debt.debtor, "process": visit, "task": open_task(visit, "head_approval"),
        "document": doc,
        "letter": Letter.objects.create(debt=debt, kind="demand", number="QQ-L-0001", amount=debt.balance,
                                        document=doc, created_by=handler),
        "payment_plan": PaymentPlan.objects.create(debt=debt, agreed_on=date(2026, 1, 5), total=Decimal("100.00"),
                                                   created_by=handler),
        "legal_case": LegalCase.objects.create(debt=debt, taken_by=people["legal"], claim_amount=debt.balance),
        "handover": HandoverExport.objects.create(unit=org["a"], requested_by=people["committee"]),
        "assessment": QuarterAssessment.objects.create(year=2026, quarter=1),
        "import_job": uuid.uuid4(),
    }
    jobs.create_job(objects["import_job"], storage_name="ledger_imports/x.xlsx", user=handler, file_name="台账.xlsx")
    plan = ClearingPlan.objects.create(handler=handler, year=2026, annual_target=Decimal("50000.00"))
    objects["clearing_plan"] = plan
    # Every flow gets a process of unit A's debt holding one task of each of its nodes, so that
    # each node's routes are walked with a task of that very node.
    flows = {flow.instance.flow_label: flow for flow in FLOWS.values()}
    flows["clearingplan"] = ClearingPlanFlow
    processes = {}
    for label, flow_class in flows.items():
        if flow_class is ClearingPlanFlow:
            process = Process.objects.create(flow_class=flow_class, artifact=plan)
        elif flow_class.chain == Chain.VISIT:
            process = visit
        else:
            process = ChainProcess.objects.create(flow_class=flow_class, debt=debt, chain=flow_class.chain,
                                                  requested_by=handler, active=False)
        have = set(process.task_set.values_list("flow_task", flat=True))
        for node in flow_class.instance.nodes():
            if node not in have:
                Task.objects.create(process=process, flow_task=node, flow_task_type=node.task_type,
                                    status=STATUS.NEW)
        processes[label] = Process.objects.get(pk=process.pk)
    objects["flow_processes"] = processes
    # A signed 强制性催收客户名单 naming unit A's debt (rule R4.62).
    objects["litigation_list"] = LitigationList.objects.create(
        period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), signed_by=people["gm"],
        signed_at=timezone.now(), sha256="0" * 64,
        entries=[{"process": visit.pk, "debt": debt.code, "debtor": debt.debtor.name, "amount": str(debt.balance)}])
    objects["engagement"] = Engagement.objects.create(
        debt=debt, agency=agency, fee_percent=Decimal("10"), start_date=date(2026, 1, 5), created_by=handler,
        decision=ChainProcess.objects.get(debt=debt, chain=Chain.OUTSOURCING))
    return objects


@pytest.mark.django_db
def test_every_object_url_is_404_for_a_user_outside_its_scope(people, unit_a_objects):
    objects = unit_a_objects
    debt = objects["debt"]
    data = (debt.code, "大连某某机械厂")
    entries_before = LedgerEntry.objects.count()
    outsider = Client(raise_request_exception=False)
    outsider.force_login(people["handler_b"])

    def answer(method, url):
        response = getattr(outsider, method)(url, {"decision": "approve", "comment": "x", "amount": "1.00"})
        body = response.content.decode(errors="replace") if not response.streaming else ""
        return response.status_code, any(d in body for d in data)

    walked, leaks, kinds = 0, [], set()
    for route, name in object_routes():
        node_route = APPROVAL_NODE_ROUTE.match(route)
        process_route = APPROVAL_PROCESS_ROUTE.match(route)
        if process_route:
            process = objects["flow_processes"][process_route["flow"]]
            values = {"process_pk": process.pk}
            if node_route:
                node = process.flow_class.instance.node(node_route["node"])
                task = Task.objects.get(process=process, flow_task=node)
                values["task_pk"] = task.pk
                kinds.add(type(node).__name__)
            missing = {k: v + 10_000 for k, v in values.items()}
        else:
            kind = next((k for pattern, k in OBJECT_OF if re.match(pattern, route)), None)
            assert kind is not None, f"{route} ({name}) takes an object id the out-of-scope walk does not know"
            obj = objects[kind]
            pk = obj if kind == "import_job" else obj.pk
            key = re.search(r"<(?:\w+:)?(\w+)>", route.replace("<str:chain>", "")).group(1)
            values = {key: pk, "chain": "visit"}
            missing = {key: uuid.uuid4() if kind == "import_job" else pk + 10_000, "chain": "visit"}
        url, nowhere = _fill(route, **values), _fill(route, **missing)
        for method in ("get", "post"):
            walked += 1
            status, shows_data = answer(method, url)
            if SHARED.match(route) and status in (200, 403) and not shows_data:
                continue  # they see the assessment, not unit A's lines; approving it is refused
            if status == 404:
                continue
            if status in (403, 405) and not shows_data and answer(method, nowhere)[0] == status:
                continue  # refused by role or method before any object is read: nothing disclosed
            leaks.append(f"{method.upper()} {url} ({name}): {status}{' with data' if shows_data else ''}")
    assert not leaks, "out-of-scope objects answered:\n" + "\n".join(leaks)
    # The walk did reach every kind of route: each node kind of the chains, the process pages.
    assert {"ChainStart", "ApprovalStep", "ReworkStep", "End", "Split", "Join", "Switch"} <= kinds, kinds
    assert walked > 600
    # Nothing happened on the way: no decision, no ledger entry, no task taken.
    assert not Decision.objects.exclude(decision="submit").exists()
    assert LedgerEntry.objects.count() == entries_before
    assert not Task.objects.filter(owner=people["handler_b"]).exists()
