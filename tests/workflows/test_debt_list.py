"""The debt list (issue 19 item 7): key columns first, sorted by any column in both directions,
a chosen page size, money with thousands separators, and the filtered list exported to Excel."""
import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests import factories as f
from workflows.debts.views import COLUMNS, PAGE_SIZES
from workflows.lifecycle import apply_transition
from workflows.models import State

LIST = reverse("debts:index")
EXPORT = reverse("debts:export")


@pytest.fixture
def debts(org, people):
    h, hb = people["handler"], people["handler_b"]
    today = timezone.localdate()
    made = [
        f.debt(org["a"], h, amount="1234567.89", due=today + timedelta(days=30), code="QQ-L-1",
               debtor_obj=f.debtor("乙公司")),
        f.debt(org["a"], h, amount="50.00", due=today - timedelta(days=10), code="QQ-L-2",
               debtor_obj=f.debtor("甲公司")),
        f.debt(org["b"], hb, amount="9999.00", due=today - timedelta(days=400), code="QQ-L-3",
               debtor_obj=f.debtor("丙公司")),
    ]
    for d in made[1:]:
        apply_transition(d.pk, State.OVERDUE, reason="到期未收回")
    return made


def order(response):
    return [d.code for d in response.context["object_list"]]


def test_key_columns_come_first(client, people, debts):
    client.force_login(people["committee"])
    html = client.get(LIST).content.decode()
    heads = re.findall(r'<th[^>]*data-sort="([a-z_]+)"', html)
    assert heads[:4] == ["code", "debtor", "balance", "state"]
    assert heads == [key for key, _label, _num in COLUMNS]


@pytest.mark.parametrize("key, ascending, descending", [
    ("balance", ["QQ-L-2", "QQ-L-3", "QQ-L-1"], ["QQ-L-1", "QQ-L-3", "QQ-L-2"]),
    ("days_overdue", ["QQ-L-1", "QQ-L-2", "QQ-L-3"], ["QQ-L-3", "QQ-L-2", "QQ-L-1"]),  # 400 days overdue last / first
    ("due_date", ["QQ-L-3", "QQ-L-2", "QQ-L-1"], ["QQ-L-1", "QQ-L-2", "QQ-L-3"]),
    ("debtor", ["QQ-L-3", "QQ-L-1", "QQ-L-2"], ["QQ-L-2", "QQ-L-1", "QQ-L-3"]),     # 丙 < 乙 < 甲 (code points)
    ("state", ["QQ-L-1", "QQ-L-2", "QQ-L-3"], ["QQ-L-2", "QQ-L-3", "QQ-L-1"]),      # lifecycle order; ties by code
    ("unit", ["QQ-L-1", "QQ-L-2", "QQ-L-3"], ["QQ-L-3", "QQ-L-1", "QQ-L-2"]),
])
def test_every_column_sorts_both_ways(client, people, debts, key, ascending, descending):
    client.force_login(people["committee"])
    assert order(client.get(LIST, {"sort": key})) == ascending
    assert order(client.get(LIST, {"sort": f"-{key}"})) == descending


def test_sort_links_keep_the_filter_and_flip_the_direction(client, people, debts):
    client.force_login(people["committee"])
    html = client.get(LIST, {"state": "overdue", "sort": "balance"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?state=overdue&amp;sort=-balance" in html  # the current column flips
    assert "?state=overdue&amp;sort=debtor" in html
    assert "sort=balance" not in html.split('id="debt-table"')[1].split("</thead>")[0].replace("sort=-balance", "")
    # an unknown sort is the default order, not an error
    assert order(client.get(LIST, {"sort": "password"})) == ["QQ-L-1", "QQ-L-2", "QQ-L-3"]


def test_page_size_is_chosen_from_the_offered_sizes(client, people, org):
    for i in range(60):
        f.debt(org["a"], people["handler"], code=f"QQ-S-{i:03d}")
    client.force_login(people["handler"])
    assert len(client.get(LIST).context["object_list"]) == PAGE_SIZES[0]
    page = client.get(LIST, {"per_page": 50})
    assert len(page.context["object_list"]) == 50
    assert "per_page=50&amp;page=2" in page.content.decode()
    assert len(client.get(LIST, {"per_page": 7}).context["object_list"]) == PAGE_SIZES[0]


def test_money_shows_thousands_separators(client, people, debts):
    client.force_login(people["handler"])
    html = client.get(LIST).content.decode()
    assert "1,234,567.89" in html and "1234567.89" not in html


def test_export_is_the_filtered_sorted_list_as_excel(client, people, debts):
    client.force_login(people["committee"])
    response = client.get(EXPORT, {"state": "overdue", "sort": "-balance", "page": 1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith('attachment; filename="debts-')
    ws = load_workbook(BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("债权编号", "债务人", "债权余额(元)", "状态")
    data = [r for r in rows[1:] if r and r[0] and str(r[0]).startswith("QQ-")]
    assert [r[0] for r in data] == ["QQ-L-3", "QQ-L-2"]  # both overdue debts, every page, balance descending
    assert data[0][2] == Decimal("9999.00") or data[0][2] == 9999
    assert ws["C2"].number_format == "#,##0.00"
    assert data[0][4] == 400
    labels = {r[0]: r[1] for r in rows if r and r[0] in ("共计笔数", "状态")}
    assert labels["共计笔数"] == 2 and labels["状态"] == "逾期"


def test_export_stays_in_the_users_scope(client, people, debts):
    client.force_login(people["handler"])  # unit A only
    ws = load_workbook(BytesIO(client.get(EXPORT).content)).active
    codes = [r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r and str(r[0] or "").startswith("QQ-")]
    assert codes == ["QQ-L-1", "QQ-L-2"]


def test_export_in_english(client, people, debts):
    client.force_login(people["committee"])
    ws = load_workbook(BytesIO(client.get(EXPORT, HTTP_ACCEPT_LANGUAGE="en").content)).active
    header = next(ws.iter_rows(values_only=True))
    assert header[0] == "Debt code" and header[2] == "Debt balance (CNY)"
