"""Four eyes through delegation (rule R4.6, issue 15 item 5): a decision a delegate makes on
someone's behalf counts as theirs, and a delegation to a person four eyes bars from a task the
absent user holds is refused when it is made (or, for one made earlier, the task goes back to
its queue when the delegation starts) instead of leaving the task stuck."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from viewflow.workflow.status import STATUS

from approvals import inbox
from approvals.delegation import apply_current_delegations, record_absence
from approvals.models import Decision, Delegation
from tests import factories as f

from .helpers import PASSWORD, act, claim, client_for, open_task
from .test_write_off import bankrupt_debt, request_write_off

pytestmark = pytest.mark.django_db


@pytest.fixture
def write_off(org, people):
    debt = bankrupt_debt(org, people)
    _, process = request_write_off(people, debt)
    return process


def test_a_decision_made_on_my_behalf_bars_me_from_the_next_step(org, people, write_off):
    both = f.user("committee_gm", ["committee", "gm"], org["hq"])
    deputy = f.user("committee_deputy", "committee", org["hq"])
    assert claim(both, open_task(write_off, "committee_review")).status_code == 302
    now = timezone.now()
    record_absence(both, deputy, now - timedelta(hours=1), now + timedelta(days=2), "出差")
    assert open_task(write_off, "committee_review").owner == deputy
    assert act(deputy, write_off, "committee_review", comment="代为审核").status_code == 302
    review = Decision.objects.get(process=write_off, step="committee_review")
    assert (review.by, review.on_behalf_of) == (deputy, both)
    # The 总经理 step is for a role `both` holds, but their 清欠办 step was decided for them.
    gm_task = open_task(write_off, "gm_instruction")
    assert "gm_instruction" not in set(inbox.open_steps(both).values_list("step", flat=True))
    page = client_for(both).get(inbox.task_url(gm_task)).content.decode()
    assert "同一人在一个审批链中只能签署一个步骤" in page
    assert act(both, write_off, "gm_instruction", password=PASSWORD).status_code == 403
    assert not Decision.objects.filter(process=write_off, step="gm_instruction").exists()
    # Another 总经理 signs it.
    assert act(people["gm"], write_off, "gm_instruction", password=PASSWORD).status_code == 302


def test_a_delegation_to_someone_four_eyes_bars_is_refused_when_made(org, people, write_off):
    signer = f.user("committee_gm2", ["committee", "gm"], org["hq"])
    assert act(signer, write_off, "committee_review").status_code == 302
    gm = people["gm"]
    assert claim(gm, open_task(write_off, "gm_instruction")).status_code == 302
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        record_absence(gm, signer, now, now + timedelta(days=1))
    assert "同一人在一个审批链中只能签署一个步骤" in str(refused.value.message_dict["delegate"])
    # Over the page: the message on the form, what was typed kept, nothing recorded.
    fmt = "%Y-%m-%dT%H:%M"
    local = timezone.localtime(now)
    r = client_for(gm).post("/approvals/delegations/", {
        "delegate": signer.pk, "starts": local.strftime(fmt), "ends": (local + timedelta(days=1)).strftime(fmt),
        "reason": "休假"})
    page = r.content.decode()
    assert r.status_code == 200 and "不能代办“总经理批示”" in page and write_off.debt.code in page
    assert 'value="休假"' in page
    assert not Delegation.objects.exists()
    assert open_task(write_off, "gm_instruction").owner == gm
    # In English too.
    en = client_for(gm).post("/approvals/delegations/", {
        "delegate": signer.pk, "starts": local.strftime(fmt), "ends": (local + timedelta(days=1)).strftime(fmt)},
        HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "cannot act for" in en and "不能代办" not in en


def test_a_delegation_made_earlier_returns_a_barred_task_to_the_queue(org, people, write_off):
    signer = f.user("committee_gm3", ["committee", "gm"], org["hq"])
    gm = people["gm"]
    now = timezone.now()
    # Recorded while gm holds nothing: accepted.
    record_absence(gm, signer, now + timedelta(hours=1), now + timedelta(days=1))
    assert act(signer, write_off, "committee_review").status_code == 302
    assert claim(gm, open_task(write_off, "gm_instruction")).status_code == 302
    # The delegation starts: the task may not go to signer, so it goes back to the 总经理 queue.
    apply_current_delegations(now + timedelta(hours=2))
    task = open_task(write_off, "gm_instruction")
    assert task.owner_id is None and task.status == STATUS.NEW
    assert "gm_instruction" in set(inbox.open_steps(people["gm"]).values_list("step", flat=True))
