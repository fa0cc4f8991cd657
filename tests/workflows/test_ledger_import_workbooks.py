"""The workbooks people really have (rule R2.17): sheets per unit, title rows, header aliases,
every Chinese spelling of dates and amounts, 合计 rows, category aliases, .xls and .csv, the
template and the preview. Each workbook is written here with openpyxl (xlwt for .xls)."""
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
import xlwt
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from workflows.credit_code import make_code
from workflows.ledger_import.parsing import HEADERS
from workflows.ledger_import.service import import_ledger
from workflows.models import Category, CategoryAlias, Contract, Debt, Debtor, LedgerEntry, User

CODE1 = make_code("91110000100000001")
CODE2 = make_code("91110000100000002")
CODE3 = make_code("91110000100000003")


def values(**over):
    data = {
        "单位": "A", "债务人": "甲建设有限公司", "统一社会信用代码": CODE1, "合同编号": "HT-2026-001",
        "合同金额": 100000, "合同到期日": datetime(2026, 3, 1), "类别": "应收账款-进度款",
        "应收金额": 1234.5, "经办人": "handler_a", "责任人": "resp_a",
    }
    data.update(over)
    return data


def line(headers=HEADERS, **over):
    data = values(**over)
    return [data[h] for h in HEADERS] if headers is HEADERS else [data[h] for h in headers]


def book(*sheets, hidden=()):
    """sheets: (title, rows) pairs, rows already including any title and header rows."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        if title in hidden:
            ws.sheet_state = "hidden"
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def one_sheet(rows, header=HEADERS):
    return book(("台账", [list(header), *rows]))


def counts():
    return (Debtor.objects.count(), Contract.objects.count(), Debt.objects.count(), LedgerEntry.objects.count())


# --- sheets ---------------------------------------------------------------------------------

def test_one_sheet_per_unit_reads_every_sheet(people):
    workbook = book(
        ("第一分公司", [HEADERS, line(), line(**{"类别": "claim"})]),
        ("一项目部", [HEADERS, line(**{"单位": "A1", "债务人": "乙贸易有限公司", "统一社会信用代码": CODE2,
                                       "合同编号": "XM-7"})]),
        ("空白页", []),
    )
    report = import_ledger(workbook, by=people["finance"])

    assert report.ok, report.errors
    assert report.rows == 3 and Debt.objects.count() == 3
    assert [(s["name"], s["status"], s["rows"]) for s in report.sheets] == [
        ("第一分公司", "read", 2), ("一项目部", "read", 1), ("空白页", "empty", 0)]
    assert Debt.objects.filter(unit__code="A1", contract__number="XM-7").exists()


def test_a_sheet_with_data_but_no_header_is_refused_until_the_user_leaves_it_out(people):
    notes = [["说明：本表为催收记录"], ["2026-03-01", "电话催收", "甲建设有限公司"]]
    workbook = book(("台账", [HEADERS, line()]), ("催收记录", notes), ("旧台账", [HEADERS, line()]), hidden={"旧台账"})

    report = import_ledger(workbook, by=people["finance"])

    assert [(e.sheet, e.column) for e in report.errors] == [("催收记录", "表头")]
    assert "找不到表头行" in report.errors[0].reason and "不选此工作表" in report.errors[0].reason
    assert counts() == (0, 0, 0, 0)
    assert {s["name"]: s["status"] for s in report.sheets}["旧台账"] == "hidden"

    workbook.seek(0)
    chosen = import_ledger(workbook, by=people["finance"], sheets=["台账"])
    assert chosen.ok and chosen.debts_created == 1
    assert {s["name"]: s["status"] for s in chosen.sheets} == {
        "台账": "read", "催收记录": "not_chosen", "旧台账": "not_chosen"}


def test_errors_name_the_sheet_and_rows_across_sheets(people):
    workbook = book(("甲", [HEADERS, line()]), ("乙", [HEADERS, line(**{"应收金额": 999})]))
    report = import_ledger(workbook, by=people["finance"])
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("乙", 2, "应收金额")]
    assert "工作表“甲”第2行" in report.errors[0].reason
    assert str(report.errors[0]).startswith("工作表“乙”第2行 应收金额：")


# --- header ---------------------------------------------------------------------------------

def test_header_below_a_merged_title_row_and_a_subtitle(people):
    wb = Workbook()
    ws = wb.active
    ws.append(["第一分公司 2026 年应收账款台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(["编制单位：第一分公司", None, None, None, None, None, None, "单位：元"])
    ws.append([])
    ws.append(HEADERS)
    ws.append(line())
    ws.append(line(**{"合同编号": "HT-2", "合同到期日": "2026-13-01"}))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)

    report = import_ledger(buffer, by=people["finance"])

    assert report.sheets[0]["header_row"] == 4
    assert [(e.row, e.column) for e in report.errors] == [(6, "合同到期日")]  # the sheet's own row numbers


HEADER_SPELLINGS = [
    {"应收金额": "应收金额(元)", "合同金额": "合同金额（元）"},
    {"应收金额": "应收金额【元】", "合同金额": "合同金额 [人民币元]"},
    {"应收金额": "应收金额 （ 元 ）", "合同到期日": "合同到期日(年/月/日)"},
    {"单位": "单位名称", "债务人": "客户名称", "合同编号": "合同号", "应收金额": "应收账款余额", "类别": "款项类别"},
    {"统一社会信用代码": "统一社会信用代码", "经办人": "清欠经办人", "责任人": "清欠责任人", "合同金额": "合同总额"},
    {"单位": "单 位", "合同到期日": "到期日", "应收金额": "应收金额（ＲＭＢ）"},  # spaces, full-width letters
]


@pytest.mark.parametrize("renamed", HEADER_SPELLINGS)
def test_header_aliases_with_and_without_units_full_and_half_width(people, renamed):
    header = [renamed.get(h, h) for h in HEADERS]
    report = import_ledger(one_sheet([line()], header=header), by=people["finance"])
    assert report.ok, report.errors
    assert Debt.objects.get().balance == Decimal("1234.50")


def test_a_money_header_in_ten_thousands_is_refused_with_what_to_do(people):
    header = ["应收金额(万元)" if h == "应收金额" else h for h in HEADERS]
    report = import_ledger(one_sheet([line()], header=header), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(1, "应收金额")]
    assert "万元" in report.errors[0].reason and "换算为元" in report.errors[0].reason
    assert counts() == (0, 0, 0, 0)


# --- cells ------------------------------------------------------------------------------------

DATES = [
    ("2026/3/1", date(2026, 3, 1)), ("2026年3月1日", date(2026, 3, 1)), ("2026.03.01", date(2026, 3, 1)),
    ("2026-3-1", date(2026, 3, 1)), ("２０２６／３／１", date(2026, 3, 1)), ("2026年03月01日", date(2026, 3, 1)),
    ("2026/03/01 00:00:00", date(2026, 3, 1)), ("20260301", date(2026, 3, 1)), (20260301, date(2026, 3, 1)),
    (datetime(2026, 3, 1), date(2026, 3, 1)), (46082, date(2026, 3, 1)),
]


@pytest.mark.parametrize("written,expected", DATES)
def test_every_common_date_spelling(people, written, expected):
    report = import_ledger(one_sheet([line(**{"合同到期日": written})]), by=people["finance"])
    assert report.ok, report.errors
    assert Debt.objects.get().due_date == expected


@pytest.mark.parametrize("written", ["2026/2/30", "2026年13月1日", "3/1/2026", "明年三月"])
def test_impossible_dates_are_refused(people, written):
    report = import_ledger(one_sheet([line(**{"合同到期日": written})]), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(2, "合同到期日")]
    assert "不是有效日期" in report.errors[0].reason


AMOUNTS = ["1，234.50", "1234.50元", "¥1,234.50", "￥1,234.50", "１２３４．５０", "RMB 1,234.50", "1,234.5 元",
           "  1234.5  ", "人民币1234.50元", Decimal("1234.50"), 1234.5]


@pytest.mark.parametrize("written", AMOUNTS)
def test_every_common_amount_spelling(people, written):
    report = import_ledger(one_sheet([line(**{"应收金额": written, "合同金额": written})]), by=people["finance"])
    assert report.ok, report.errors
    debt = Debt.objects.get()
    assert debt.balance == Decimal("1234.50") and debt.contract.amount == Decimal("1234.50")


@pytest.mark.parametrize("written", ["(1,000.00)", "（1,000.00）", "(¥1,000.00)"])
def test_accounting_negative_is_refused_with_a_clear_message(people, written):
    report = import_ledger(one_sheet([line(**{"应收金额": written})]), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(2, "应收金额")]
    assert "会计格式的负数" in report.errors[0].reason and "不能为负数" in report.errors[0].reason
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("written,reason", [("-¥1,000", "不能为负数"), ("1,23,4.5", "千分位"), ("1.234,50", "不是数字"),
                                            ("1234.505元", "最多两位小数")])
def test_other_bad_amounts_name_the_problem(people, written, reason):
    report = import_ledger(one_sheet([line(**{"应收金额": written})]), by=people["finance"])
    assert [(e.row, e.column) for e in report.errors] == [(2, "应收金额")]
    assert reason in report.errors[0].reason


def test_nfkc_full_width_codes_units_and_names(people):
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in CODE1)
    report = import_ledger(one_sheet([line(**{"单位": "Ａ", "统一社会信用代码": full_width, "合同编号": "ＨＴ－１",
                                              "经办人": "ｈａｎｄｌｅｒ＿ａ"})]), by=people["finance"])
    assert report.ok, report.errors
    debt = Debt.objects.get()
    assert debt.debtor.credit_code == CODE1 and debt.contract.number == "HT-1" and debt.unit.code == "A"


# --- totals rows -----------------------------------------------------------------------------

def test_totals_and_subtotals_rows_are_skipped_and_listed(people):
    rows = [
        line(),
        line(**{"合同编号": "HT-2"}),
        ["小计", None, None, None, 200000, None, None, 2469, None, None],
        line(**{"单位": "A1", "合同编号": "HT-3"}),
        [None, "本页小计：", None, None, 100000, None, None, 1234.5],
        ["合  计", None, None, None, 300000, None, None, 3703.5],
    ]
    report = import_ledger(one_sheet(rows), by=people["finance"])

    assert report.ok, report.errors
    assert report.rows == 3 and report.debts_created == 3
    assert [(s["row"], s["reason"]) for s in report.totals_skipped] == [
        (4, "合计/小计行“小计”，不导入"), (6, "合计/小计行“本页小计:”，不导入"), (7, "合计/小计行“合计”，不导入")]
    assert sum(d.balance for d in Debt.objects.all()) == Decimal("3703.50")


def test_a_debtor_whose_name_contains_heji_is_not_a_totals_row(people):
    report = import_ledger(one_sheet([line(**{"债务人": "合计科技有限公司"})]), by=people["finance"])
    assert report.ok and report.debts_created == 1 and not report.skipped


# --- category aliases ------------------------------------------------------------------------

def test_category_alias_configured_in_the_admin_is_used(people, django_user_model):
    CategoryAlias.objects.filter(alias="工程进度款").delete()  # the migration's default, made here by hand
    refused = import_ledger(one_sheet([line(**{"类别": "工程进度款"})]), by=people["finance"])
    assert [(e.column, "未知类别" in e.reason and "类别别名" in e.reason) for e in refused.errors] == [("类别", True)]

    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client = Client()
    client.force_login(admin)
    response = client.post(reverse("admin:workflows_categoryalias_add"),
                           {"alias": "工程进度款", "category": Category.PROGRESS})
    assert response.status_code == 302, response.content.decode()[:2000]

    rows = [line(**{"类别": "工程进度款"}), line(**{"合同编号": "HT-9", "类别": "工程 进度款"})]
    report = import_ledger(one_sheet(rows), by=people["finance"])
    assert report.ok, report.errors
    assert set(Debt.objects.values_list("category", flat=True)) == {Category.PROGRESS}


def test_category_label_with_another_dash_and_spaces(people):
    rows = [line(**{"类别": "应收账款—进度款"}), line(**{"合同编号": "X", "类别": " 应收账款 - 进度款 "})]
    report = import_ledger(one_sheet(rows), by=people["finance"])
    assert report.ok, report.errors


# --- .xls and .csv ---------------------------------------------------------------------------

def xls(rows):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("台账")
    dates = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            if isinstance(value, datetime):
                ws.write(r, c, value, dates)
            elif value is not None:
                ws.write(r, c, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return buffer


def test_old_xls_workbook_is_imported(people):
    rows = [["2026 年台账"], HEADERS, line(), line(**{"合同编号": "HT-2", "合同到期日": "2026/3/1"})]
    report = import_ledger(xls(rows), by=people["finance"], file_name="台账.xls")
    assert report.ok, report.errors
    assert sorted(Debt.objects.values_list("due_date", flat=True)) == [date(2026, 3, 1)] * 2


def test_a_damaged_xls_is_refused_with_what_to_do(people):
    from workflows.exceptions import InvalidWorkbook
    with pytest.raises(InvalidWorkbook, match=r"另存为 \.xlsx"):
        import_ledger(io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), by=people["finance"],
                      file_name="old.xls")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_in_utf8_or_gbk_is_imported(people, encoding):
    text = "\r\n".join([",".join(HEADERS),
                        "A,甲建设有限公司,%s,HT-1,\"100,000.00\",2026年3月1日,应收账款-进度款,\"¥1,234.50\",handler_a,resp_a"
                        % CODE1,
                        "合计,,,,,,,1234.50,,"])
    report = import_ledger(io.BytesIO(text.encode(encoding)), by=people["finance"], file_name="台账.csv")
    assert report.ok, report.errors
    assert Debt.objects.get().balance == Decimal("1234.50") and len(report.totals_skipped) == 1


def test_other_files_are_refused_with_what_to_do(people):
    from workflows.exceptions import InvalidWorkbook
    with pytest.raises(InvalidWorkbook, match=r"\.xlsx、\.xls"):
        import_ledger(io.BytesIO(b"%PDF-1.4 ..."), by=people["finance"], file_name="台账.pdf")


# --- the template ----------------------------------------------------------------------------

def test_the_template_has_headers_drop_downs_frozen_header_and_an_example_row(people, org):
    people["handler"].last_name, people["handler"].first_name = "王", "小明"
    people["handler"].save()
    client = Client()
    client.force_login(people["finance"])
    response = client.get(reverse("workflows_routes:ledger_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]

    wb = load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    header = [c.value for c in ws[3]]
    assert header == HEADERS
    assert ws.freeze_panes == "A4"
    example = [c.value for c in ws[4]]
    assert example[1].startswith("示例")
    lists = wb["选项"]
    assert lists.sheet_state == "hidden"
    columns = {lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)
                                        if lists.cell(r, c).value] for c in range(1, lists.max_column + 1)}
    assert columns["单位"] == ["第一分公司", "第一分公司一项目部"]  # the finance user's scope only
    assert columns["类别"] == [str(label) for _v, label in Category.choices]
    expected_users = sorted(User.objects.filter(unit__code__in=["A", "A1"], is_active=True)
                            .values_list("username", flat=True))
    assert columns["经办人"] == expected_users and "handler_b" not in expected_users
    validated = {}
    for validation in ws.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            validated[cell_range.coord.split(":")[0]] = validation.formula1
    letter = {h: chr(ord("A") + i) for i, h in enumerate(HEADERS)}
    assert "$A$" in validated[f"{letter['单位']}4"] and "$B$" in validated[f"{letter['类别']}4"]
    assert validated[f"{letter['经办人']}4"] == validated[f"{letter['责任人']}4"]

    # Filled in below the example row and uploaded as it is: the example is skipped.
    ws.append(line(**{"单位": "第一分公司", "类别": str(Category.PROGRESS.label), "经办人": "王小明"}))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    report = import_ledger(buffer, by=people["finance"])
    assert report.ok, report.errors
    assert report.debts_created == 1 and [s["kind"] for s in report.skipped] == ["example"]
    assert report.sheets[0]["header_row"] == 3 and report.sheets[1]["status"] == "hidden"


def test_the_template_is_only_for_importers(people):
    client = Client()
    client.force_login(people["handler"])
    assert client.get(reverse("workflows_routes:ledger_import_template")).status_code == 403


# --- the preview -------------------------------------------------------------------------------

def test_preview_writes_nothing_and_lists_created_skipped_and_refused(people):
    import_ledger(one_sheet([line()]), by=people["finance"])
    before = counts()
    rows = [line(), line(**{"合同编号": "HT-NEW", "债务人": "丙公司", "统一社会信用代码": CODE3}),
            ["合计", None, None, None, None, None, None, 2469]]

    preview = import_ledger(one_sheet(rows), by=people["finance"], commit=False)

    assert preview.ok and not preview.committed
    assert counts() == before
    assert (preview.debts_created, preview.debtors_created, preview.contracts_created, preview.skipped_identical) == \
        (1, 1, 1, 1)
    assert [(c["row"], c["debtor"], c["contract"], c["amount"]) for c in preview.created] == [
        (3, "丙公司", "HT-NEW", "1234.50")]
    assert [(s["row"], s["kind"]) for s in preview.skipped] == [(2, "identical"), (4, "totals")]

    committed = import_ledger(one_sheet(rows), by=people["finance"])
    assert committed.committed and committed.debts_created == 1 and Debt.objects.count() == 2
    again = import_ledger(one_sheet(rows), by=people["finance"])
    assert again.debts_created == 0 and again.skipped_identical == 2 and Debt.objects.count() == 2


def test_commit_checks_again_what_changed_since_the_preview(people):
    preview = import_ledger(one_sheet([line()]), by=people["finance"], commit=False)
    assert preview.ok
    import_ledger(one_sheet([line(**{"应收金额": 5})]), by=people["finance"])  # someone imported meanwhile
    before = counts()

    commit = import_ledger(one_sheet([line()]), by=people["finance"])

    assert not commit.ok and not commit.committed and [e.column for e in commit.errors] == ["应收金额"]
    assert counts() == before


def test_command_previews_and_reads_the_chosen_sheets(people, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "台账.xlsx"
    path.write_bytes(book(("台账", [HEADERS, line(), ["合计", None, None, None, None, None, None, 1234.5]]),
                          ("备注", [["仅供参考"]])).getvalue())
    out = io.StringIO()
    call_command("import_ledger", str(path), "--sheet", "台账", "--preview", "--no-progress", stdout=out)
    assert "预览（未写入）" in out.getvalue() and "将新建债权 1 笔" in out.getvalue()
    assert "工作表“备注”未读取" in out.getvalue() and "合计/小计行“合计”" in out.getvalue()
    assert counts() == (0, 0, 0, 0)
    call_command("import_ledger", str(path), "--sheet", "台账", "--no-progress", stdout=io.StringIO())
    assert Debt.objects.count() == 1
