"""Rule R4.62: the 总经理 signs the litigation proposals of a period as one list; each debt keeps
its own chain, decision and signature."""
from datetime import date, timedelta

import pytest

from approvals.models import Chain, Decision, LitigationList, Signature
from documents.catalogue import DocType
from tests import factories as f

from .helpers import PASSWORD, act, client_for, files, open_task, overdue_debt, reload, start

pytestmark = pytest.mark.django_db

URL = "/approvals/litigation-list/"


def proposals(org, people, n=3):
    result = []
    for i in range(n):
        debt = overdue_debt(org, people, amount=f"{(i + 1) * 1000}.00")
        r, process = start(people["handler"], Chain.LITIGATION, debt, reason=f"拒不还款 {i}",
                           **files(DocType.LEGAL_RISK_ANALYSIS))
        assert r.status_code == 302
        assert act(people["committee"], process, "committee_review").status_code == 302
        result.append(process)
    return result


def period():
    today = date.today()
    return {"start": (today - timedelta(days=7)).isoformat(), "end": today.isoformat()}


def test_gm_signs_a_list_and_each_proposal_gets_its_own_decision(org, people):
    p1, p2, p3 = proposals(org, people)
    gm = client_for(people["gm"])
    page = gm.get(URL, period()).content.decode()
    for p in (p1, p2, p3):
        assert p.debt.code in page
    r = gm.post(URL, {**period(), "process": [p1.pk, p2.pk], "password": PASSWORD})
    assert r.status_code == 302, r.content.decode()[:2000]
    signed = LitigationList.objects.get()
    assert [e["process"] for e in signed.entries] == [p1.pk, p2.pk] and signed.signed_by == people["gm"]
    for p in (p1, p2):
        decision = Decision.objects.get(process=p, step="gm_signature")
        assert decision.decision == "approve" and decision.by == people["gm"] and f"第{signed.pk}号" in decision.comment
        assert Signature.objects.filter(decision=decision).exists()
        assert reload(p).litigation_list == signed
        assert open_task(p, "legal_acceptance") is not None
    # The one left off the list still waits for its own signature.
    assert open_task(p3, "gm_signature") is not None and reload(p3).litigation_list is None
    detail = gm.get(f"/approvals/litigation-list/{signed.pk}/").content.decode()
    assert p1.debt.code in detail and "校验一致" in detail
    # Each chain goes on on its own: legal accepts one of them.
    assert act(people["legal"], p1, "legal_acceptance").status_code == 302
    p1.debt.refresh_from_db()
    p2.debt.refresh_from_db()
    assert p1.debt.state == "legal" and p2.debt.state == "overdue"


def test_wrong_password_signs_nothing(org, people):
    p1, p2 = proposals(org, people, 2)
    r = client_for(people["gm"]).post(URL, {**period(), "process": [p1.pk, p2.pk], "password": "wrong"})
    assert r.status_code == 422 and "密码" in r.content.decode()
    assert not LitigationList.objects.exists()
    assert not Decision.objects.filter(step="gm_signature").exists()


def test_all_or_nothing_when_the_list_has_changed(org, people):
    p1, p2 = proposals(org, people, 2)
    # Another 总经理 signs p2 on its own meanwhile.
    gm2 = f.user("gm2", "gm", org["hq"])
    assert act(gm2, p2, "gm_signature", password=PASSWORD).status_code == 302
    r = client_for(people["gm"]).post(URL, {**period(), "process": [p1.pk, p2.pk], "password": PASSWORD})
    assert r.status_code == 422 and "名单已变化" in r.content.decode()
    assert not LitigationList.objects.exists()
    assert open_task(p1, "gm_signature") is not None
    assert not Decision.objects.filter(process=p1, step="gm_signature").exists()


def test_period_and_who_may_sign(org, people):
    p1, = proposals(org, people, 1)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    page = client_for(people["gm"]).get(URL, {"start": "2020-01-01", "end": yesterday}).content.decode()
    assert p1.debt.code not in page and "没有等待签批" in page
    assert client_for(people["committee"]).get(URL).status_code == 403
    assert client_for(people["handler"]).get(URL).status_code == 403
    # Someone who reviewed the proposal (four eyes) does not find it on their list.
    both = f.user("committee_gm", ["committee", "gm"], org["hq"])
    debt = overdue_debt(org, people)
    _, p2 = start(people["handler"], Chain.LITIGATION, debt, reason="x", **files(DocType.LEGAL_RISK_ANALYSIS))
    assert act(both, p2, "committee_review").status_code == 302
    page = client_for(both).get(URL, period()).content.decode()
    assert p1.debt.code in page and debt.code not in page
