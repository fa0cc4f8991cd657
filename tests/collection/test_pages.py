import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from collection.letters import draft_letter
from collection.models import Contact, LegalCase, Letter, PaymentPlan, Stage
from tests import factories as f
from tests.approvals.helpers import pdf

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def work_url(debt):
    return reverse("collect:debt", kwargs={"debt_id": debt.pk})


def test_pages_need_login_and_scope(overdue, people):
    assert Client().get(reverse("collect:index")).status_code == 302
    other = f.debt(people["handler_b"].unit, people["handler_b"])
    c = client_for(people["handler"])
    assert c.get(reverse("collect:debt", kwargs={"debt_id": other.pk})).status_code == 404
    assert c.post(reverse("collection:contact", kwargs={"debt_id": other.pk}),
                  {"kind": "phone", "outcome": "x"}).status_code == 404
    page = c.get(reverse("collect:index"))
    assert overdue.code in page.content.decode() and other.code not in page.content.decode()
    assert c.get(reverse("collect:legal")).status_code == 403


def field_errors(html, field):
    """The errors shown next to one field (qq/fields.html), as text."""
    found = re.search(rf'<ul class="qq-error" id="id_{field}-errors">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(1)).split() if found else []


def test_contact_form_logs_and_reports_field_errors_in_chinese(overdue, people):
    c = client_for(people["handler"])
    bad = c.post(reverse("collection:contact", kwargs={"debt_id": overdue.pk}),
                 {"kind": "phone", "outcome": "答应付款", "promise_amount": "abc"})
    html = bad.content.decode()
    # The page again (not a redirect), the typed input kept, the error next to its field.
    assert bad.status_code == 422
    assert field_errors(html, "promise_amount") == ["请输入金额数字"]
    assert re.search(r'<textarea[^>]*name="outcome"[^>]*>\s*答应付款</textarea>', html)
    assert re.search(r'<input[^>]*name="promise_amount"[^>]*value="abc"', html)
    assert "承诺还款金额：请输入金额数字" in html  # also named in the red summary above
    assert 'class="qc-messages qc-messages--error"' in html
    assert not Contact.objects.exists()
    # A refusal of the service (not of the form): above the form, in the error colour, input kept.
    bad = c.post(reverse("collection:contact", kwargs={"debt_id": overdue.pk}),
                 {"kind": "phone", "outcome": "答应付款", "promise_amount": "5000"})
    html = bad.content.decode()
    assert bad.status_code == 422 and not Contact.objects.exists()
    above = r'<ul class="qq-error qq-form-errors" data-qq-invalid><li>承诺还款：金额和日期须同时填写</li>'
    assert re.search(above, html)
    assert re.search(r'<input[^>]*name="promise_amount"[^>]*value="5000"', html)
    ok = c.post(reverse("collection:contact", kwargs={"debt_id": overdue.pk}),
                {"kind": "phone", "outcome": "答应月底付款", "promise_amount": "5000",
                 "promise_date": timezone.localdate().isoformat()}, follow=True)
    assert "答应月底付款" in ok.content.decode()
    assert Contact.objects.get().promise_state == "open"
    # The auditor reads, never writes.
    assert client_for(people["auditor"]).post(reverse("collection:contact", kwargs={"debt_id": overdue.pk}),
                                              {"kind": "phone", "outcome": "x"}).status_code == 403


def test_letter_and_plan_through_the_pages(overdue, people):
    c = client_for(people["handler"])
    draft = draft_letter(overdue, "demand", by=people["handler"])
    c.post(reverse("collection:letter", kwargs={"debt_id": overdue.pk}),
           {"kind": "demand", "attention": draft.attention, "address": draft.address,
            "fingerprint": draft.fingerprint, "preview_token": "5d1c3f57-54a4-4f3e-8c59-8f7a8c7f0a11"})
    letter = Letter.objects.get()
    assert letter.document.system_generated
    url = reverse("collection:receipt", kwargs={"pk": letter.pk})
    r = c.post(url, {"proof_kind": "receipt", "tracking_no": "EMS1", "receipt_date": timezone.localdate().isoformat()},
               follow=True)
    html = r.content.decode()
    assert "回执扫描件/存证证明：请选择文件" in html  # a tracking number alone proves nothing
    # the letter's own receipt form is open again with the tracking number kept
    assert re.search(r'<details open>.*?name="tracking_no"[^>]*value="EMS1"', html, re.S)
    r = c.post(url, {"proof_kind": "receipt", "tracking_no": "EMS1", "receipt_date": timezone.localdate().isoformat(),
                     "file": pdf("回执.pdf")}, follow=True)
    assert "已登记回执" in r.content.decode()
    today = timezone.localdate()
    c.post(reverse("collection:plan", kwargs={"debt_id": overdue.pk}),
           {"agreed_on": today.isoformat(), "schedule": f"{today.replace(year=today.year + 1).isoformat()} 1000.00"})
    plan = PaymentPlan.objects.get()
    c.post(reverse("collection:plan_payment", kwargs={"pk": plan.pk}), {"amount": "400", "date": today.isoformat()})
    assert plan.instalments.get().paid_amount == Decimal("400.00")
    page = c.get(work_url(overdue)).content.decode()
    assert letter.number in page and "EMS1" in page and "¥400.00" in page


def test_legal_team_moves_a_case_and_skipping_is_refused(in_legal, people):
    legal = client_for(people["legal"])
    assert client_for(people["handler"]).post(reverse("collection:take_case", kwargs={"debt_id": in_legal.pk}),
                                              {}).status_code == 403
    legal.post(reverse("collection:take_case", kwargs={"debt_id": in_legal.pk}), {})
    case = LegalCase.objects.get()
    today = timezone.localdate().isoformat()
    r = legal.post(reverse("collection:stage", kwargs={"pk": case.pk}), {"stage": "judgment", "on": today,
                                                                        "outcome": "judgment",
                                                                        "judgment_amount": "1"}, follow=True)
    assert "下一步只能是“立案”" in r.content.decode()
    legal.post(reverse("collection:stage", kwargs={"pk": case.pk}),
               {"stage": "filed", "on": today, "court": "天河区人民法院", "case_number": "(2026)粤0106民初9号"})
    case.refresh_from_db()
    assert case.stage == Stage.FILED
    board = legal.get(reverse("collect:legal")).content.decode()
    assert "(2026)粤0106民初9号" in board
    assert legal.get(reverse("collect:case", kwargs={"pk": case.pk})).status_code == 200


def test_agency_registry(people):
    c = client_for(people["committee"])
    r = c.post(reverse("collection:agency_add"), {"name": "广东某律师事务所", "kind": "law_firm",
                                                  "default_fee_percent": "120"}, follow=True)
    html = r.content.decode()
    assert "默认费率(%)：须在 0 到 100 之间" in html
    assert field_errors(html, "default_fee_percent") == ["须在", "0", "到", "100", "之间"]
    assert re.search(r'name="name"[^>]*value="广东某律师事务所"', html)
    c.post(reverse("collection:agency_add"),
           {"name": "广东某律师事务所", "kind": "law_firm", "default_fee_percent": "12"})
    assert "广东某律师事务所" in c.get(reverse("collect:agencies")).content.decode()
