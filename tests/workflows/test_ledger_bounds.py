"""Amounts and dates with bounds (rules R2.6, R2.13; issue 15 item 7): a 20-digit amount is a
400 naming the field on the page and over the API, never a database overflow; an entry dated
before the contract was signed is refused on the date field, saying so."""
import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories as f
from workflows import ledger
from workflows.exceptions import LedgerError
from workflows.models import LedgerEntry

pytestmark = pytest.mark.django_db
TWENTY_DIGITS = "12345678901234567890"


@pytest.fixture
def debt(org, people):
    d = f.debt(org["a"], people["handler"], amount="1000.00", due=datetime.date(2025, 6, 30))
    d.contract.signed_on = datetime.date(2024, 3, 15)
    d.contract.save()
    return d


def _client(user, api=False):
    c = APIClient() if api else Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("typed", [TWENTY_DIGITS, "1E+30", "-99999999999999999", "100000000000000.00"])
def test_an_amount_beyond_the_money_columns_is_refused_naming_the_field(typed):
    with pytest.raises(LedgerError) as refused:
        ledger.parse_amount(typed, field="回款金额")
    assert str(refused.value).startswith("回款金额") and "超出范围" in str(refused.value)
    assert ledger.parse_amount("99,999,999,999,999.99") == Decimal("99999999999999.99")


def test_a_twenty_digit_amount_on_the_page_and_over_the_api(people, debt):
    url = reverse("debts:add_entry", kwargs={"pk": debt.pk})
    page = _client(people["handler"]).post(url, {"kind": "invoice", "amount": TWENTY_DIGITS, "date": "2025-01-10"})
    assert page.status_code == 200
    assert "超出范围" in page.context["entry_form"].errors["amount"][0]
    assert TWENTY_DIGITS in page.content.decode()  # what was typed is kept
    api = _client(people["handler"], api=True).post(
        f"/api/debts/{debt.pk}/entries/", {"kind": "invoice", "amount": TWENTY_DIGITS, "date": "2025-01-10"},
        format="json")
    assert api.status_code == 400 and "超出范围" in api.json()["amount"][0]
    en = _client(people["handler"], api=True).post(
        f"/api/debts/{debt.pk}/entries/", {"kind": "invoice", "amount": TWENTY_DIGITS, "date": "2025-01-10"},
        format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 400 and "out of range" in en.json()["amount"][0]
    assert LedgerEntry.objects.filter(debt=debt).count() == 1  # the opening invoice only


def test_no_entry_before_the_contract_was_signed(people, debt):
    with pytest.raises(LedgerError) as refused:
        ledger.post_entry(debt.pk, "payment", "10.00", datetime.date(2024, 3, 14), by=people["finance"])
    assert refused.value.field == "date" and "2024-03-15" in str(refused.value)
    ledger.post_entry(debt.pk, "payment", "10.00", datetime.date(2024, 3, 15), by=people["finance"])
    url = reverse("debts:add_entry", kwargs={"pk": debt.pk})
    page = _client(people["handler"]).post(url, {"kind": "payment", "amount": "5.00", "date": "2024-01-02"})
    assert page.status_code == 200
    assert "早于合同签订日期 2024-03-15" in page.context["entry_form"].errors["date"][0]
    api = _client(people["handler"], api=True).post(
        f"/api/debts/{debt.pk}/entries/", {"kind": "payment", "amount": "5.00", "date": "2024-01-02"}, format="json")
    assert api.status_code == 400 and "合同签订" in api.json()["date"][0]
    en = _client(people["handler"], api=True).post(
        f"/api/debts/{debt.pk}/entries/", {"kind": "payment", "amount": "5.00", "date": "2024-01-02"},
        format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "before the contract was signed" in en.json()["date"][0]
    assert LedgerEntry.objects.filter(debt=debt, kind="payment").count() == 1


def test_without_a_signing_date_a_mistyped_year_is_still_refused(people, org):
    d = f.debt(org["a"], people["handler"], amount="1000.00")
    assert d.contract.signed_on is None
    with pytest.raises(LedgerError) as refused:
        ledger.post_entry(d.pk, "payment", "10.00", datetime.date(202, 1, 1), by=people["finance"])
    assert refused.value.field == "date" and "1990-01-01" in str(refused.value)
