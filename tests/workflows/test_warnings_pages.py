"""The warnings pages: who sees which debts, what each page lists, days left, login."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from tests import factories as f
from workflows.clock.run import run_daily
from workflows.limitation import record_interruption
from workflows.models import LimitationEventKind

TODAY = date(2025, 6, 30)


@pytest.fixture
def world(org, people):
    h, hb = people["handler"], people["handler_b"]
    soon = f.debt(org["a"], h, amount="1000.00", due=TODAY - timedelta(days=3 * 365 - 40))  # lapses in ~40 days
    other_soon = f.debt(org["b"], hb, amount="1000.00", due=TODAY - timedelta(days=3 * 365 - 20))
    lapsed = f.debt(org["a"], h, amount="2000.00", due=date(2021, 1, 31))
    big = f.debt(org["a"], h, amount="600000.00", due=date(2025, 5, 1))
    fresh = f.debt(org["a"], h, amount="10.00", due=date(2025, 7, 10))
    with time_machine.travel(f"{TODAY}T09:00:00+08:00", tick=False):
        record_interruption(lapsed, LimitationEventKind.DEMAND_LETTER_RECEIPT, date(2025, 3, 1), by=h)
    run_daily(TODAY)
    return {"soon": soon, "other_soon": other_soon, "lapsed": lapsed, "big": big, "fresh": fresh}


def page(client, user, name, **query):
    client.force_login(user)
    with time_machine.travel(f"{TODAY}T09:00:00+08:00", tick=False):
        return client.get(reverse(f"warnings:{name}"), query)


def codes(response):
    return {d.code if hasattr(d, "code") else d.debt.code for d in response.context["object_list"]}


def test_login_required(client, world):
    response = client.get(reverse("warnings:index"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_handler_sees_own_limitation_warnings_with_days_left(client, people, world):
    response = page(client, people["handler"], "index")
    assert codes(response) == {world["soon"].code}
    row = response.context["object_list"][0]
    assert row.days_left == (row.clock.limitation_deadline - TODAY).days and 0 < row.days_left <= 90
    assert f"<td class=\"qq-num days-left\">{row.days_left}</td>" in response.content.decode()


def test_committee_sees_all_units(client, people, world):
    response = page(client, people["committee"], "index")
    assert codes(response) == {world["soon"].code, world["other_soon"].code}
    assert codes(page(client, people["committee"], "index", scope="mine")) == set()


def test_other_units_handler_does_not_see_unit_a(client, people, world):
    assert codes(page(client, people["handler_b"], "index")) == {world["other_soon"].code}
    assert codes(page(client, people["handler_b"], "index", scope="all")) == {world["other_soon"].code}


def test_lapsed_page_flags_the_late_event_for_review(client, people, world):
    response = page(client, people["committee"], "lapsed")
    assert codes(response) == {world["lapsed"].code}
    html = response.content.decode()
    assert "届满后事由待复核" in html and "已届满" in html


def test_key_monitoring_page(client, people, world):
    assert codes(page(client, people["committee"], "key")) == {world["big"].code}


def test_limits_page_shows_contract_prewarning(client, people, world):
    response = page(client, people["handler"], "limits")
    assert codes(response) == {world["fresh"].code}
    assert "合同即将到期" in response.content.decode()


def test_accountability_page_names_handler_and_responsible(client, people, world):
    response = page(client, people["committee"], "accountability")
    records = {r.debt.code: r for r in response.context["object_list"]}
    assert set(records) == {world[k].code for k in ("soon", "other_soon", "lapsed", "big")}
    assert records[world["big"].code].handler == people["handler"]
    assert records[world["big"].code].balance == Decimal("600000.00")
    assert "未收回" in response.content.decode()


def test_user_without_debt_permission_is_refused(client, org, world):
    nobody = f.user("nobody", None, org["a"])
    client.force_login(nobody)
    assert client.get(reverse("warnings:index")).status_code == 403
