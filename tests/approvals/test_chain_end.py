"""The end of a chain (nodes.ChainEnd): viewflow's End in fewer statements, with its meaning kept —
the end task written once and done, linked to the step before it; the process finished only when
no other task of it is open, and flow_finished sent only then."""
import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.signals import flow_finished
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.token import Token

from approvals.flows import WriteOffFlow
from approvals.models import Outcome

from .helpers import act, open_task, reload
from .test_write_off import at_finance_filing, bankrupt_debt, request_write_off

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished():
    seen = []

    def receiver(sender, process, task, **kwargs):
        seen.append((process.pk, task.pk))
    flow_finished.connect(receiver, weak=False)
    yield seen
    flow_finished.disconnect(receiver)


def test_the_approved_end_finishes_the_process_and_is_linked_to_its_step(org, people, finished):
    process = at_finance_filing(org, people)
    filing = open_task(process, "finance_filing")
    assert act(people["finance"], process, "finance_filing").status_code == 302
    process = reload(process)
    assert process.status == PROCESS.DONE and process.finished is not None
    assert process.outcome == Outcome.APPROVED and not process.active
    end = Task.objects.get(process=process, flow_task=WriteOffFlow.approved)
    assert end.status == STATUS.DONE and end.started is not None and end.finished is not None
    assert list(end.previous.all()) == [filing]
    assert finished == [(process.pk, end.pk)]


def test_the_rejected_end_finishes_the_process_too(org, people, finished):
    _r, process = request_write_off(people, bankrupt_debt(org, people))
    rejected = act(people["committee"], process, "committee_review", decision="reject", comment="证据不足")
    assert rejected.status_code == 302
    process = reload(process)
    assert process.status == PROCESS.DONE and process.outcome == Outcome.REJECTED
    end = Task.objects.get(process=process, flow_task=WriteOffFlow.rejected)
    assert end.status == STATUS.DONE and [pk for pk, _t in finished] == [process.pk]


def test_an_end_with_another_task_open_leaves_the_process_running(org, people, finished):
    """viewflow's End finishes the process only when no other task is open (a parallel branch):
    ChainEnd asks it in the UPDATE that finishes it."""
    process = at_finance_filing(org, people)
    other = Task.objects.create(process=process, flow_task=WriteOffFlow.committee_review, status=STATUS.NEW,
                                token=Token("start"))
    assert act(people["finance"], process, "finance_filing").status_code == 302
    process = reload(process)
    assert process.status != PROCESS.DONE and process.finished is None
    end = Task.objects.get(process=process, flow_task=WriteOffFlow.approved)
    assert end.status == STATUS.DONE and finished == []
    # The write-off itself happened: the chain's outcome is the deciding step's, written by it.
    assert process.outcome == Outcome.APPROVED and process.debt.state == "written_off"
    other.delete()
