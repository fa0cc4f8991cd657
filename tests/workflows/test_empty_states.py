"""Empty list pages say what they are for and how to start (rule R8.20, issue 19 item 10): each shows its
sentence and, when the user may do it, the link to the action that fills it; in English too."""
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

# (role of `people`, page, query string, the sentence's start, the start link's href or None)
PAGES = [
    ("finance", "debts:index", "", "债权列表是您管辖范围内全部应收债权的台账", "workflows_routes:ledger_import"),
    ("handler", "debts:index", "", "债权列表是您管辖范围内全部应收债权的台账", None),
    ("handler", "debts:index", "?q=无此债权", "没有符合条件的债权。", "?"),
    ("handler", "archive:index", "", "清欠档案按债权建卷：合同、回执、审批和诉讼文书上传到债权的案卷后", "debts:index"),
    ("auditor", "archive:write_offs", "", "还没有核销档案。", None),
    ("committee", "archive:handover", "", "还没有移交导出。", "#handover-form"),
    ("auditor", "archive:handover", "", "清欠办导出后，移交包显示在这里", None),
    ("handler", "collect:index", "", "催收工作台列出逾期、上门催收和诉讼中的债权", "debts:index"),
    ("handler", "collect:plans", "", "还没有分期还款协议。", "collect:index"),
    ("legal", "collect:legal", "", "还没有诉讼案件。", None),
    ("handler", "reports:plans", "", "本年度还没有清欠计划。", "#own-plan"),
    ("committee", "reports:plans", "", "本年度还没有清欠计划。", None),
    ("finance", "reports:assessments", "", "还没有季度考核。", "#id_year"),
    ("committee", "collect:agencies", "", "还没有登记受托机构。", "#agency-form"),
    ("handler", "collect:agencies", "", "还没有委托。委托外部催收经总经理批准后", None),
    ("handler", "approvals:requested", "", "您还没有发起审批申请。", "debts:index"),
    ("gm", "approvals:index", "", "没有待办任务。审批申请流转到您负责的步骤时出现在这里", "debts:index"),
]
LINK_TEXT = {"workflows_routes:ledger_import": "导入台账", "#own-plan": "填写我的计划",
             "#handover-form": "在上方选择单位后开始导出", "#agency-form": "在下方登记受托机构",
             "#id_year": "在上方选择季度后计算奖罚名单"}


def href(target):
    return target if target.startswith(("#", "?")) else reverse(target)


@pytest.mark.parametrize(("who", "name", "query", "sentence", "start"), PAGES,
                         ids=[f"{p[1]}-{p[0]}{'-filtered' if p[2] else ''}" for p in PAGES])
def test_empty_page_says_what_it_is_for_and_how_to_start(people, who, name, query, sentence, start):
    client = Client()
    client.force_login(people[who])
    response = client.get(reverse(name) + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert sentence in html
    if start is not None:
        assert f'href="{href(start)}"' in html
        if start in LINK_TEXT:
            assert LINK_TEXT[start] in html
    for target, text in LINK_TEXT.items():
        if target != start:
            assert text not in html  # a start the user may not take is not offered


def test_empty_states_in_english(people):
    client = Client()
    client.force_login(people["finance"])
    with translation.override("en"):
        html = client.get(reverse("debts:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "债权列表是" not in html and "导入台账" not in html
