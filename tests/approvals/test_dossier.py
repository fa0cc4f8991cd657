"""The decision dossier on every task page and in the API (rule R4.101), and a signature that
covers exactly what the signer was shown (rule R4.102)."""
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from approvals import inbox
from approvals.models import Chain, Decision, Signature
from documents import services as archive
from documents.catalogue import DocType
from documents.models import AccessLog, Action, Document
from workflows.models import DebtClock

from .helpers import PASSWORD, act, api, claim, client_for, files, open_task, overdue_debt, pdf, start, text

pytestmark = pytest.mark.django_db


def write_off_at_gm(org, people):
    debt = overdue_debt(org, people, amount="120000.00", bankrupt=True, bankrupt_on=date(2024, 5, 1))
    data = {"reason": "破产财产已分配完毕", "condition": "bankrupt",
            **files(DocType.WRITE_OFF_APPLICATION, DocType.BANKRUPTCY_RULING)}
    response, process = start(people["handler"], Chain.WRITE_OFF, debt, **data)
    assert response.status_code == 302, response.content.decode()[:1500]
    assert act(people["committee"], process, "committee_review", comment="证据齐全").status_code == 302
    return debt, process


def test_task_page_shows_debt_path_and_documents(org, people):
    debt, process = write_off_at_gm(org, people)
    DebtClock.objects.update_or_create(debt=debt,
                                       defaults={"limitation_deadline": timezone.localdate() + timedelta(days=40)})
    task = open_task(process, "gm_instruction")
    page = text(client_for(people["gm"]).get(inbox.task_url(task)))
    # the debt, with links to it and its case file
    assert reverse("debts:detail", kwargs={"pk": debt.pk}) in page
    assert reverse("archive:case_file", kwargs={"debt_id": debt.pk}) in page
    assert debt.debtor.name in page and "120,000.00" in page
    assert "剩余 40 天" in page and 'class="qq-lapsed"' not in page
    # the path: the request, 清欠办's decision by whom, this step, and what follows
    path = page.split('id="dossier-path"')[1].split("</ol>")[0]
    assert "提交申请" in path and "清欠办审核" in path and "committee" in path and "证据齐全" in path
    assert "本步骤" in path and "审批机构批准" in path and "后续步骤" in path
    # every document with type, version, uploader, time and the start of its hash, previewable
    for doc in Document.objects.filter(case_file__debt=debt):
        assert f'data-document="{doc.pk}"' in page
        assert doc.sha256[:12] in page
        assert reverse("documents:preview", kwargs={"pk": doc.pk}) in page
    assert "坏账核销申请报告" in page and "handler_a" in page and " v1 " in page


def test_lapsed_limitation_is_shown_in_red(org, people):
    debt, process = write_off_at_gm(org, people)
    DebtClock.objects.update_or_create(debt=debt,
                                       defaults={"limitation_deadline": timezone.localdate() - timedelta(days=3)})
    page = text(client_for(people["gm"]).get(inbox.task_url(open_task(process, "gm_instruction"))))
    assert 'id="dossier-limitation" class="qq-lapsed"' in page and "已届满 3 天" in page


def test_required_documents_come_first_marked_present_or_missing(org, people):
    debt, process = write_off_at_gm(org, people)
    assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    task = open_task(process, "authority_approval")
    page = text(client_for(people["gm_office"]).get(inbox.task_url(task)))
    required = page.split('id="dossier-required"')[1].split("</table>")[0]
    assert "会议批准文件" in required and "缺少" in required and "已提供" not in required
    others = page.split('id="dossier-others"')[1].split("</table>")[0]
    assert "坏账核销申请报告" in others and "破产宣告裁定" in others
    archive.attach(debt, DocType.MEETING_RESOLUTION, pdf("resolution.pdf"), people["committee"])
    page = text(client_for(people["gm_office"]).get(inbox.task_url(task)))
    required = page.split('id="dossier-required"')[1].split("</table>")[0]
    assert "已提供" in required and "缺少" not in required and "会议批准文件 " + debt.code in required


def test_preview_is_served_inline_framable_by_us_and_recorded(org, people):
    debt, _process = write_off_at_gm(org, people)
    doc = Document.objects.filter(case_file__debt=debt, doc_type=DocType.BANKRUPTCY_RULING).get()
    response = client_for(people["gm"]).get(reverse("documents:preview", kwargs={"pk": doc.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "inline" in response["Content-Disposition"]
    assert AccessLog.objects.filter(document=doc, user=people["gm"], action=Action.PREVIEW).count() == 1
    # out of scope: 404, nothing shown
    assert client_for(people["handler_b"]).get(reverse("documents:preview", kwargs={"pk": doc.pk})).status_code == 404


def test_signature_names_the_versions_it_covers_and_refuses_a_later_one(org, people):
    debt, process = write_off_at_gm(org, people)
    task = open_task(process, "gm_instruction")
    c = client_for(people["gm"])
    claim(people["gm"], task)
    page = text(c.get(inbox.execute_url(task)))
    box = page.split('id="signature-box"')[1].split("</fieldset>")[0]
    shown = Document.objects.filter(case_file__debt=debt)
    for doc in shown:
        assert f"v{doc.version}" in box and doc.sha256[:12] in box
    token = re.search(r'name="covers" value="([0-9,]*)"', box).group(1)
    assert token == ",".join(str(d.pk) for d in sorted(shown, key=lambda d: d.pk))

    later = archive.attach(debt, DocType.OTHER_EVIDENCE, pdf("late.pdf"), people["handler"], title="补充证据")
    refused = c.post(inbox.execute_url(task), {"decision": "approve", "comment": "同意", "password": PASSWORD,
                                               "covers": token})
    body = text(refused)
    assert refused.status_code == 200 and "打开页面后案卷文件有变化" in body and "补充证据" in body
    assert not Decision.objects.filter(process=process, step="gm_instruction").exists()
    # the page now shows the new list; signing it covers the later version too
    new_token = re.search(r'name="covers" value="([0-9,]*)"', body).group(1)
    assert str(later.pk) in new_token.split(",")
    done = c.post(inbox.execute_url(task), {"decision": "approve", "comment": "同意", "password": PASSWORD,
                                            "covers": new_token})
    assert done.status_code == 302
    signature = Signature.objects.get(decision__process=process, decision__step="gm_instruction")
    assert later.pk in {d["id"] for d in signature.documents}


def test_api_task_detail_carries_the_dossier_and_checks_covers(org, people):
    debt, process = write_off_at_gm(org, people)
    task = open_task(process, "gm_instruction")
    detail = api(people["gm"]).get(f"/api/tasks/{task.pk}/")
    assert detail.status_code == 200
    dossier = detail.json()["dossier"]
    assert dossier["debt"]["code"] == debt.code and dossier["debt"]["balance"] == "120000.00"
    assert "days_left" in dossier["debt"] and dossier["signs"] is True
    assert {d["doc_type"] for d in dossier["others"]} == {"write_off_application", "bankruptcy_ruling"}
    assert [p["state"] for p in dossier["path"]][:3] == ["done", "done", "current"]
    # out of scope: 404
    assert api(people["handler_b"]).get(f"/api/tasks/{task.pk}/").status_code == 404

    assert api(people["gm"]).post(f"/api/tasks/{task.pk}/claim/").status_code == 200
    archive.attach(debt, DocType.OTHER_EVIDENCE, pdf("late.pdf"), people["handler"])
    stale = api(people["gm"]).post(f"/api/tasks/{task.pk}/complete/",
                                   {"decision": "approve", "password": PASSWORD, "covers": dossier["covers"]})
    assert stale.status_code == 400 and "covers" in stale.json()
    assert not Decision.objects.filter(process=process, step="gm_instruction").exists()
    fresh = api(people["gm"]).get(f"/api/tasks/{task.pk}/").json()["dossier"]["covers"]
    ok = api(people["gm"]).post(f"/api/tasks/{task.pk}/complete/",
                                {"decision": "approve", "password": PASSWORD, "covers": fresh})
    assert ok.status_code == 200, ok.content


def test_download_keeps_one_extension_and_titles_default_to_type_and_debt(org, people):
    debt = overdue_debt(org, people)
    typed = archive.attach(debt, DocType.WRITE_OFF_APPLICATION, pdf("x.pdf"), people["handler"],
                           title="writeoff_report.pdf")
    response = client_for(people["handler"]).get(reverse("documents:download", kwargs={"pk": typed.pk}))
    assert 'filename="writeoff_report.pdf"' in response["Content-Disposition"]
    untitled = archive.attach(debt, DocType.WRITE_OFF_APPLICATION, pdf("scan_0001.pdf"), people["handler"])
    assert untitled.title == f"坏账核销申请报告 {debt.code}"
    response = client_for(people["handler"]).get(reverse("documents:download", kwargs={"pk": untitled.pk}))
    assert ".pdf.pdf" not in response["Content-Disposition"] and ".pdf" in response["Content-Disposition"]
