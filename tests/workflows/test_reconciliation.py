"""Monthly reconciliation (rule R5.18): issue, answer line by line, resolve, warn."""
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests import factories as f
from workflows.exceptions import ReconciliationError
from workflows.ledger import post_entry
from workflows.models import EntryKind, LineAnswer, Statement
from workflows.reconciliation import answer_lines, issue_statements, resolve_line, unreconciled


@pytest.fixture
def month(org, people, time_machine):
    time_machine.move_to("2025-04-10T10:00:00+08:00", tick=False)
    h = people["handler"]
    d1 = f.debt(org["a"], h, amount="1200.00", due=date(2025, 1, 31))
    d2 = f.debt(org["a1"], h, amount="800.00", due=date(2025, 2, 28))
    post_entry(d1.pk, EntryKind.PAYMENT, D("200.00"), date(2025, 3, 15), by=h)
    post_entry(d1.pk, EntryKind.PAYMENT, D("100.00"), date(2025, 4, 2), by=h)   # after the month's end
    theirs = f.debt(org["b"], people["handler_b"], amount="500.00")
    return {"d1": d1, "d2": d2, "theirs": theirs}


def test_finance_issues_one_statement_per_handler_with_month_end_balances(month, people):
    made = issue_statements(by=people["finance"], month=date(2025, 3, 1))
    assert [s.handler for s in made] == [people["handler"]]        # unit A's finance: unit B not in scope
    lines = {line.debt_id: line.balance for line in made[0].lines.all()}
    assert lines == {month["d1"].pk: D("1000.00"), month["d2"].pk: D("800.00")}   # as at 31 March
    assert issue_statements(by=people["finance"], month=date(2025, 3, 1)) == []   # twice changes nothing
    assert Statement.objects.count() == 1
    with pytest.raises(ReconciliationError, match="不能晚于本月"):
        issue_statements(by=people["finance"], month=date(2025, 5, 1))
    with pytest.raises(PermissionDenied):
        issue_statements(by=people["handler"], month=date(2025, 3, 1))


def test_handler_answers_line_by_line_and_finance_resolves_the_dispute(month, people):
    statement = issue_statements(by=people["finance"], month=date(2025, 3, 1))[0]
    l1, l2 = statement.lines.order_by("debt_id")
    with pytest.raises(ReconciliationError, match="写明哪里不符"):
        answer_lines(by=people["handler"], statement=statement, answers={l2.pk: (LineAnswer.DISPUTED, " ")})
    with pytest.raises(PermissionDenied):
        answer_lines(by=people["handler_b"], statement=statement, answers={l1.pk: (LineAnswer.CONFIRMED, "")})
    answer_lines(by=people["handler"], statement=statement,
                 answers={l1.pk: (LineAnswer.CONFIRMED, ""), l2.pk: (LineAnswer.DISPUTED, "3月28日已回款300元未入账")})
    statement.refresh_from_db()
    assert statement.reconciled_at is None
    assert list(unreconciled(people["finance"])) == [statement]           # March, seen in April
    resolve_line(by=people["finance"], line=l2, resolution="回款在途，4月入账")
    statement.refresh_from_db()
    assert statement.reconciled_at is not None and not unreconciled(people["finance"]).exists()
    l2.refresh_from_db()
    assert (l2.answer, l2.note, l2.resolution) == (LineAnswer.RESOLVED, "3月28日已回款300元未入账", "回款在途，4月入账")


def test_the_pages_keep_what_was_typed_and_warn_of_open_months(month, people, client):
    client.force_login(people["finance"])
    client.post(reverse("debts:statements"), {"month": "2025-03"})
    statement = Statement.objects.get()
    client.force_login(people["handler"])
    l1, l2 = statement.lines.order_by("debt_id")
    url = reverse("debts:statement", kwargs={"pk": statement.pk})
    refused = client.post(url, {f"answer_{l1.pk}": "confirmed", f"answer_{l2.pk}": "disputed", f"note_{l2.pk}": ""})
    body = refused.content.decode()
    assert "写明哪里不符" in body and 'value="confirmed" checked' in body
    assert statement.lines.filter(answer=LineAnswer.PENDING).count() == 2       # nothing half-saved
    client.post(url, {f"answer_{l1.pk}": "confirmed", f"answer_{l2.pk}": "disputed", f"note_{l2.pk}": "金额不符"})
    warnings = client.get(reverse("warnings:reconciliation")).content.decode()
    assert "2025-03" in warnings
    client.force_login(people["handler_b"])
    assert client.get(url).status_code == 404                                     # not theirs
