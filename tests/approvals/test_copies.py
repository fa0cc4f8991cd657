"""抄送 (rules R4.121, R4.122): copies by the chain's settings at the start and at the end, ad-hoc
copies by the requester or an approver, the 抄送我的 list, and read-only access for the copied."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import inbox
from approvals.copies import copy_by_settings
from approvals.models import (
    Chain,
    ChainCopy,
    ChainCopySettings,
    ChainProcess,
    CopyMoment,
    Notification,
    NotificationKind,
)
from documents.catalogue import DocType
from tests import factories as f

from .helpers import act, client_for, files, open_task, overdue_debt, start, text

pytestmark = pytest.mark.django_db


def configure(chain, *, at_start=(), at_end=()):
    ChainCopySettings.objects.update_or_create(chain=chain, defaults={"at_start": list(at_start),
                                                                     "at_end": list(at_end)})


def litigation(org, people):
    debt = overdue_debt(org, people)
    response, process = start(people["handler"], Chain.LITIGATION, debt, reason="拒不还款",
                              **files(DocType.LEGAL_RISK_ANALYSIS))
    assert response.status_code == 302
    return debt, process


def copied(process, moment):
    return set(ChainCopy.objects.filter(process=process, moment=moment).values_list("user__username", flat=True))


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_the_migration_copies_chain_a_to_the_three_departments_and_no_other_chain():
    rows = {s.chain: s for s in ChainCopySettings.objects.all()}
    assert set(rows) == set(Chain.values)
    assert rows[Chain.IN_KIND].at_start == rows[Chain.IN_KIND].at_end == ["committee", "committee_head", "tech",
                                                                         "finance"]
    assert all(not s.at_start and not s.at_end for chain, s in rows.items() if chain != Chain.IN_KIND)


def test_chain_a_start_copy_is_the_inventory_list_on_record_and_follows_the_settings(org, people):
    debt = overdue_debt(org, people, amount="300000.00")
    _, process = start(people["handler"], Chain.IN_KIND, debt, reason="以设备抵债", **files(DocType.INVENTORY_LIST))
    assert copied(process, CopyMoment.START) == {"committee", "committee_head", "tech_a", "finance_a"}
    assert people["tech"].notifications.get(kind=NotificationKind.COPY).url.endswith("/preview/")
    # The admin's settings decide who: 法务部 instead of 技术工程部.
    configure(Chain.IN_KIND, at_start=["committee", "legal"], at_end=["committee"])
    other = overdue_debt(org, people, amount="5000.00")
    _, second = start(people["handler"], Chain.IN_KIND, other, reason="以车抵债", **files(DocType.INVENTORY_LIST))
    assert copied(second, CopyMoment.START) == {"committee", "legal"}
    # Rejected before the receipt list was signed: the end copy still goes out, with the outcome.
    act(people["tech"], second, "appraisal", decision="reject", comment="无法鉴定")
    assert copied(second, CopyMoment.END) == {"committee"}
    assert "已驳回" in people["committee"].notifications.filter(kind=NotificationKind.COPY).first().message


def test_start_and_end_copies_of_any_chain_per_its_settings(org, people):
    configure(Chain.LITIGATION, at_start=["auditor"], at_end=["gm_office", "finance"])
    _debt, process = litigation(org, people)
    assert copied(process, CopyMoment.START) == {"auditor"}
    assert copied(process, CopyMoment.END) == set()
    note = people["auditor"].notifications.get(kind=NotificationKind.COPY)
    assert note.url == reverse("approvals:process", args=[process.pk]) and "已提交申请" in note.message
    act(people["committee"], process, "committee_review", decision="reject", comment="证据不足")
    assert copied(process, CopyMoment.END) == {"gm_office", "finance_a"}
    assert "已驳回" in people["gm_office"].notifications.get(kind=NotificationKind.COPY).message
    assert not people["gm"].notifications.filter(kind=NotificationKind.COPY).exists()


def test_copies_at_start_and_end_are_set_based(org, people):
    """One read of the settings, one of the people, one insert of the records, one of the
    notifications — the same for one holder and for nine (issue 20); 清欠办 is a group-level
    role, so the unit tree is not read (notifications.role_holders)."""
    configure(Chain.LITIGATION, at_end=["committee"])
    _debt, process = litigation(org, people)

    def statements():
        fresh = ChainProcess.objects.select_related("debt").get(pk=process.pk)
        with CaptureQueriesContext(connection) as ctx:
            copy_by_settings(process=fresh, moment=CopyMoment.END, message="m", url="/")
        return len(ctx.captured_queries)

    one = statements()
    for i in range(8):
        f.user(f"committee_extra_{i}", "committee", org["hq"])
    assert statements() == one == 4


def test_ad_hoc_copy_by_the_requester_gives_read_only_access(org, people):
    _debt, process = litigation(org, people)
    outsider = people["handler_b"]   # another unit: the debt is not in their scope
    process_url = reverse("approvals:process", args=[process.pk])
    task = open_task(process, "committee_review")
    assert client_for(outsider).get(process_url).status_code == 404
    page = text(client_for(people["handler"]).get(process_url))
    assert 'id="copy-link"' in page
    r = client_for(people["handler"]).post(reverse("approvals:copy", args=[process.pk]),
                                           {"users": [outsider.pk], "note": "请协助核实", "next": process_url})
    assert r.status_code == 302 and r["Location"] == process_url
    record = ChainCopy.objects.get(process=process, user=outsider)
    assert record.moment == CopyMoment.AD_HOC and record.by == people["handler"] and record.note == "请协助核实"
    note = outsider.notifications.get(kind=NotificationKind.COPY)
    assert "请协助核实" in note.message and note.url == process_url
    # 抄送我的 lists it; the dossier reads; nothing can be decided.
    listed = text(client_for(outsider).get(reverse("approvals:copied")))
    assert reverse("approvals:process", args=[process.pk]) in listed and "临时抄送" in listed
    assert "拒不还款" in text(client_for(outsider).get(process_url))
    task_page = client_for(outsider).get(inbox.task_url(task))
    assert task_page.status_code == 200 and 'id="claim"' not in text(task_page)
    assert 'id="dossier-path"' in text(task_page)
    assert client_for(outsider).post(inbox.task_url(task)).status_code == 403
    assert client_for(outsider).get(inbox.execute_url(task)).status_code == 404
    assert api(outsider).get(f"/api/chains/{process.pk}/").status_code == 200
    assert api(outsider).post(f"/api/tasks/{task.pk}/claim/").status_code == 403
    task.refresh_from_db()
    assert task.owner_id is None
    # Copied, they take part: they may comment (rule R4.120).
    assert client_for(outsider).post(reverse("approvals:comment", args=[process.pk]), {"text": "已核实"}).status_code \
        == 302


def test_only_the_requester_or_an_approver_may_copy(org, people):
    _debt, process = litigation(org, people)
    url = reverse("approvals:copy", args=[process.pk])
    for refused in (people["auditor"], people["committee"]):  # in scope; a candidate is not yet an approver
        assert client_for(refused).get(url).status_code == 403
        assert client_for(refused).post(url, {"users": [people["gm"].pk]}).status_code == 403
    assert client_for(people["handler_b"]).get(url).status_code == 404
    act(people["committee"], process, "committee_review", comment="同意")
    assert client_for(people["committee"]).post(url, {"users": [people["legal"].pk]}).status_code == 302
    assert copied(process, CopyMoment.AD_HOC) == {"legal"}


def test_the_copy_form_names_the_field_and_keeps_the_input(org, people):
    _debt, process = litigation(org, people)
    c = client_for(people["handler"])
    url = reverse("approvals:copy", args=[process.pk])
    r = c.post(url, {"note": "请阅"})
    assert r.status_code == 422 and 'id="users-errors"' in text(r) and "抄送给：请至少选择一位人员" in text(r)
    assert 'value="请阅"' in r.content.decode()
    c.post(url, {"users": [people["legal"].pk]})
    r = c.post(url, {"users": [people["legal"].pk]})   # already copied
    assert r.status_code == 422 and "已在抄送之列" in text(r)
    assert ChainCopy.objects.filter(process=process, user=people["legal"]).count() == 1


def test_the_copied_list_is_paginated_sortable_and_says_what_it_is_for(org, people):
    empty = text(client_for(people["legal"]).get(reverse("approvals:copied")))
    assert 'id="copied-empty"' in empty and "抄送给您的审批链" in empty
    processes = []
    for i in range(3):
        debt = overdue_debt(org, people, amount=f"{1000 + i}.00")
        _r, process = start(people["handler"], Chain.LITIGATION, debt, reason="x",
                            **files(DocType.LEGAL_RISK_ANALYSIS))
        client_for(people["handler"]).post(reverse("approvals:copy", args=[process.pk]),
                                           {"users": [people["legal"].pk]})
        processes.append(process)
    codes = [p.debt.code for p in processes]
    newest_first = text(client_for(people["legal"]).get(reverse("approvals:copied")))
    assert [newest_first.index(c) for c in codes] == sorted([newest_first.index(c) for c in codes], reverse=True)
    by_debt = text(client_for(people["legal"]).get(reverse("approvals:copied") + "?sort=-debt"))
    assert [by_debt.index(c) for c in sorted(codes, reverse=True)] == sorted(by_debt.index(c) for c in codes)
    assert "第 1 / 1 页" in by_debt
    api_rows = api(people["legal"]).get("/api/chains/copied-to-me/?sort=debt").json()
    assert api_rows["count"] == 3 and [row["debt"] for row in api_rows["results"]] == sorted(codes)


def test_api_ad_hoc_copy(org, people):
    _debt, process = litigation(org, people)
    c = api(people["handler"])
    r = c.post(f"/api/chains/{process.pk}/copies/", {"users": []}, format="json")
    assert r.status_code == 400 and "users" in r.json()
    r = c.post(f"/api/chains/{process.pk}/copies/", {"users": [people["legal"].pk], "note": "请阅"}, format="json")
    assert r.status_code == 201 and r.json()[0]["user"] == "legal" and r.json()[0]["moment"] == "ad_hoc"
    assert api(people["auditor"]).post(f"/api/chains/{process.pk}/copies/", {"users": [people["gm"].pk]},
                                       format="json").status_code == 403
    assert [row["user"] for row in c.get(f"/api/chains/{process.pk}/copies/").json()] == ["legal"]
    assert Notification.objects.filter(user=people["legal"], kind=NotificationKind.COPY).count() == 1


def test_the_admin_edits_the_copy_settings(org, people):
    admin = f.user("root", is_staff=True, is_superuser=True)
    row = ChainCopySettings.objects.get(chain=Chain.VISIT)
    url = reverse("admin:approvals_chaincopysettings_change", args=[row.pk])
    c = client_for(admin)
    assert "技术工程部" in text(c.get(url))
    assert c.post(url, {"at_start": ["legal", "finance"], "at_end": []}).status_code == 302
    row.refresh_from_db()
    assert row.at_start == ["legal", "finance"] and row.at_end == []


def test_an_approved_chain_sends_its_end_copy(org, people):
    from .test_statement_budgets import chain_to
    configure(Chain.WRITE_OFF, at_end=["auditor"])
    chain_to(org, people, "effect")
    process = ChainProcess.objects.get(chain=Chain.WRITE_OFF)
    assert process.outcome == "approved"
    assert copied(process, CopyMoment.END) == {"auditor"}
    assert "已批准" in people["auditor"].notifications.get(kind=NotificationKind.COPY).message
