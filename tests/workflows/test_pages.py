"""The debt pages: list filters, search, pagination, scoping, detail actions, ledger form, admin."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from workflows.debts import views as debt_views
from workflows.lifecycle import apply_transition
from workflows.models import Debt, EntryKind, LedgerEntry, State

LIST = reverse("debts:index")


def detail(debt):
    return reverse("debts:detail", kwargs={"pk": debt.pk})


def codes(response):
    return {d.code for d in response.context["object_list"]}


@pytest.fixture
def debts(org, people):
    h, hb = people["handler"], people["handler_b"]
    today = timezone.localdate()
    made = {
        "a_normal": f.debt(org["a"], h, due=today + timedelta(days=30), code="QQ-A-NORMAL",
                           debtor_obj=f.debtor("华东建材有限公司")),
        "a_overdue_10": f.debt(org["a"], h, due=today - timedelta(days=10), code="QQ-A-OD10",
                               category="retention"),
        "a1_overdue_100": f.debt(org["a1"], h, due=today - timedelta(days=100), code="QQ-A1-OD100"),
        "b_overdue_400": f.debt(org["b"], hb, due=today - timedelta(days=400), code="QQ-B-OD400",
                                debtor_obj=f.debtor("西南重工集团")),
    }
    for key in ("a_overdue_10", "a1_overdue_100", "b_overdue_400"):
        apply_transition(made[key].pk, State.OVERDUE, reason="到期未收回")
        made[key].refresh_from_db()
    return made


@pytest.fixture
def client_for(client):
    def as_user(user):
        client.force_login(user)
        return client
    return as_user


# --- access -------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, debts):
    for url in (LIST, detail(debts["a_normal"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")


def test_user_without_view_permission_is_refused(client_for, org, debts):
    nobody = f.user("nobody", None, org["a"])
    assert client_for(nobody).get(LIST).status_code == 403
    assert client_for(nobody).get(detail(debts["a_normal"])).status_code == 403


def test_root_lands_on_debt_list(client_for, people, debts):
    client = client_for(people["handler"])
    response = client.get("/", follow=True)
    assert response.redirect_chain
    assert response.request["PATH_INFO"] == LIST
    assert "QQ-A-NORMAL" in codes(response)


# --- scoping ------------------------------------------------------------------------------

def test_handler_sees_own_unit_and_children_not_sibling(client_for, people, debts):
    response = client_for(people["handler"]).get(LIST)
    assert codes(response) == {"QQ-A-NORMAL", "QQ-A-OD10", "QQ-A1-OD100"}
    # the unit filter offers only units in scope
    units = {u.code for u in response.context["filter"].form.fields["unit"].queryset}
    assert units == {"A", "A1"}


def test_other_units_debt_detail_is_404(client_for, people, debts):
    client = client_for(people["handler"])
    assert client.get(detail(debts["b_overdue_400"])).status_code == 404
    assert client.get(detail(debts["a1_overdue_100"])).status_code == 200


def test_group_level_role_sees_every_unit(client_for, people, debts):
    response = client_for(people["auditor"]).get(LIST)
    assert codes(response) == {d.code for d in debts.values()}
    assert client_for(people["auditor"]).get(detail(debts["b_overdue_400"])).status_code == 200


# --- filters, search, pagination ----------------------------------------------------------

def test_filter_by_state(client_for, people, debts):
    response = client_for(people["auditor"]).get(LIST, {"state": "overdue"})
    assert codes(response) == {"QQ-A-OD10", "QQ-A1-OD100", "QQ-B-OD400"}
    response = client_for(people["auditor"]).get(LIST, {"state": "normal"})
    assert codes(response) == {"QQ-A-NORMAL"}


def test_filter_by_unit_handler_category(client_for, people, debts, org):
    client = client_for(people["auditor"])
    assert codes(client.get(LIST, {"unit": org["a1"].pk})) == {"QQ-A1-OD100"}
    assert codes(client.get(LIST, {"handler": people["handler_b"].pk})) == {"QQ-B-OD400"}
    assert codes(client.get(LIST, {"category": "retention"})) == {"QQ-A-OD10"}


@pytest.mark.parametrize("bucket,expected", [
    ("1-30", {"QQ-A-OD10"}),
    ("31-90", set()),
    ("91-180", {"QQ-A1-OD100"}),
    ("181-365", set()),
    ("365+", {"QQ-B-OD400"}),
])
def test_filter_by_days_overdue(client_for, people, debts, bucket, expected):
    assert codes(client_for(people["auditor"]).get(LIST, {"overdue": bucket})) == expected


def test_paid_debt_is_not_counted_overdue(client_for, people, debts):
    from workflows import ledger
    d = debts["a_overdue_10"]
    ledger.post_entry(d.pk, EntryKind.PAYMENT, d.balance, timezone.localdate(), by=people["handler"])
    assert codes(client_for(people["auditor"]).get(LIST, {"overdue": "1-30"})) == set()


def test_search_by_debtor_contract_and_code(client_for, people, debts):
    client = client_for(people["auditor"])
    assert codes(client.get(LIST, {"q": "西南重工"})) == {"QQ-B-OD400"}
    assert codes(client.get(LIST, {"q": debts["a_normal"].contract.number})) == {"QQ-A-NORMAL"}
    assert codes(client.get(LIST, {"q": "a1-od"})) == {"QQ-A1-OD100"}


def test_search_respects_scope(client_for, people, debts):
    assert codes(client_for(people["handler"]).get(LIST, {"q": "西南重工"})) == set()


def test_list_shows_days_overdue_and_balance(client_for, people, debts):
    response = client_for(people["auditor"]).get(LIST, {"q": "QQ-A1-OD100"})
    html = response.content.decode()
    assert ">100<" in html
    assert "1,000.00" in html  # thousands separators (issue 19 item 7)
    assert "逾期" in html


def test_pagination_25_per_page_keeps_filters(client_for, people, org):
    h = people["handler"]
    for i in range(30):
        f.debt(org["a"], h, code=f"QQ-P-{i:03d}")
    client = client_for(h)
    first = client.get(LIST, {"state": "normal"})
    assert len(first.context["object_list"]) == 25
    assert first.context["paginator"].count == 30
    assert "state=normal&amp;page=2" in first.content.decode()
    second = client.get(LIST, {"state": "normal", "page": 2})
    assert len(second.context["object_list"]) == 5
    assert not codes(first) & codes(second)


# --- detail and actions -------------------------------------------------------------------

def test_detail_shows_balance_entries_and_history(client_for, people, debts):
    d = debts["a_overdue_10"]
    response = client_for(people["handler"]).get(detail(d))
    html = response.content.decode()
    assert d.debtor.name in html and d.contract.number in html
    assert "1,000.00" in html  # thousands separators (issue 19 item 7)
    assert "开票/应收" in html
    assert "到期未收回" in html  # history reason
    assert "逾期" in html


def test_handler_gets_entry_form_auditor_gets_no_actions(client_for, people, debts):
    d = debts["a_overdue_10"]
    handler_page = client_for(people["handler"]).get(detail(d))
    assert handler_page.context["entry_form"] is not None
    assert 'id="entry-form"' in handler_page.content.decode()
    auditor_page = client_for(people["auditor"]).get(detail(d))
    assert auditor_page.context["entry_form"] is None
    assert 'id="entry-form"' not in auditor_page.content.decode()
    assert 'id="debt-actions"' not in auditor_page.content.decode()


def test_entry_kinds_follow_state(client_for, people, debts):
    d = debts["a_overdue_10"]
    f.authorise(d, State.WRITTEN_OFF, people["gm"])
    apply_transition(d.pk, State.WRITTEN_OFF, by=people["gm"])
    form = client_for(people["handler"]).get(detail(d)).context["entry_form"]
    assert {k for k, _ in form.fields["kind"].choices} == {"recovery", "adjustment"}


def test_approval_actions_are_rendered_from_approvals_module(client_for, people, debts, monkeypatch):
    def available_actions(debt, user):
        if user.groups.filter(name="handler").exists():
            return [{"label": "申请上门催收", "url": f"/approvals/visit/{debt.pk}/"}]
        return []

    monkeypatch.setattr(debt_views, "available_actions", available_actions)
    d = debts["a_overdue_10"]
    assert "申请上门催收" in client_for(people["handler"]).get(detail(d)).content.decode()
    assert "申请上门催收" not in client_for(people["auditor"]).get(detail(d)).content.decode()


# --- the ledger entry form ----------------------------------------------------------------

def entry_url(debt):
    return reverse("debts:add_entry", kwargs={"pk": debt.pk})


def test_payment_is_recorded(client_for, people, debts):
    d = debts["a_overdue_10"]
    today = timezone.localdate().isoformat()
    response = client_for(people["handler"]).post(entry_url(d), {
        "kind": "payment", "amount": "400.00", "date": today, "reference": "银行回单001"})
    assert response.status_code == 302 and response.url == detail(d)
    d.refresh_from_db()
    assert d.balance == Decimal("600.00")
    entry = LedgerEntry.objects.get(debt=d, kind="payment")
    assert entry.created_by == people["handler"] and entry.reference == "银行回单001"


def test_full_payment_clears_the_debt(client_for, people, debts):
    d = debts["a_overdue_10"]
    client_for(people["handler"]).post(entry_url(d), {
        "kind": "payment", "amount": "1000", "date": timezone.localdate().isoformat()})
    d.refresh_from_db()
    assert d.state == State.CLEARED and d.balance == 0


def test_over_balance_payment_shows_field_error_and_saves_nothing(client_for, people, debts):
    d = debts["a_overdue_10"]
    before = LedgerEntry.objects.filter(debt=d).count()
    response = client_for(people["handler"]).post(entry_url(d), {
        "kind": "payment", "amount": "1500.00", "date": timezone.localdate().isoformat()})
    assert response.status_code == 200
    errors = response.context["entry_form"].errors
    assert "大于债权余额" in errors["amount"][0]
    assert "金额" in response.content.decode() and "大于债权余额" in response.content.decode()
    assert LedgerEntry.objects.filter(debt=d).count() == before
    d.refresh_from_db()
    assert d.balance == Decimal("1000.00")


@pytest.mark.parametrize("amount,message", [("abc", "不是数字"), ("1.234", "最多两位小数"), ("-5", "大于零")])
def test_bad_amount_is_named(client_for, people, debts, amount, message):
    d = debts["a_overdue_10"]
    response = client_for(people["handler"]).post(entry_url(d), {
        "kind": "payment", "amount": amount, "date": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert message in response.context["entry_form"].errors["amount"][0]
    assert LedgerEntry.objects.filter(debt=d, kind="payment").count() == 0


def test_kind_not_allowed_in_state_is_refused(client_for, people, debts):
    d = debts["a_overdue_10"]
    response = client_for(people["handler"]).post(entry_url(d), {
        "kind": "recovery", "amount": "10", "date": timezone.localdate().isoformat()})
    assert response.status_code == 200
    assert "kind" in response.context["entry_form"].errors
    assert not LedgerEntry.objects.filter(debt=d, kind="recovery").exists()


def test_auditor_cannot_post_entry(client_for, people, debts):
    d = debts["a_overdue_10"]
    response = client_for(people["auditor"]).post(entry_url(d), {
        "kind": "payment", "amount": "10", "date": timezone.localdate().isoformat()})
    assert response.status_code == 403
    assert not LedgerEntry.objects.filter(debt=d, kind="payment").exists()


def test_out_of_scope_post_is_404(client_for, people, debts):
    d = debts["b_overdue_400"]
    response = client_for(people["handler"]).post(entry_url(d), {
        "kind": "payment", "amount": "10", "date": timezone.localdate().isoformat()})
    assert response.status_code == 404
    assert not LedgerEntry.objects.filter(debt=d, kind="payment").exists()


def test_entry_post_needs_csrf(people, debts):
    from django.test import Client
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["handler"])
    d = debts["a_overdue_10"]
    response = client.post(entry_url(d), {"kind": "payment", "amount": "10",
                                          "date": timezone.localdate().isoformat()})
    assert response.status_code == 403
    assert not LedgerEntry.objects.filter(debt=d, kind="payment").exists()


# --- the admin path -----------------------------------------------------------------------

def test_admin_cannot_change_debt_state(client, org, debts):
    from workflows.models import User
    admin = User.objects.create_superuser("root", "root@example.com", "pw-Qingqian-2026")
    client.force_login(admin)
    d = debts["a_overdue_10"]
    url = reverse("admin:workflows_debt_change", args=[d.pk])
    response = client.post(url, {"state": State.WRITTEN_OFF, "code": d.code, "balance": "0"})
    assert response.status_code == 403
    d.refresh_from_db()
    assert d.state == State.OVERDUE and d.balance == Decimal("1000.00")
    assert not d.state_changes.filter(to_state=State.WRITTEN_OFF).exists()
    assert client.post(reverse("admin:workflows_debt_add"), {"code": "X"}).status_code == 403
    assert Debt.objects.filter(code="X").count() == 0


def test_page_past_the_end_shows_the_last_page(client, people, org):
    from tests import factories as f

    for _ in range(27):
        f.debt(org["a"], people["handler"])
    client.force_login(people["handler"])
    response = client.get("/debts/", {"page": 99})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2
    assert len(response.context["object_list"]) == 2


def test_user_names_read_family_name_first(db):
    from workflows.models import User

    assert User(username="zw", last_name="张", first_name="伟").get_full_name() == "张伟"


def test_import_menu_entry_only_for_finance(client, people, org):
    client.force_login(people["finance"])
    assert "/workflows/import/" in client.get("/debts/").content.decode()
    client.force_login(people["handler"])
    assert "/workflows/import/" not in client.get("/debts/").content.decode()


def test_no_page_fires_a_gated_transition_without_an_authorisation(client, people, org):
    """The view path: whatever a user posts to the debt pages, a gated edge stays shut."""
    from tests import factories as f
    from workflows import lifecycle
    from workflows.models import EntryKind, LedgerEntry, State

    debt = f.debt(org["a"], people["handler"], amount="300.00")
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    for role in ("handler", "finance", "committee", "gm"):
        client.force_login(people[role])
        client.post(f"/debts/{debt.pk}/", {"state": "written_off"})
        client.post(f"/debts/{debt.pk}/entries/", {"kind": EntryKind.WRITE_OFF, "amount": "300.00",
                                                   "date": "2025-03-01", "reference": "x"})
        client.post(f"/debts/{debt.pk}/entries/", {"kind": EntryKind.IN_KIND_OFFSET, "amount": "300.00",
                                                   "date": "2025-03-01", "reference": "x"})
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE
    assert not LedgerEntry.objects.filter(debt=debt, kind__in=[EntryKind.WRITE_OFF, EntryKind.IN_KIND_OFFSET]).exists()
    assert not debt.authorisations.exists()
