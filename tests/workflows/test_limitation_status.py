"""The limitation status on the debt and collection pages (issue 19 item 9; rules R5.8, R5.13):
the deadline with the days left counted from today, lapsed in red, in both languages."""
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from workflows import lifecycle
from workflows.models import DebtClock, State


@pytest.fixture
def debt(org, people):
    d = f.debt(org["a"], people["handler"], due=date(2024, 1, 31))
    lifecycle.apply_transition(d.pk, State.OVERDUE)
    return d


def clock(debt, days_left, **flags):
    DebtClock.objects.update_or_create(debt=debt, defaults={
        "limitation_deadline": timezone.localdate() + timedelta(days=days_left), **flags})


def status(html):
    found = re.search(r'<span class="(qq-limitation[^"]*)" id="limitation-status"[^>]*>(.*?)</span>', html, re.S)
    return found.group(1), " ".join(found.group(2).split())


PAGES = [lambda d: reverse("debts:detail", kwargs={"pk": d.pk}),
         lambda d: reverse("collect:debt", kwargs={"debt_id": d.pk})]


@pytest.mark.parametrize("page", PAGES, ids=["debt", "collection"])
def test_days_left_before_the_deadline(client, people, debt, page):
    clock(debt, 120)
    client.force_login(people["handler"])
    css, text = status(client.get(page(debt)).content.decode())
    deadline = (timezone.localdate() + timedelta(days=120)).isoformat()
    assert text == f"{deadline} 届满，剩余 120 天"
    assert "lapsed" not in css
    css, text = status(client.get(page(debt), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert text == f"lapses on {deadline}, 120 days left"


@pytest.mark.parametrize("page", PAGES, ids=["debt", "collection"])
def test_lapsed_in_red(client, people, debt, page):
    clock(debt, -5, lapsed=True, needs_review=True)
    client.force_login(people["handler"])
    html = client.get(page(debt)).content.decode()
    css, text = status(html)
    assert "qq-limitation--lapsed" in css
    assert text.startswith("已届满") and "已过 5 天" in text
    assert 'id="limitation-review"' in html
    _css, text = status(client.get(page(debt), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert text.startswith("Lapsed") and "5 days ago" in text


def test_within_a_warning_band_in_orange_and_counted_from_today(client, people, debt):
    """The run wrote the deadline days ago; the page counts from today, not from the run."""
    clock(debt, 30, warning_days=30)
    client.force_login(people["handler"])
    css, text = status(client.get(reverse("debts:detail", kwargs={"pk": debt.pk})).content.decode())
    assert "qq-limitation--soon" in css and "剩余 30 天" in text


def test_before_the_first_run_it_says_so(client, people, debt):
    client.force_login(people["handler"])
    _css, text = status(client.get(reverse("debts:detail", kwargs={"pk": debt.pk})).content.decode())
    assert text == "尚未计算（每日任务运行后显示）"


def test_the_collection_worklist_shows_it_per_row(client, people, debt):
    clock(debt, -1, lapsed=True)
    client.force_login(people["handler"])
    html = client.get(reverse("collect:index")).content.decode()
    row = re.search(rf"<tr><td><a [^>]*>{debt.code}</a>.*?</tr>", html, re.S).group(0)
    assert "qq-limitation--lapsed" in row and "已过 1 天" in row
