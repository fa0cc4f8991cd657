"""An authority body's step decided by its meeting (rules R4.140-R4.147): quorum, votes signed
with each member's own password, minutes and resolution generated into the case file, four eyes;
through the page and through the API."""
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from approvals.models import (
    Decision,
    Meeting,
    MeetingRule,
    MeetingStatus,
    MeetingVote,
    Outcome,
    Signature,
    SignatureFailure,
)
from documents.catalogue import DocType
from documents.services import current_documents
from documents.timeline import case_file_timeline
from tests import factories as f
from workflows import roles
from workflows.models import State

from .helpers import PASSWORD, act, claim, client_for, files, open_task, reload
from .test_write_off import bankrupt_debt, request_write_off

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def archive_dir(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "archive": {"BACKEND": "documents.storage.ArchiveFileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "archive")}}}


@pytest.fixture
def office(org, people):
    """总经理办公会 of four: the fixture's gm_office (the secretary) and three more."""
    more = [f.user(f"office_{i}", roles.GM_OFFICE, org["hq"], first_name=f"委员{i}") for i in (2, 3, 4)]
    return [people["gm_office"], *more]


def at_the_body(org, people):
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    assert act(people["committee"], process, "committee_review").status_code == 302
    assert act(people["gm"], process, "gm_instruction", password=PASSWORD).status_code == 302
    task = open_task(process, "authority_approval")
    assert claim(people["gm_office"], task).status_code == 302
    task.refresh_from_db()
    return debt, process, task


def page(task):
    return reverse("approvals:meeting", args=[task.pk])


def convene(user, task, present):
    return client_for(user).post(page(task), {"action": "convene", "present": [str(u.pk) for u in present]})


def vote(user, task, choice, opinion="", password=PASSWORD):
    return client_for(user).post(page(task), {"action": "vote", "vote": choice, "opinion": opinion,
                                              "password": password})


def close(user, task, password=PASSWORD):
    return client_for(user).post(page(task), {"action": "close", "password": password})


def document_text(document):
    from documents.storage import archive_storage
    with archive_storage().open(document.storage_name, "rb") as fh:
        data = fh.read()
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace(" ", "").replace("\n", "")


def test_a_meeting_without_quorum_leaves_the_chain_open_and_a_quorate_one_moves_it_on(org, people, office):
    debt, process, task = at_the_body(org, people)
    secretary, m2, m3, _m4 = office
    # 1 of 4 present is not more than half (rule R4.143): recorded, nothing decided.
    r = convene(secretary, task, [secretary])
    assert r.status_code == 302
    first = Meeting.objects.get(task=task)
    assert first.status == MeetingStatus.NO_QUORUM and first.tally == {"members": 4, "present": 1}
    task.refresh_from_db()
    assert task.status == "ASSIGNED" and task.owner_id == secretary.pk
    assert reload(process).outcome == Outcome.RUNNING
    assert not Decision.objects.filter(process=process, step="authority_approval").exists()
    assert not [d for d in current_documents(debt) if d.doc_type == DocType.MEETING_RESOLUTION]
    assert vote(m2, task, "for").status_code == 200  # no meeting is voting: refused
    assert not MeetingVote.objects.exists()

    # Re-convened with three of four: quorate; each present member votes with their own password.
    assert convene(secretary, task, [secretary, m2, m3]).status_code == 302
    meeting = Meeting.objects.get(task=task, status=MeetingStatus.VOTING)
    assert m2.notifications.filter(kind="assigned", url=page(task)).exists()
    shown = client_for(m2).get(page(task)).content.decode()
    assert 'id="vote-form"' in shown and "同意" in shown
    assert vote(m2, task, "for", "证据充分").status_code == 302
    assert vote(m3, task, "against", "回收可能尚存").status_code == 302
    assert vote(secretary, task, "for").status_code == 302
    assert vote(m2, task, "for").status_code == 200  # one vote each
    assert meeting.votes.count() == 3
    # Each vote is the member's own signed decision on the step.
    votes = Decision.objects.filter(process=process, step="authority_approval").order_by("pk")
    assert [(d.by.username, d.decision) for d in votes] == [
        ("office_2", "for"), ("office_3", "against"), ("gm_office", "for")]
    assert Signature.objects.filter(decision__in=votes).count() == 3
    assert reload(process).outcome == Outcome.RUNNING  # still voting until the secretary closes

    r = close(secretary, task)
    assert r.status_code == 302, r.content.decode()[:2000]
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PASSED
    assert meeting.tally["for"] == 2 and meeting.tally["against"] == 1 and meeting.tally["passed"] is True
    # The minutes and the resolution, generated into the case file, satisfy the requirement.
    minutes, resolution = meeting.minutes, meeting.resolution
    assert minutes.doc_type == DocType.APPROVAL_RECORD and minutes.system_generated
    assert resolution.doc_type == DocType.MEETING_RESOLUTION and resolution.system_generated
    text = document_text(minutes)
    for expected in ("总经理办公会会议记录", debt.code, "委员2", "委员3", "反对", "回收可能尚存", "同意2",
                     "表决结果：通过"):
        assert expected in text, expected
    assert votes[1].signature.sha256 in text
    text = document_text(resolution)
    assert "会议决议：同意该申请" in text and debt.code in text and minutes.sha256 in text
    # The step is approved by the secretary's signed decision; the chain is at finance.
    closing = Decision.objects.get(process=process, step="authority_approval", decision="approve")
    assert closing.by == secretary and "同意 2，反对 1" in closing.comment
    assert {d["id"] for d in closing.signature.documents} >= {minutes.pk, resolution.pk}
    assert open_task(process, "authority_approval") is None
    assert open_task(process, "finance_filing") is not None
    # History: the process page and the case-file timeline show the meetings and the votes.
    shown = client_for(people["committee"]).get(reverse("approvals:process", args=[process.pk])).content.decode()
    assert 'id="meetings"' in shown and "未达法定出席人数" in shown and "表决通过" in shown and "回收可能尚存" in shown
    timeline = [e.text for e in case_file_timeline(debt)]
    assert any("第 %s 次会议：未达法定出席人数" % first.pk in t for t in timeline)
    assert any("第 %s 次会议：表决通过" % meeting.pk in t for t in timeline)
    assert any("表决反对（回收可能尚存）" in t for t in timeline)
    # Finance files the generated resolution and books the write-off.
    assert act(people["finance"], process, "finance_filing").status_code == 302
    debt.refresh_from_db()
    assert debt.state == State.WRITTEN_OFF


def test_a_majority_not_in_favour_rejects_the_chain(org, people, office):
    debt, process, task = at_the_body(org, people)
    secretary, m2, m3, _m4 = office
    convene(secretary, task, [secretary, m2, m3])
    vote(m2, task, "for")
    vote(m3, task, "against", "不同意")
    vote(secretary, task, "abstain")
    # 1 of 3 present in favour is not more than half.
    assert close(secretary, task).status_code == 302
    meeting = Meeting.objects.get(task=task)
    assert meeting.status == MeetingStatus.FAILED and meeting.resolution is None
    assert "表决结果：未通过" in document_text(meeting.minutes)
    process = reload(process)
    assert process.outcome == Outcome.REJECTED and not process.active
    assert Decision.objects.get(process=process, step="authority_approval", decision="reject").by == secretary
    debt.refresh_from_db()
    assert debt.state == State.OVERDUE


def test_present_members_who_do_not_vote_do_not_count_in_favour(org, people, office):
    _debt, process, task = at_the_body(org, people)
    secretary, m2, m3, _m4 = office
    convene(secretary, task, [secretary, m2, m3])
    vote(m2, task, "for")
    close(secretary, task)
    assert Meeting.objects.get(task=task).status == MeetingStatus.FAILED
    assert reload(process).outcome == Outcome.REJECTED


def test_nobody_who_decided_an_earlier_step_votes(org, people, office):
    """Rule R4.144: the 总经理 who signed 总经理批示 also sits on the 总经理办公会: recused."""
    from django.contrib.auth.models import Group
    people["gm"].groups.add(Group.objects.get(name=roles.GM_OFFICE))
    _debt, _process, task = at_the_body(org, people)
    secretary, m2, m3, _m4 = office
    shown = client_for(secretary).get(page(task)).content.decode()
    assert 'id="recused"' in shown and "gm" in shown
    r = convene(secretary, task, [secretary, m2, people["gm"]])
    assert r.status_code == 200 and "不能参加本链的表决" in r.content.decode()
    assert not Meeting.objects.exists()
    # Quorum counts the four members who may vote, not the recused fifth.
    assert convene(secretary, task, [secretary, m2, m3]).status_code == 302
    meeting = Meeting.objects.get(task=task)
    assert meeting.tally == {"members": 4, "present": 3} and people["gm"].pk in meeting.recused
    r = vote(people["gm"], task, "for")
    assert r.status_code == 200 and not MeetingVote.objects.filter(member=people["gm"]).exists()
    assert "只有登记出席的成员可以表决" in r.content.decode()


def test_a_voter_may_not_decide_a_later_step(org, people, office):
    """A vote is a signed decision on the step (rule R4.6): the member who voted and also works
    in finance may not file the write-off."""
    from django.contrib.auth.models import Group
    both = f.user("office_finance", [roles.GM_OFFICE, roles.FINANCE], org["a"])
    people["finance"].is_active = False
    people["finance"].save()
    _debt, process, task = at_the_body(org, people)
    secretary, m2, _m3, _m4 = office
    convene(secretary, task, [secretary, m2, both])
    vote(both, task, "for")
    vote(m2, task, "for")
    close(secretary, task)
    filing = open_task(process, "finance_filing")
    assert filing is not None
    assert claim(both, filing).status_code == 403
    assert Group.objects.get(name=roles.FINANCE) in both.groups.all()


def test_a_vote_needs_the_members_own_password(org, people, office):
    _debt, _process, task = at_the_body(org, people)
    secretary, m2, m3, _m4 = office
    convene(secretary, task, [secretary, m2, m3])
    r = vote(m2, task, "for", password="wrong")
    assert r.status_code == 200 and "密码不正确" in r.content.decode()
    assert not MeetingVote.objects.exists()
    assert SignatureFailure.objects.filter(user=m2).count() == 1
    # Only the holder of the task closes, with their own password, and cannot release it meanwhile.
    assert close(m2, task).status_code == 200
    assert client_for(secretary).post(reverse("approvals:task", args=[task.pk]), {"release": "1"}).status_code == 403
    r = close(secretary, task, password="wrong")
    assert r.status_code == 200 and "密码不正确" in r.content.decode()
    assert Meeting.objects.get(task=task).status == MeetingStatus.VOTING


def test_nobody_decides_the_step_by_hand_while_its_meeting_votes(org, people, office):
    _debt, process, task = at_the_body(org, people)
    secretary, m2, m3, _m4 = office
    convene(secretary, task, [secretary, m2, m3])
    r = act(secretary, process, "authority_approval", password=PASSWORD, **files(DocType.MEETING_RESOLUTION))
    assert r.status_code == 200 and "本步骤的会议正在表决" in r.content.decode()
    assert open_task(process, "authority_approval") is not None


def test_the_bodys_rule_comes_from_configuration(org, people, office):
    """Rule R4.142: the articles may ask a majority of all members (公司法 art. 73 for a board)."""
    MeetingRule.objects.create(body=roles.GM_OFFICE, pass_base="members", note="章程第十条")
    _debt, process, task = at_the_body(org, people)
    secretary, m2, m3, _m4 = office
    convene(secretary, task, [secretary, m2, m3])
    shown = client_for(m2).get(page(task)).content.decode()
    assert "全体成员" in shown and "章程第十条" in shown
    vote(m2, task, "for")
    vote(secretary, task, "for")
    vote(m3, task, "against")
    close(secretary, task)
    # 2 of 3 present, but not more than half of all 4 members.
    assert Meeting.objects.get(task=task).status == MeetingStatus.FAILED
    assert reload(process).outcome == Outcome.REJECTED


def test_the_vote_form_and_the_legacy_upload_both_reach_the_meeting(org, people, office):
    _debt, process, task = at_the_body(org, people)
    from approvals import inbox
    shown = client_for(people["gm_office"]).get(inbox.execute_url(task)).content.decode()
    assert 'id="meeting-link"' in shown and page(task) in shown
    # A meeting held on paper: its signed resolution uploaded, as before (rule R4.146).
    assert act(people["gm_office"], process, "authority_approval", password=PASSWORD,
               **files(DocType.MEETING_RESOLUTION)).status_code == 302
    assert open_task(process, "finance_filing") is not None


# --- the API ------------------------------------------------------------------------------------

def api(user):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user)[0].key)
    return c


def test_meeting_over_the_api(org, people, office):
    debt, process, task = at_the_body(org, people)
    secretary, m2, m3, m4 = office
    base = f"/api/tasks/{task.pk}"
    # Only the holder of the task convenes.
    assert api(m2).post(f"{base}/convene/", {"present": [m2.pk]}, format="json").status_code == 403
    r = api(secretary).post(f"{base}/convene/", {"present": [secretary.pk, m2.pk]}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "no_quorum"
    assert api(secretary).get(f"/api/chains/{process.pk}/").json()["open_tasks"] == [task.pk]
    r = api(secretary).post(f"{base}/convene/", {"present": [secretary.pk, m2.pk, m3.pk, m4.pk]}, format="json")
    assert r.status_code == 201 and r.json()["status"] == "voting"
    assert api(m2).post(f"{base}/vote/", {"vote": "for", "password": "wrong"}, format="json").status_code == 400
    for member, choice in ((m2, "for"), (m3, "for"), (m4, "for")):
        r = api(member).post(f"{base}/vote/", {"vote": choice, "opinion": "同意核销", "password": PASSWORD},
                             format="json")
        assert r.status_code == 201, r.content
    assert api(m2).post(f"{base}/vote/", {"vote": "for", "password": PASSWORD}, format="json").status_code == 403
    listed = api(m3).get(f"{base}/meetings/").json()
    assert [m["status"] for m in listed] == ["no_quorum", "voting"] and len(listed[1]["votes"]) == 3
    assert api(m2).post(f"{base}/close-meeting/", {"password": PASSWORD}, format="json").status_code == 403
    # The task reassigned (R4.106) while voting: its new holder closes the vote.
    from approvals.reach import reassign
    reassign(task=task, to=m4, by=people["committee_head"], reason="会议记录人出差")
    assert api(secretary).post(f"{base}/close-meeting/", {"password": PASSWORD}, format="json").status_code == 403
    secretary = m4
    r = api(secretary).post(f"{base}/close-meeting/", {"password": PASSWORD}, format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "passed" and body["tally"]["for"] == 3 and body["resolution"]
    assert open_task(process, "finance_filing") is not None
    assert "表决通过" in "".join(e.text for e in case_file_timeline(debt))
