"""Requests that say what they need (rule R4.103): one labelled slot per required document for
the chosen chain and write-off condition, re-rendered without JavaScript when it changes."""
import re
from datetime import date

import pytest
from django.urls import reverse

from approvals.models import Chain, ChainProcess
from documents.catalogue import DocType
from documents.models import Document

from .helpers import client_for, overdue_debt, pdf, text

pytestmark = pytest.mark.django_db


def start_page(user, chain, debt):
    c = client_for(user)
    first = c.get(reverse("approvals:start", args=[chain, debt.pk]))
    return c, first["Location"]


def slots(html):
    return re.findall(r'<div class="qq-slot[^"]*" data-slot="\d+">\s*(.*?)</div>\s*(?=<div class="qq-slot|</div>)',
                      html, flags=re.S)


def test_write_off_form_names_each_required_document_for_the_condition(org, people):
    debt = overdue_debt(org, people, bankrupt=True, bankrupt_on=date(2024, 5, 1), deceased=True)
    c, url = start_page(people["handler"], Chain.WRITE_OFF, debt)
    page = text(c.get(url))
    section = page.split('id="required-slots"')[1].split("其他附件")[0]
    # the first condition (deceased): the report and a death or prosecutor certificate
    assert section.count('data-slot="') == 2
    assert "坏账核销申请报告" in section and "死亡/注销证明" in section and "检察机关证明" in section
    assert "破产宣告裁定" not in section
    # another condition, without JavaScript: the refresh button re-renders for it, keeping the reason
    page = text(c.post(url, {"refresh": "1", "condition": "bankrupt", "reason": "破产清算完毕"}))
    section = page.split('id="required-slots"')[1].split("其他附件")[0]
    assert "破产宣告裁定" in section and "死亡/注销证明" not in section
    assert "破产清算完毕" in page and "errorlist" not in section
    assert not ChainProcess.objects.filter(debt=debt).exists()


def test_a_request_through_the_slots_is_filed_with_typed_titles(org, people):
    debt = overdue_debt(org, people, bankrupt=True, bankrupt_on=date(2024, 5, 1))
    c, url = start_page(people["handler"], Chain.WRITE_OFF, debt)
    response = c.post(url, {"reason": "破产清算完毕", "condition": "bankrupt",
                            "slot_1": pdf("scan_0001.pdf"), "slot_2": pdf("scan_0002.pdf")})
    assert response.status_code == 302, text(response)[-3000:]
    process = ChainProcess.objects.get(debt=debt)
    assert process.chain == Chain.WRITE_OFF
    docs = {d.doc_type: d.title for d in Document.objects.filter(case_file__debt=debt)}
    assert docs == {DocType.WRITE_OFF_APPLICATION: f"坏账核销申请报告 {debt.code}",
                    DocType.BANKRUPTCY_RULING: f"破产宣告裁定 {debt.code}"}


def test_a_slot_of_several_types_asks_which_and_missing_ones_are_named(org, people):
    debt = overdue_debt(org, people, due=date(2019, 1, 31))
    c, url = start_page(people["handler"], Chain.WRITE_OFF, debt)
    refused = c.post(url, {"reason": "三年未履行", "condition": "no_performance", "slot_1": pdf("a.pdf"),
                           "slot_2": pdf("b.pdf")})
    page = text(refused)
    assert refused.status_code == 200 and "核销证据：请选择文件类型" in page
    refused = c.post(url, {"reason": "三年未履行", "condition": "no_performance", "slot_1": pdf("a.pdf")})
    page = text(refused)
    assert "缺少必需文件" in page and "核销证据" in page and "三年未履行" in page
    assert not ChainProcess.objects.filter(debt=debt).exists()
    ok = c.post(url, {"reason": "三年未履行", "condition": "no_performance", "slot_1": pdf("a.pdf"),
                      "slot_2": pdf("b.pdf"), "slot_2_type": DocType.POSTAL_EVIDENCE_LETTER})
    assert ok.status_code == 302
    assert Document.objects.filter(case_file__debt=debt, doc_type=DocType.POSTAL_EVIDENCE_LETTER).exists()


def test_documents_already_in_the_case_file_are_shown_in_their_slot(org, people):
    from documents import services as archive
    debt = overdue_debt(org, people, bankrupt=True, bankrupt_on=date(2024, 5, 1))
    archive.attach(debt, DocType.BANKRUPTCY_RULING, pdf("ruling.pdf"), people["handler"])
    c, url = start_page(people["handler"], Chain.WRITE_OFF, debt)
    page = text(c.get(url + "&condition=bankrupt"))
    assert "案卷中已有：破产宣告裁定《破产宣告裁定 " + debt.code + "》v1" in page
    ok = c.post(url, {"reason": "破产", "condition": "bankrupt", "slot_1": pdf("report.pdf")})
    assert ok.status_code == 302


def test_litigation_asks_for_the_risk_analysis(org, people):
    debt = overdue_debt(org, people)
    c, url = start_page(people["handler"], Chain.LITIGATION, debt)
    section = text(c.get(url)).split('id="required-slots"')[1].split("其他附件")[0]
    assert section.count('data-slot="') == 1 and "法律风险分析" in section
