"""The ledger import from Excel: service, command and the finance upload page."""
import io
import uuid
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from tests import factories as f
from workflows.credit_code import make_code
from workflows.exceptions import InvalidWorkbook
from workflows.ledger import claim_balance_from_entries
from workflows.ledger_import import jobs as ledger_import
from workflows.ledger_import.service import HEADERS, debt_code, import_ledger
from workflows.models import Contract, Debt, Debtor, EntryKind, LedgerEntry

CODE1 = make_code("91110000100000001")
CODE2 = make_code("91110000100000002")


def row(**over):
    values = {
        "单位": "A", "债务人": "甲建设有限公司", "统一社会信用代码": CODE1, "合同编号": "HT-2025-001",
        "合同金额": 100000, "合同到期日": datetime(2025, 6, 30), "类别": "应收账款-进度款",
        "应收金额": 12345.67, "经办人": "handler_a", "责任人": "resp_a",
    }
    values.update(over)
    return [values[h] for h in HEADERS]


def xlsx(rows, headers=HEADERS):
    wb = Workbook()
    ws = wb.active
    ws.append(list(headers))
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def save(tmp_path, rows, name="ledger.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx(rows).getvalue())
    return path


def counts():
    return (Debtor.objects.count(), Contract.objects.count(), Debt.objects.count(), LedgerEntry.objects.count())


@pytest.fixture
def good_rows():
    return [
        row(),
        # same contract, another category: one more debt, no second contract
        row(**{"类别": "retention", "应收金额": "5,000.00"}),
        # unit by name, users by full name, date as text, second debtor
        row(**{"单位": "第一分公司一项目部", "债务人": "乙贸易有限公司", "统一社会信用代码": CODE2,
               "合同编号": 778899, "合同金额": "2000.5", "合同到期日": "2025-01-15", "类别": "其他应收款",
               "应收金额": Decimal("800.10"), "经办人": "王小明", "责任人": "resp_a"}),
    ]


@pytest.fixture
def named(people):
    people["handler"].last_name, people["handler"].first_name = "王", "小明"
    people["handler"].save()
    return people


# --- the service -----------------------------------------------------------------------

def test_good_file_creates_debtors_contracts_debts_and_invoices(named, good_rows, org):
    finance = named["finance"]
    report = import_ledger(xlsx(good_rows), by=finance)

    assert report.ok, report.errors
    assert (report.rows, report.debts_created, report.debtors_created, report.contracts_created,
            report.skipped_identical) == (3, 3, 2, 2, 0)
    first = Debt.objects.get(unit=org["a"], contract__number="HT-2025-001", category="progress")
    assert first.debtor.name == "甲建设有限公司" and first.debtor.credit_code == CODE1
    assert first.contract.amount == Decimal("100000.00") and first.contract.due_on == date(2025, 6, 30)
    assert first.due_date == date(2025, 6, 30)
    assert (first.handler, first.responsible) == (named["handler"], named["responsible"])
    assert first.state == "normal"
    assert first.balance == Decimal("12345.67")
    assert first.code == debt_code("A", "HT-2025-001", "progress")
    entry = first.entries.get()
    assert (entry.kind, entry.amount, entry.created_by) == (EntryKind.INVOICE, Decimal("12345.67"), finance)

    retention = Debt.objects.get(contract=first.contract, category="retention")
    assert retention.balance == Decimal("5000.00")
    third = Debt.objects.get(contract__number="778899")
    assert third.unit == org["a1"] and third.handler == named["handler"]
    assert third.category == "other_receivable" and third.due_date == date(2025, 1, 15)
    assert third.contract.amount == Decimal("2000.50")
    for debt in Debt.objects.all():
        assert claim_balance_from_entries(debt) == debt.balance


def test_importing_the_same_file_twice_creates_no_duplicates(named, good_rows):
    import_ledger(xlsx(good_rows), by=named["finance"])
    before = counts()

    again = import_ledger(xlsx(good_rows), by=named["finance"])

    assert again.ok
    assert (again.rows, again.debts_created, again.skipped_identical) == (3, 0, 3)
    assert counts() == before


def test_identical_duplicate_rows_in_one_file_are_skipped(people):
    report = import_ledger(xlsx([row(), row()]), by=people["finance"])
    assert report.ok and report.debts_created == 1 and report.skipped_identical == 1
    assert Debt.objects.count() == 1


def test_new_rows_are_added_beside_existing_ones(people):
    import_ledger(xlsx([row()]), by=people["finance"])
    report = import_ledger(xlsx([row(), row(**{"合同编号": "HT-2", "类别": "other_bond"})]), by=people["finance"])
    assert (report.debts_created, report.skipped_identical, report.debtors_created) == (1, 1, 0)
    assert Debt.objects.count() == 2


def test_excel_serial_dates_and_blank_rows_are_read(people):
    report = import_ledger(xlsx([row(**{"合同到期日": 45838}), [None] * 10, row(**{"类别": "claim"})]),
                           by=people["finance"])
    assert report.ok, report.errors
    assert report.rows == 2
    assert set(Debt.objects.values_list("due_date", flat=True)) == {date(2025, 6, 30)}


BAD_CELLS = [
    ("合同到期日", "2025/13/01", "不是有效日期"),
    ("合同到期日", "2025-02-30", "不是有效日期"),
    ("合同到期日", None, "不能为空"),
    ("应收金额", -5, "不能为负数"),
    ("应收金额", "十万", "不是数字"),
    ("应收金额", "12.345", "最多两位小数"),
    ("应收金额", 0, "必须大于零"),
    ("合同金额", -1, "不能为负数"),
    ("单位", "Z9", "未知单位"),
    ("经办人", "nobody", "未知用户"),
    ("责任人", "", "不能为空"),
    ("类别", "杂项", "未知类别"),
    ("统一社会信用代码", CODE1[:17] + ("0" if CODE1[17] != "0" else "1"), "校验位错误"),
    ("统一社会信用代码", "123", "应为18位"),
    ("债务人", "  ", "不能为空"),
]


@pytest.mark.parametrize("column,value,reason", BAD_CELLS)
def test_each_bad_cell_is_reported_with_row_and_column(people, column, value, reason):
    report = import_ledger(xlsx([row(**{"合同编号": "OK-1"}), row(**{column: value})]), by=people["finance"])

    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert reason in report.errors[0].reason
    assert counts() == (0, 0, 0, 0)


def test_every_bad_row_is_listed_and_nothing_is_written(people):
    before = counts()
    rows = [row(**{"合同编号": f"HT-{n}"}) for n in range(5)]
    rows[1] = row(**{"合同编号": "HT-1", "应收金额": "abc"})
    rows[3] = row(**{"合同编号": "HT-3", "合同到期日": "明天", "经办人": "ghost"})
    rows[4] = row(**{"合同编号": "HT-4", "单位": "nowhere"})

    report = import_ledger(xlsx(rows), by=people["finance"])

    assert [(e.row, e.column) for e in report.errors] == [
        (3, "应收金额"), (5, "合同到期日"), (5, "经办人"), (6, "单位")]
    assert all(e.reason for e in report.errors)
    assert counts() == before


def test_one_bad_row_among_many_writes_nothing(people):
    rows = [row(**{"合同编号": f"HT-{n}", "债务人": f"债务人{n}",
                   "统一社会信用代码": make_code(f"9111000020{n:07d}")}) for n in range(1200)]
    rows[1100] = row(**{"合同编号": "HT-1100", "应收金额": "1.001"})

    report = import_ledger(xlsx(rows), by=people["finance"])

    assert [(e.row, e.column) for e in report.errors] == [(1102, "应收金额")]
    assert counts() == (0, 0, 0, 0)


def test_conflicting_duplicate_key_in_the_file(people):
    report = import_ledger(xlsx([row(), row(**{"应收金额": 1})]), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(3, "应收金额")]
    assert "第2行" in report.errors[0].reason
    assert Debt.objects.count() == 0


def test_same_contract_with_different_data_in_the_file(people):
    report = import_ledger(xlsx([row(), row(**{"类别": "claim", "合同金额": 1})]), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(3, "合同金额")]


def test_same_debtor_name_with_another_credit_code_in_the_file(people):
    report = import_ledger(xlsx([row(), row(**{"合同编号": "HT-9", "统一社会信用代码": CODE2})]),
                           by=people["finance"])
    assert (3, "统一社会信用代码") in [(e.row, e.column) for e in report.errors]
    assert Debt.objects.count() == 0


def test_same_credit_code_with_another_name_in_the_file(people):
    report = import_ledger(xlsx([row(), row(**{"合同编号": "HT-9", "债务人": "别名公司"})]), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(3, "债务人")]


def test_conflicts_with_the_database(people, org):
    import_ledger(xlsx([row()]), by=people["finance"])
    f.debtor(name="丙公司")  # an existing debtor, with its own credit code
    before = counts()

    report = import_ledger(xlsx([
        row(**{"应收金额": 999}),                                              # same debt, other amount
        row(**{"类别": "claim", "合同金额": 5}),                                # contract differs
        row(**{"合同编号": "X-1", "债务人": "改名公司"}),                        # code registered to 甲
        row(**{"合同编号": "X-2", "债务人": "丙公司", "统一社会信用代码": CODE2}),  # name registered with another code
    ]), by=people["finance"])

    assert [(e.row, e.column) for e in report.errors] == [
        (2, "应收金额"), (3, "合同金额"), (4, "债务人"), (5, "统一社会信用代码")]
    assert "已存在" in report.errors[0].reason
    other_handler = import_ledger(xlsx([row(**{"经办人": "handler_b"})]), by=people["finance"])
    assert [(e.row, e.column) for e in other_handler.errors] == [(2, "经办人")]
    assert counts() == before


def test_existing_debt_made_elsewhere_is_matched_by_unit_contract_and_category(people, org):
    existing = f.debt(org["a"], people["handler"], people["responsible"], amount="300.00", category="receivable")
    same = row(**{"债务人": existing.debtor.name, "统一社会信用代码": existing.debtor.credit_code,
                  "合同编号": existing.contract.number, "合同金额": existing.contract.amount,
                  "合同到期日": existing.due_date.isoformat(), "类别": "receivable", "应收金额": "300"})
    report = import_ledger(xlsx([same]), by=people["finance"])
    assert report.ok and report.skipped_identical == 1 and report.debts_created == 0


def test_units_outside_the_importers_scope_are_refused(people):
    report = import_ledger(xlsx([row(**{"单位": "B", "经办人": "handler_b"})]), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(2, "单位")]
    assert "管辖范围" in report.errors[0].reason


def test_ambiguous_full_name_asks_for_the_username(people):
    for u in (people["handler"], people["handler_b"]):
        u.last_name, u.first_name = "李", "雷"
        u.save()
    report = import_ledger(xlsx([row(**{"经办人": "李雷"})]), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(2, "经办人")]
    assert "多个用户" in report.errors[0].reason


def test_missing_header_is_reported(people):
    headers = [h for h in HEADERS if h != "类别"]
    report = import_ledger(xlsx([["A"] * 9], headers=headers), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(1, "类别")]


def test_a_file_that_is_not_xlsx_is_refused(people):
    with pytest.raises(InvalidWorkbook, match="xlsx"):
        import_ledger(io.BytesIO(b"name,amount\nx,1\n"), by=people["finance"])


def test_progress_is_reported_for_both_phases(people):
    rows = [row(**{"合同编号": f"HT-{n}"}) for n in range(1500)]
    seen = []
    import_ledger(xlsx(rows), by=people["finance"], progress=lambda *a: seen.append(a))
    assert ("validate", 1000, 1501) in seen and ("validate", 1500, 1500) in seen  # total: the rows incl. header
    assert seen[-1] == ("write", 1500, 1500)


# --- the command -----------------------------------------------------------------------

def test_command_imports_and_reports(people, tmp_path):
    path = save(tmp_path, [row(), row(**{"类别": "claim"})])
    out, err = io.StringIO(), io.StringIO()

    call_command("import_ledger", str(path), "--user", "finance_a", stdout=out, stderr=err)

    assert "新建债权 2 笔" in out.getvalue()
    assert "校验" in err.getvalue()  # the tqdm bar
    assert LedgerEntry.objects.filter(created_by=people["finance"]).count() == 2
    call_command("import_ledger", str(path), stdout=out, stderr=io.StringIO())
    assert "跳过相同记录 2 行" in out.getvalue()
    assert Debt.objects.count() == 2


def test_command_lists_errors_and_writes_nothing(people, tmp_path):
    path = save(tmp_path, [row(), row(**{"合同编号": "X", "应收金额": -3})])
    err = io.StringIO()
    with pytest.raises(CommandError, match="未导入"):
        call_command("import_ledger", str(path), "--no-progress", stdout=io.StringIO(), stderr=err)
    assert "第3行 应收金额" in err.getvalue()
    assert counts() == (0, 0, 0, 0)


def test_command_refuses_a_user_without_the_permission(people, tmp_path):
    path = save(tmp_path, [row()])
    with pytest.raises(CommandError, match="权限"):
        call_command("import_ledger", str(path), "--user", "handler_a", stdout=io.StringIO())


# --- the page ----------------------------------------------------------------------------

@pytest.fixture
def inline_jobs(monkeypatch):
    """Run the background job inside the request (the test's transaction is invisible to a thread)."""
    monkeypatch.setattr(ledger_import, "start_job", lambda job_id: ledger_import.run_job(str(job_id)))


def login(user):
    client = Client()
    client.force_login(user)
    return client


def upload(client, content, name="台账.xlsx"):
    data = content if isinstance(content, bytes) else content.getvalue()
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("workflows_routes:ledger_import"), {"file": file})


def test_finance_uploads_a_good_file_previews_it_and_commits_with_one_click(people, inline_jobs):
    """rule R2.17: the preview writes nothing; one click commits; a second click changes nothing."""
    client = login(people["finance"])
    page = client.get(reverse("workflows_routes:ledger_import"))
    assert page.status_code == 200 and "统一社会信用代码" in page.content.decode()
    assert page.context["request"].resolver_match.site is not None  # rendered inside the app shell

    response = upload(client, xlsx([row(), row(**{"类别": "claim"})]))

    assert response.status_code == 302
    job_page = client.get(response["Location"])
    html = job_page.content.decode()
    assert "尚未写入任何数据" in html and 'http-equiv="refresh"' not in html
    assert job_page.context["report"]["debts_created"] == 2 and "甲建设有限公司" in html
    assert "确认导入（新建 2 笔债权）" in html
    assert counts() == (0, 0, 0, 0)

    job_id = job_page.context["job"]["id"]
    commit_url = reverse("workflows_routes:ledger_import_commit", args=[job_id])
    assert client.get(commit_url).status_code == 405
    done = client.get(client.post(commit_url)["Location"])
    assert "导入完成" in done.content.decode() and done.context["report"]["committed"]
    assert Debt.objects.count() == 2
    assert set(LedgerEntry.objects.values_list("created_by", flat=True)) == {people["finance"].pk}

    again = client.post(commit_url, follow=True)
    assert "未重复执行" in again.content.decode()
    assert counts() == (1, 1, 2, 2)


def test_bad_rows_are_listed_on_the_job_page(people, inline_jobs):
    client = login(people["finance"])
    response = upload(client, xlsx([row(), row(**{"合同编号": "X", "合同到期日": "2025-99-01"})]))
    html = client.get(response["Location"]).content.decode()
    assert "未导入任何数据" in html
    assert "<td>3</td><td>合同到期日</td>" in html
    assert Debt.objects.count() == 0


def test_a_file_that_is_not_xlsx_gets_an_error_on_the_page(people, inline_jobs):
    client = login(people["finance"])
    response = upload(client, b"PK\x03\x04 not really a workbook")
    assert response.status_code == 200 and not response.context["form"].is_valid()
    assert "不是有效的 Excel 工作簿" in response.content.decode()
    response = upload(client, b"a,b\n", name="ledger.csv")
    assert "找不到表头行" in response.content.decode()
    response = upload(client, b"%PDF-1.4", name="ledger.pdf")
    assert "只接受 Excel 工作簿（.xlsx、.xls）或 CSV 文件" in response.content.decode()
    response = upload(client, xlsx([], headers=["单位", "金额"]))
    assert "找不到表头行" in response.content.decode() and "统一社会信用代码" in response.content.decode()


def test_oversized_upload_is_refused(people, inline_jobs, monkeypatch):
    from workflows.ledger_import import views as import_views
    monkeypatch.setattr(import_views, "MAX_UPLOAD_BYTES", 1000)
    response = upload(login(people["finance"]), xlsx([row()]))
    assert "文件过大" in response.content.decode() and Debt.objects.count() == 0


def test_handler_gets_403_and_anonymous_goes_to_login(people, inline_jobs):
    url = reverse("workflows_routes:ledger_import")
    handler = login(people["handler"])
    assert handler.get(url).status_code == 403
    assert upload(handler, xlsx([row()])).status_code == 403
    assert Debt.objects.count() == 0
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_upload_needs_the_csrf_token(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["finance"])
    file = xlsx([row()])
    file.name = "a.xlsx"
    assert client.post(reverse("workflows_routes:ledger_import"), {"file": file}).status_code == 403


def test_a_job_is_visible_only_to_its_owner(people, org, inline_jobs):
    response = upload(login(people["finance"]), xlsx([row()]))
    other = f.user("finance_b", "finance", org["b"])
    assert login(other).get(response["Location"]).status_code == 404
    missing = reverse("workflows_routes:ledger_import_job", args=[uuid.uuid4()])
    assert login(people["finance"]).get(missing).status_code == 404


def test_running_job_page_shows_progress_and_refreshes(people):
    job_id = uuid.uuid4()
    ledger_import.create_job(job_id, storage_name="ledger_imports/none.xlsx", user=people["finance"],
                             file_name="big.xlsx")
    ledger_import._save_job(job_id, status="running", phase="write", done=250, total=1000)

    html = login(people["finance"]).get(reverse("workflows_routes:ledger_import_job", args=[job_id])) \
        .content.decode()

    assert '<meta http-equiv="refresh" content="2">' in html
    assert 'value="25"' in html and "250 / 1000" in html


def test_with_a_broker_the_job_goes_to_celery_after_commit(people, settings, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/1"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    sent = []
    monkeypatch.setattr(ledger_import.current_app, "send_task", lambda name, args: sent.append((name, args)))
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger_import.start_job("abc") is None
        assert sent == []
    assert sent == [("workflows.ledger_import.run_job", ["abc"])]
    from workflows.tasks import run_job_task
    assert run_job_task.name == "workflows.ledger_import.run_job"


@pytest.mark.django_db(transaction=True)
def test_embedded_default_runs_the_job_in_a_thread(tmp_path):
    from workflows.roles import FINANCE
    unit = f.unit("A", "第一分公司")
    finance = f.user("finance_a", FINANCE, unit)
    f.user("handler_a", "handler", unit)
    f.user("resp_a", "responsible", unit)
    job_id = uuid.uuid4()
    name = ledger_import.storage().save(f"ledger_imports/{job_id}.xlsx", io.BytesIO(xlsx([row()]).getvalue()))
    ledger_import.create_job(job_id, storage_name=name, user=finance, file_name="t.xlsx")

    thread = ledger_import.start_job(job_id)
    thread.join(60)
    assert ledger_import.get_job(job_id)["status"] == "previewed" and Debt.objects.count() == 0
    assert ledger_import.request_commit(str(job_id))
    ledger_import.start_job(job_id).join(60)

    job = ledger_import.get_job(job_id)
    assert job["status"] == "done", job
    assert job["report"]["debts_created"] == 1
    assert Debt.objects.count() == 1


def test_job_progress_is_shared_through_redis_when_a_broker_is_set(people, settings, redis_url):
    settings.CACHES = {**settings.CACHES, "jobs": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                                   "LOCATION": redis_url}}
    job_id = uuid.uuid4()
    ledger_import.create_job(job_id, storage_name="ledger_imports/x.xlsx", user=people["finance"], file_name="x.xlsx")
    ledger_import._save_job(job_id, status="running", done=10, total=20)

    import redis
    keys = redis.Redis.from_url(redis_url).keys(f"*{job_id}*")
    assert len(keys) == 1  # in Redis, where a Celery worker and the web process both see it
    assert ledger_import.get_job(job_id)["done"] == 10



def test_imported_debts_get_their_case_files(named, good_rows):
    """bulk_create sends no post_save: the archive opens the case files in the import's transaction."""
    from documents.models import CaseFile

    report = import_ledger(xlsx(good_rows), by=named["finance"])
    assert report.ok and report.debts_created == 3
    assert CaseFile.objects.filter(debt__in=Debt.objects.all()).count() == Debt.objects.count() == 3


def test_uploads_go_through_the_configured_storage_not_a_local_path(people, settings, inline_jobs):
    """issue 16 part 6: a worker on another host reads the upload through the storage API;
    the job names it by its storage name, never by a path of the web host."""
    from pathlib import Path

    settings.STORAGES = {**settings.STORAGES,
                         "ledger_imports": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    client = login(people["finance"])
    job_id = client.get(upload(client, xlsx([row()]))["Location"]).context["job"]["id"]

    job = ledger_import.get_job(job_id)
    assert job["status"] == "previewed", job
    assert "path" not in job and job["storage_name"] == f"ledger_imports/{job_id}.xlsx"
    stored = ledger_import.storage()
    assert type(stored).__name__ == "InMemoryStorage" and stored.exists(job["storage_name"])
    assert not (Path(settings.MEDIA_ROOT) / job["storage_name"]).exists()  # nothing in the media folder

    client.post(reverse("workflows_routes:ledger_import_commit", args=[job_id]))
    assert ledger_import.get_job(job_id)["status"] == "done" and Debt.objects.count() == 1


def test_a_changed_upload_is_not_imported(people, settings, inline_jobs):
    settings.STORAGES = {**settings.STORAGES,
                         "ledger_imports": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    client = login(people["finance"])
    job_id = client.get(upload(client, xlsx([row()]))["Location"]).context["job"]["id"]
    name = ledger_import.get_job(job_id)["storage_name"]
    ledger_import.storage().delete(name)
    ledger_import.storage().save(name, io.BytesIO(xlsx([row(), row(**{"类别": "claim"})]).getvalue()))

    page = client.get(client.post(reverse("workflows_routes:ledger_import_commit", args=[job_id]))["Location"])
    assert "已被改动" in page.content.decode() and Debt.objects.count() == 0


def test_the_user_chooses_the_sheets_on_the_preview_page(people, inline_jobs):
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(HEADERS)
    ws.append(row())
    notes = wb.create_sheet("备注")
    notes.append(["本表为说明，不是台账"])
    buffer = io.BytesIO()
    wb.save(buffer)
    client = login(people["finance"])
    location = upload(client, buffer)["Location"]
    html = client.get(location).content.decode()
    assert "找不到表头行" in html and "备注" in html and 'name="sheet" value="台账"' in html
    job_id = location.rstrip("/").split("/")[-1]

    client.post(reverse("workflows_routes:ledger_import_sheets", args=[job_id]), {"sheet": ["台账"]})
    page = client.get(location)
    assert page.context["job"]["status"] == "previewed"
    assert {s["name"]: s["status"] for s in page.context["sheets"]} == {"台账": "read", "备注": "not_chosen"}
    client.post(reverse("workflows_routes:ledger_import_commit", args=[job_id]))
    assert Debt.objects.count() == 1
