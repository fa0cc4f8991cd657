"""No dead ends (rules R4.105, R4.106): a request whose first step nobody may take is refused at
submit, naming the step and why; tasks that became unreachable are listed for 清欠办主任, who
reassigns them, recorded."""

import pytest
from django.urls import reverse

from approvals import inbox
from approvals.models import Chain, ChainProcess, Decision, Outcome, Reassignment
from documents.catalogue import DocType
from documents.models import Document
from tests import factories as f
from workflows import lifecycle, roles
from workflows.models import State

from .helpers import act, client_for, files, open_task, overdue_debt, reload, start, text

pytestmark = pytest.mark.django_db


def test_four_eyes_dead_end_is_refused_at_submit(org, people):
    # 清欠办主任 asks for a visit plan; he is the only 清欠小组组长, and may not approve his own request.
    debt = overdue_debt(org, people)
    response, process = start(people["committee_head"], Chain.VISIT, debt, reason="下周上门")
    page = text(response)
    assert response.status_code == 200 and process is None
    assert "步骤“清欠小组组长批准”无人可以办理" in page and "申请人不能审批自己的申请" in page
    assert "下周上门" in page  # the input is kept
    # with a second head the same request goes through
    f.user("head2", roles.COMMITTEE_HEAD, org["hq"])
    response, process = start(people["committee_head"], Chain.VISIT, debt, reason="下周上门")
    assert response.status_code == 302 and process is not None


def test_empty_role_is_refused_at_submit_and_nothing_is_kept(org, people):
    people["committee"].is_active = False
    people["committee"].save()
    debt = overdue_debt(org, people)
    response, process = start(people["handler"], Chain.LITIGATION, debt, reason="拒不还款",
                              **files(DocType.LEGAL_RISK_ANALYSIS))
    page = text(response)
    assert process is None and "步骤“清欠小组审核”无人可以办理：没有在职人员担任“清欠办”" in page
    assert not Document.objects.filter(case_file__debt=debt).exists()


def test_unit_without_the_role_is_refused_at_submit(org, people):
    # unit B has no 技术工程部: the appraisal of its settlement in kind could never be taken
    debt = f.debt(org["b"], people["handler_b"], amount="5000.00")
    lifecycle.apply_transition(debt.pk, State.OVERDUE)
    response, process = start(people["handler_b"], Chain.IN_KIND, debt, reason="以设备抵债",
                              **files(DocType.INVENTORY_LIST))
    page = text(response)
    assert process is None
    assert "步骤“技术工程部鉴定”无人可以办理：债权所属单位“第二分公司”没有“技术工程部”人员" in page


def test_unreachable_tasks_are_listed_for_the_head_and_reassigned_on_record(org, people):
    head2 = f.user("head2", roles.COMMITTEE_HEAD, org["hq"])
    # 1: the approver claimed the visit plan and then left
    visit_debt = overdue_debt(org, people)
    _, visit = start(people["handler"], Chain.VISIT, visit_debt, reason="下周上门")
    task = open_task(visit, "head_approval")
    assert client_for(people["committee_head"]).post(inbox.task_url(task)).status_code == 302
    people["committee_head"].is_active = False
    people["committee_head"].save()
    # 2: the role emptied after the task was created
    lit_debt = overdue_debt(org, people)
    _, litigation = start(people["handler"], Chain.LITIGATION, lit_debt, reason="拒不还款",
                          **files(DocType.LEGAL_RISK_ANALYSIS))
    people["committee"].is_active = False
    people["committee"].save()

    url = reverse("approvals:unreachable")
    assert client_for(people["gm"]).get(url).status_code == 403
    page = text(client_for(head2).get(url))
    listed = page.split('id="unreachable"')[1].split("</table>")[0]
    assert visit_debt.code in listed and "办理人“committee_head”已离职或停用" in listed
    assert lit_debt.code in listed and "没有在职人员担任“清欠办”" in listed

    # reassigning needs a reason; four eyes still holds (the requester is refused)
    c = client_for(head2)
    c.post(url, {"task": task.pk, "to": people["handler"].pk, "reason": "组长离职"})
    assert not Reassignment.objects.exists()
    c.post(url, {"task": task.pk, "to": head2.pk, "reason": ""})
    assert not Reassignment.objects.exists()
    c.post(url, {"task": task.pk, "to": head2.pk, "reason": "原组长离职，由新组长办理"})
    record = Reassignment.objects.get()
    assert (record.from_user, record.to_user, record.by) == (people["committee_head"], head2, head2)
    task.refresh_from_db()
    assert task.owner == head2
    assert act(head2, visit, "head_approval", comment="同意").status_code == 302
    assert reload(visit).outcome == Outcome.APPROVED

    # a person without the role, designated on record, may decide that one task
    lit_task = open_task(litigation, "committee_review")
    c.post(url, {"task": lit_task.pk, "to": people["legal"].pk, "reason": "清欠办暂无人员，由法务代审"})
    assert act(people["legal"], litigation, "committee_review", comment="同意起诉").status_code == 302
    assert Decision.objects.filter(process=litigation, step="committee_review", by=people["legal"]).exists()
    page = text(client_for(head2).get(url))
    assert visit_debt.code not in page.split('id="unreachable"')[1].split("</table>")[0]
    assert "清欠办暂无人员，由法务代审" in page.split('id="reassignments"')[1]
    assert ChainProcess.objects.filter(pk=litigation.pk, active=True).exists()
