"""Approval chains: one viewflow process per chain run, plus what viewflow does not keep
(decisions, signatures, deadlines, the authority matrix, delegations, notifications)."""
from decimal import Decimal

import apprise
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

from workflows.append_only import AppendOnlyModel
from workflows.models import MONEY, Debt, OrgUnit
from workflows.roles import LABELS as ROLE_LABELS

from . import registry


class Chain(models.TextChoices):
    IN_KIND = "in_kind", _("以物抵债")
    DISPOSAL = "disposal", _("降价处置")
    WRITE_OFF = "write_off", _("坏账核销")
    LITIGATION = "litigation", _("诉讼")
    VISIT = "visit", _("上门催收计划")
    OUTSOURCING = "outsourcing", _("委托外部催收")
    SUSPENSION = "suspension", _("特殊原因暂停追索")


class WriteOffCondition(models.TextChoices):
    DECEASED = "deceased", _("债务人死亡/注销且财产已尽")
    BANKRUPT = "bankrupt", _("债务人破产且财产已尽")
    NO_PERFORMANCE = "no_performance", _("逾三年未履行且有证据")


class AssetKind(models.TextChoices):
    """What chain A takes in kind; real property, vehicles and equity carry a title (rule R4.25)."""

    GOODS = "goods", _("物资")
    REAL_PROPERTY = "real_property", _("不动产")
    VEHICLE = "vehicle", _("车辆")
    EQUITY = "equity", _("股权")


TITLED_ASSETS = {AssetKind.REAL_PROPERTY, AssetKind.VEHICLE, AssetKind.EQUITY}


class Outcome(models.TextChoices):
    RUNNING = "running", _("审批中")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")
    # Rule R4.108: approved, but the debt had moved on (say, cleared by a payment) so nothing applied.
    LAPSED = "lapsed", _("已失效(债权状态已变化)")


class ChainProcess(Process):
    """One run of one approval chain for one debt."""

    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="chain_runs")
    chain = models.CharField(_("审批链"), max_length=20, choices=Chain.choices, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    # Outstanding balance when the request was made: the authority body is chosen from it.
    amount = models.DecimalField(_("申请时余额"), **MONEY, default=Decimal("0.00"))
    reason = models.TextField(_("申请理由"), blank=True)
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices, default=Outcome.RUNNING)
    outcome_reason = models.CharField(_("结果说明"), max_length=500, blank=True)
    # One running chain per debt; the partial unique constraint refuses a second one even
    # when two requests race.
    active = models.BooleanField(default=True, editable=False)
    # chain C
    condition = models.CharField(_("核销条件"), max_length=20, choices=WriteOffCondition.choices, blank=True)
    authority_rule = models.ForeignKey("AuthorityRule", verbose_name=_("适用权限规则"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    authority_body = models.CharField(_("审批机构"), max_length=32, blank=True)
    # chains A, B
    asset_kind = models.CharField(_("抵债资产类别"), max_length=20, choices=AssetKind.choices,
                                  default=AssetKind.GOODS)
    appraised_value = models.DecimalField(_("评估价值"), **MONEY, null=True, blank=True)
    proposed_price = models.DecimalField(_("拟处置价格"), **MONEY, null=True, blank=True)
    # chain B: the sale (rule R4.31); the offset the goods settled, when the sale was requested
    buyer = models.CharField(_("买受人"), max_length=200, blank=True)
    sale_date = models.DateField(_("处置日期"), null=True, blank=True)
    selling_unit = models.ForeignKey(OrgUnit, verbose_name=_("处置单位"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    offset_amount = models.DecimalField(_("抵债金额"), **MONEY, null=True, blank=True)
    sale_recorded_at = models.DateTimeField(_("处置登记时间"), null=True, blank=True)
    # chain G
    until = models.DateField(_("暂停至"), null=True, blank=True)
    # chain F
    agency = models.CharField(_("受托机构"), max_length=200, blank=True)
    # chain D: the list the 总经理 signed this proposal on (rule R4.62)
    litigation_list = models.ForeignKey("LitigationList", verbose_name=_("强制性催收客户名单"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="processes")

    class Meta:
        verbose_name = _("审批流程")
        verbose_name_plural = _("审批流程")
        constraints = [
            models.UniqueConstraint(fields=["debt"], condition=models.Q(active=True),
                                    name="one_running_chain_per_debt"),
        ]
        default_permissions = ("add", "change", "delete", "view", "manage")
        permissions = [(f"role_{code}", f"role {code}") for code in ROLE_LABELS]

    def __str__(self):
        return f"{self.get_chain_display()} {self.debt.code} #{self.pk}"

    @property
    def authority_body_label(self):
        return ROLE_LABELS.get(self.authority_body, self.authority_body)


class DecisionKind(models.TextChoices):
    SUBMIT = "submit", _("提交申请")
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("驳回")
    RETURN = "return", _("退回修改")
    # Rule R4.131: back to an earlier step of this run (Decision.returned_to), not to the requester.
    RETURN_TO = "return_to", _("退回到指定步骤")
    # One member's vote at an authority body's meeting (rule R4.141): each a signed decision.
    VOTE_FOR = "for", _("表决同意")
    VOTE_AGAINST = "against", _("表决反对")
    VOTE_ABSTAIN = "abstain", _("表决弃权")
    # Rule R4.110: the requester withdrew the request before any step after it was decided.
    WITHDRAW = "withdraw", _("撤回申请")


# task.data["decision"] when a step's guard refused an approval and sent the chain back to the
# node its .Redo() names (recorded as a RETURN decision whose comment says why).
REDO = "redo"

# The node of every chain that holds the 加签 tasks (rules R4.156-R4.159).
ADDED_NODE = "added_signer"
# StepInfo.role of a 会签 member's task that names its person (rule R4.150): no role's queue
# lists it, and it is not a rework step (role "", the requester's own).
NAMED_ROLE = "@named"

# Decision.step of a withdrawal (rule R4.110): it is taken on the chain, not on one of its steps.
WITHDRAW_STEP = "withdraw"


class Decision(AppendOnlyModel):
    """One person's decision on one step; the archive reads these for the debt's timeline."""

    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="decisions")
    chain = models.CharField(_("审批链"), max_length=20, choices=Chain.choices)
    step = models.CharField(_("步骤"), max_length=50)
    step_title = models.CharField(_("步骤名称"), max_length=100, blank=True)
    decision = models.CharField(_("决定"), max_length=10, choices=DecisionKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT,
                           related_name="approval_decisions")
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代理谁"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    comment = models.TextField(_("意见"), blank=True)
    process = models.ForeignKey(ChainProcess, verbose_name=_("流程"), on_delete=models.PROTECT,
                                related_name="decisions")
    task = models.ForeignKey(Task, verbose_name=_("任务"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    # The step the chain went back to (rules R4.131, R4.47): set by a return to a chosen step and by a
    # guard's refusal; the decisions from that step's up to this one are superseded (R4.132).
    returned_to = models.CharField(_("退回到步骤"), max_length=50, blank=True, default="")

    class Meta:
        verbose_name = _("审批决定")
        verbose_name_plural = _("审批决定")
        ordering = ["at", "pk"]
        indexes = [
            # The inbox's four-eyes NOT EXISTS probes this per listed step, index-only.
            models.Index(fields=["process", "by", "step"], condition=~models.Q(decision="submit"),
                         name="qq_decision_process_by"),
        ]

    def __str__(self):
        return f"{self.debt.code} {self.step_title or self.step}: {self.get_decision_display()}"


class Signature(AppendOnlyModel):
    """A signed decision: who, when, and a SHA-256 over the decision and the exact documents."""

    decision = models.OneToOneField(Decision, verbose_name=_("决定"), on_delete=models.PROTECT,
                                    related_name="signature")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签署人"), on_delete=models.PROTECT,
                               related_name="+")
    signed_at = models.DateTimeField(_("签署时间"))
    sha256 = models.CharField(_("签名摘要(SHA-256)"), max_length=64)
    # [{"id", "doc_type", "version", "sha256"}] of the documents current when signing.
    documents = models.JSONField(_("覆盖的文件"), default=list)

    class Meta:
        verbose_name = _("电子签名")
        verbose_name_plural = _("电子签名")


class Reassignment(AppendOnlyModel):
    """清欠办主任 gave a task nobody could reach to a named person (rule R4.106)."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="+")
    process = models.ForeignKey(ChainProcess, verbose_name=_("流程"), on_delete=models.PROTECT,
                                related_name="reassignments")
    step_title = models.CharField(_("步骤"), max_length=100)
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("原办理人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("指派给"), on_delete=models.PROTECT,
                                related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("指派人"), on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.TextField(_("理由"))

    class Meta:
        verbose_name = _("任务指派")
        verbose_name_plural = _("任务指派")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.step_title} → {self.to_user}"


class AddedSignMode(models.TextChoices):
    BEFORE = "before", _("前加签（先由加签人办理，再回到本人）")
    AFTER = "after", _("后加签（本人同意后，再由加签人办理）")


class AddedSign(models.Model):
    """An approver asked one more person to sign their step (加签, rule R4.156): before their own
    decision or after it. The added person's decision is an ordinary Decision of the chain on the
    task `task` (step `added_signer`), signed and counted for four eyes like any other. Only
    `task` is ever written after the row is made (once, when an after-sign's task is created);
    what happened is in the Decisions, which are append-only."""

    process = models.ForeignKey(ChainProcess, verbose_name=_("流程"), on_delete=models.PROTECT,
                                related_name="added_signs")
    host_task = models.ForeignKey(Task, verbose_name=_("加签的步骤任务"), on_delete=models.PROTECT, related_name="+")
    host_step = models.CharField(_("加签的步骤"), max_length=50)
    host_title = models.CharField(_("加签的步骤名称"), max_length=100)
    mode = models.CharField(_("方式"), max_length=10, choices=AddedSignMode.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("加签发起人"), on_delete=models.PROTECT,
                           related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("加签人"), on_delete=models.PROTECT,
                                related_name="+")
    reason = models.TextField(_("加签理由"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    # The added person's task: made at once for a before-sign, when the host approves for an after-sign.
    task = models.ForeignKey(Task, verbose_name=_("加签任务"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = _("加签")
        verbose_name_plural = _("加签")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.host_title} + {self.to_user}"


class JointMode(models.TextChoices):
    ALL = "all", _("会签（全部同意）")
    ANY = "any", _("或签（一人同意即可）")


class JointSignRule(models.Model):
    """会签 / 或签 (rules R4.148-R4.154): a step decided by several named roles or people instead of
    one holder of the step's role. A chain keeps the rules in force when it was submitted
    (ChainProcess.data["joint"], rule R4.149); a change here applies to requests submitted after."""

    chain = models.CharField(_("审批链"), max_length=20, choices=Chain.choices)
    step = models.CharField(_("步骤"), max_length=50, help_text=_("审批链中的人工审批步骤"))
    mode = models.CharField(_("方式"), max_length=3, choices=JointMode.choices, default=JointMode.ALL)
    roles = models.JSONField(_("会签角色"), default=list, blank=True,
                             help_text=_("每个角色一项会签任务，由该角色的任一人员认领"))
    users = models.JSONField(_("会签人员"), default=list, blank=True,
                             help_text=_("每人一项会签任务，直接派给本人"))
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("会签/或签设置")
        verbose_name_plural = _("会签/或签设置")
        constraints = [models.UniqueConstraint(fields=["chain", "step"], name="qq_joint_rule_chain_step")]

    def __str__(self):
        return f"{self.get_chain_display()} {self.step_label}：{self.get_mode_display()}"

    @property
    def step_label(self) -> str:
        try:
            return str(registry.flow_for(self.chain).instance.node(self.step).task_title)
        except (LookupError, AttributeError):
            return self.step


class ChainComment(AppendOnlyModel):
    """评论 (rule R4.120): a participant's remark on a running chain. Not a decision: it never
    moves the chain and does not count for four eyes (four_eyes reads Decision only)."""

    process = models.ForeignKey(ChainProcess, verbose_name=_("流程"), on_delete=models.PROTECT,
                                related_name="comments")
    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="chain_comments")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评论人"), on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    text = models.TextField(_("评论内容"))

    class Meta:
        verbose_name = _("审批评论")
        verbose_name_plural = _("审批评论")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["process", "at"], name="qq_comment_process_at")]

    def __str__(self):
        return f"{self.by}: {self.text[:30]}"


class CopyMoment(models.TextChoices):
    START = "start", _("发起时抄送")
    END = "end", _("结束时抄送")
    AD_HOC = "ad_hoc", _("临时抄送")


def _role_choices():
    return [(code, label) for code, label in ROLE_LABELS.items()]


class ChainCopySettings(models.Model):
    """抄送 per chain (rule R4.121): the roles copied when the request is submitted and when the
    chain ends (chain A: the inventory list and the signed receipt list, rule R4.23)."""

    chain = models.CharField(_("审批链"), max_length=20, choices=Chain.choices, unique=True)
    at_start = models.JSONField(_("发起时抄送的角色"), default=list, blank=True)
    at_end = models.JSONField(_("结束时抄送的角色"), default=list, blank=True)

    class Meta:
        verbose_name = _("抄送设置")
        verbose_name_plural = _("抄送设置")
        ordering = ["chain"]

    def __str__(self):
        return str(self.get_chain_display())

    def clean(self):
        unknown = [r for r in [*(self.at_start or []), *(self.at_end or [])] if r not in ROLE_LABELS]
        if unknown:
            raise ValidationError(gettext("未知角色：%(roles)s") % {"roles": "、".join(unknown)})


class ChainCopy(AppendOnlyModel):
    """One person copied on one chain (rule R4.121): who, by whom (none: by the chain's settings),
    when, at which moment. The copied may read the chain's dossier (access.get_process_for)."""

    process = models.ForeignKey(ChainProcess, verbose_name=_("流程"), on_delete=models.PROTECT,
                                related_name="copies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("抄送给"), on_delete=models.PROTECT,
                             related_name="chain_copies")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("抄送人"), null=True, blank=True,
                           on_delete=models.PROTECT, related_name="+")
    moment = models.CharField(_("抄送时点"), max_length=10, choices=CopyMoment.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("抄送记录")
        verbose_name_plural = _("抄送记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"], name="qq_copy_user_at"),
                   models.Index(fields=["process", "user"], name="qq_copy_process_user")]

    def __str__(self):
        return f"{self.process_id} → {self.user}"


class Transfer(AppendOnlyModel):
    """The holder of a claimed task handed it to another person eligible for the step (转交, rule
    R4.130). Kept apart from Reassignment: 清欠办主任's designation lets role and unit give way
    (R4.106, four_eyes.why_not reads it), a transfer never does, and it is no delegation period."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="+")
    process = models.ForeignKey(ChainProcess, verbose_name=_("流程"), on_delete=models.PROTECT,
                                related_name="transfers")
    step = models.CharField(_("步骤代码"), max_length=50)
    step_title = models.CharField(_("步骤"), max_length=100)
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("转交人"), on_delete=models.PROTECT,
                                  related_name="+")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.PROTECT,
                                related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.TextField(_("转交理由"))

    class Meta:
        verbose_name = _("任务转交")
        verbose_name_plural = _("任务转交")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.step_title}: {self.from_user} → {self.to_user}"


class SignatureFailure(AppendOnlyModel):
    """A wrong password typed to sign (rule R4.11): counted for the signing lock, kept as a record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT,
                             related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    task_id = models.PositiveBigIntegerField(_("任务"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("签署密码错误")
        verbose_name_plural = _("签署密码错误")
        indexes = [models.Index(fields=["user", "at"])]


class SignatureLock(AppendOnlyModel):
    """Signing locked for a user after too many wrong passwords (rule R4.11); ends at `until`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT,
                             related_name="+")
    at = models.DateTimeField(_("锁定时间"), default=timezone.now)
    until = models.DateTimeField(_("锁定至"))
    failures = models.PositiveSmallIntegerField(_("错误次数"))

    class Meta:
        verbose_name = _("签署锁定")
        verbose_name_plural = _("签署锁定")
        indexes = [models.Index(fields=["user", "until"])]


class LitigationList(AppendOnlyModel):
    """《强制性催收客户名单》: the litigation proposals of a period the 总经理 signed as one list
    (rule R4.62). Each proposal keeps its own chain, decision and signature; the list records
    what was on it and a SHA-256 over that."""

    period_start = models.DateField(_("期间起"))
    period_end = models.DateField(_("期间止"))
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签批人"), on_delete=models.PROTECT,
                                  related_name="+")
    signed_at = models.DateTimeField(_("签批时间"))
    # [{"process", "debt", "debtor", "amount"}], in the order shown to the signer
    entries = models.JSONField(_("名单"), default=list)
    sha256 = models.CharField(_("名单摘要(SHA-256)"), max_length=64)

    class Meta:
        verbose_name = _("强制性催收客户名单")
        verbose_name_plural = _("强制性催收客户名单")
        ordering = ["-signed_at", "-pk"]

    def __str__(self):
        return gettext("强制性催收客户名单 第%(pk)s号（%(start)s 至 %(end)s）") % {
            "pk": self.pk, "start": self.period_start, "end": self.period_end}


class StepInfo(models.Model):
    """What viewflow's Task lacks: deadline, escalation and delegation of one human step."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="step_info")
    process = models.ForeignKey(ChainProcess, on_delete=models.CASCADE, related_name="step_infos")
    debt = models.ForeignKey(Debt, on_delete=models.CASCADE, related_name="+")
    chain = models.CharField(_("审批链"), max_length=20, choices=Chain.choices)
    step_title = models.CharField(_("步骤"), max_length=100)
    # The node name, as Decision.step: the inbox compares them for "one person, one step".
    # db_default so set-based inserts (bench/inbox.py) need not name it.
    step = models.CharField(_("步骤代码"), max_length=50, blank=True, db_default="")
    role = models.CharField(_("角色"), max_length=32, blank=True)
    # Unit the role is scoped to, null when a group-level role acts.
    unit_id_scope = models.BigIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(_("截止时间"), db_index=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    on_behalf_of = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text=_("任务因委托转给代理人时的原办理人"))
    open = models.BooleanField(default=True)
    # Copies kept in step with the task (signals.py) so the inbox reads one table.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # The pass through a 会签/或签 step this member's task belongs to (task.data["joint"]["group"],
    # rule R4.152): the inbox leaves out a member's task whose group the user holds another of.
    joint_group = models.CharField(max_length=16, blank=True, db_default="")

    class Meta:
        indexes = [
            models.Index(fields=["open", "due_at"]),
            models.Index(fields=["open", "role"]),
            models.Index(fields=["owner", "due_at"], condition=models.Q(open=True), name="qq_step_mine"),
            models.Index(fields=["role", "due_at"], condition=models.Q(open=True, owner__isnull=True),
                         name="qq_step_claimable"),
            # Few rows (会签 members' tasks): the inbox's "one person, one member" probe.
            models.Index(fields=["joint_group", "owner"], condition=~models.Q(joint_group=""),
                         name="qq_step_joint_group"),
        ]

    def __str__(self):
        return f"{self.step_title} #{self.task_id}"

    @property
    def overdue(self):
        return self.open and self.due_at < timezone.now()


class ChainUrge(AppendOnlyModel):
    """催办 (rule R4.111): the requester or 清欠办 reminded the candidates of an open step; at
    most one per step within QQ_URGE_INTERVAL_HOURS."""

    process = models.ForeignKey(ChainProcess, verbose_name=_("流程"), on_delete=models.PROTECT,
                                related_name="urges")
    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="+")
    step = models.CharField(_("步骤代码"), max_length=50)
    step_title = models.CharField(_("步骤"), max_length=100)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("催办人"), on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    message = models.CharField(_("催办留言"), max_length=200, blank=True)
    notified = models.PositiveIntegerField(_("通知人数"), default=0)

    class Meta:
        verbose_name = _("催办记录")
        verbose_name_plural = _("催办记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["task", "at"])]

    def __str__(self):
        return f"{self.step_title} · {self.by} · {self.at:%Y-%m-%d %H:%M}"

    @property
    def title(self):
        """The step's title in the reader's language (the stored one is the language of the day)."""
        node = self.process.flow_class.instance.node(self.step)
        return str(getattr(node, "task_title", "") or self.step_title)


class AuthorityMatrix(models.Model):
    """One version of the authority table; the newest version in effect on a date applies."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审批权限表")
        verbose_name_plural = _("审批权限表")
        ordering = ["-effective_from", "-version"]

    def __str__(self):
        return gettext("第%(v)s版（%(d)s起）") % {"v": self.version, "d": self.effective_from}


class AuthorityRule(models.Model):
    matrix = models.ForeignKey(AuthorityMatrix, verbose_name=_("版本"), on_delete=models.PROTECT,
                               related_name="rules")
    # Inclusive upper bound in CNY; null means no upper bound.
    max_amount = models.DecimalField(_("金额上限(含)"), **MONEY, null=True, blank=True)
    body = models.CharField(_("审批机构"), max_length=32, choices=[(k, v) for k, v in ROLE_LABELS.items()])

    class Meta:
        verbose_name = _("审批权限规则")
        verbose_name_plural = _("审批权限规则")
        ordering = ["matrix", models.F("max_amount").asc(nulls_last=True)]

    def __str__(self):
        limit = self.max_amount if self.max_amount is not None else "∞"
        return f"≤ {limit}: {ROLE_LABELS.get(self.body, self.body)} ({self.matrix})"


class Delegation(models.Model):
    """While `user` is absent, tasks assigned to them go to `delegate` (same role)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("委托人"), on_delete=models.PROTECT,
                             related_name="delegations_given")
    delegate = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代理人"), on_delete=models.PROTECT,
                                 related_name="delegations_received")
    starts = models.DateTimeField(_("开始时间"))
    ends = models.DateTimeField(_("结束时间"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("委托代理")
        verbose_name_plural = _("委托代理")
        ordering = ["-starts"]

    def __str__(self):
        return gettext("%(user)s 委托 %(delegate)s（%(starts)s 至 %(ends)s）") % {
            "user": self.user, "delegate": self.delegate, "starts": self.starts, "ends": self.ends}

    def clean(self):
        errors = {}
        if self.user_id and self.delegate_id and self.user_id == self.delegate_id:
            errors["delegate"] = gettext("代理人不能是本人")
        if self.starts and self.ends and self.ends <= self.starts:
            errors["ends"] = gettext("结束时间必须晚于开始时间")
        if errors:
            raise ValidationError(errors)


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("新任务")
    RETURNED = "returned", _("退回修改")
    REJECTED = "rejected", _("已驳回")
    APPROVED = "approved", _("已批准")
    ESCALATED = "escalated", _("已升级")
    COPY = "copy", _("抄送")
    COMMENT = "comment", _("评论")
    SIGNATURE_LOCKED = "signature_locked", _("签署已锁定")
    WITHDRAWN = "withdrawn", _("申请已撤回")
    URGED = "urged", _("催办")


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=20, choices=NotificationKind.choices)
    message = models.CharField(_("内容"), max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.message


class NotificationChannel(models.Model):
    """Where a person's notifications go besides the inbox and e-mail: an apprise URL such as
    wecombot://<key> (企业微信 群机器人), dingtalk://<token> (钉钉) or feishu://<token> (飞书)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                related_name="notification_channel")
    url = models.CharField(_("通知地址"), max_length=500,
                           help_text=_("apprise 地址，例如 wecombot://机器人密钥、dingtalk://令牌、feishu://令牌"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("通知渠道")
        verbose_name_plural = _("通知渠道")

    def __str__(self):
        return gettext("%(user)s 的通知渠道") % {"user": self.user}

    def clean(self):
        if not apprise.Apprise().add(self.url):
            raise ValidationError({"url": gettext("通知地址无法识别：请填写 apprise 支持的地址（如 wecombot://…）")})


# --- meetings of an authority body (rules R4.140-R4.147) -------------------------------------

MEETING_BODIES = ("gm_office", "board", "shareholders")


class MajorityBase(models.TextChoices):
    PRESENT = "present", pgettext_lazy("通过比例的基数", "出席成员")
    MEMBERS = "members", pgettext_lazy("通过比例的基数", "全体成员")


class MeetingRule(models.Model):
    """Quorum and majority of one authority body (rule R4.142). No row: the defaults, more than
    half of the members present and more than half of those present in favour."""

    body = models.CharField(_("审批机构"), max_length=32, unique=True,
                            choices=[(b, ROLE_LABELS[b]) for b in MEETING_BODIES])
    quorum_share = models.DecimalField(_("出席比例"), max_digits=3, decimal_places=2, default=Decimal("0.50"))
    quorum_strict = models.BooleanField(_("须超过该比例"), default=True,
                                        help_text=_("勾选：出席人数须超过（过半数）；不勾选：达到即可"))
    pass_share = models.DecimalField(_("通过比例"), max_digits=3, decimal_places=2, default=Decimal("0.50"))
    pass_strict = models.BooleanField(_("同意须超过该比例"), default=True)
    pass_base = models.CharField(_("通过比例的基数"), max_length=10, choices=MajorityBase.choices,
                                 default=MajorityBase.PRESENT)
    note = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("如：公司章程第×条"))

    class Meta:
        verbose_name = _("会议表决规则")
        verbose_name_plural = _("会议表决规则")

    def __str__(self):
        return str(ROLE_LABELS.get(self.body, self.body))

    def clean(self):
        for name in ("quorum_share", "pass_share"):
            value = getattr(self, name)
            if value is not None and not (Decimal("0") < value <= Decimal("1")):
                raise ValidationError({name: gettext("比例须大于 0 且不超过 1")})


class MeetingStatus(models.TextChoices):
    VOTING = "voting", _("表决中")
    NO_QUORUM = "no_quorum", _("未达法定出席人数")
    PASSED = "passed", _("表决通过")
    FAILED = "failed", _("表决未通过")


class Meeting(models.Model):
    """One sitting of an authority body on one approval task (rule R4.140). The secretary (who
    claimed the task) records who is present; each present member votes; the secretary closes.
    Written only by approvals.meetings."""

    process = models.ForeignKey(ChainProcess, verbose_name=_("流程"), on_delete=models.PROTECT,
                                related_name="meetings")
    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="+")
    step = models.CharField(_("步骤"), max_length=50)
    body = models.CharField(_("审批机构"), max_length=32)
    secretary = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("会议记录人"), on_delete=models.PROTECT,
                                  related_name="+")
    convened_at = models.DateTimeField(_("召开时间"), default=timezone.now)
    # Snapshots taken when the meeting opens: user ids of the body's members, of those who
    # may not vote on this chain (rule R4.144) and of those present.
    members = models.JSONField(_("成员"), default=list)
    recused = models.JSONField(_("回避成员"), default=list)
    present = models.JSONField(_("出席成员"), default=list)
    # The rule applied, as it was: {"quorum_share", "quorum_strict", "pass_share", ...}
    rule = models.JSONField(_("表决规则"), default=dict)
    status = models.CharField(_("状态"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.VOTING)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    tally = models.JSONField(_("计票"), default=dict)
    minutes = models.ForeignKey("documents.Document", verbose_name=_("会议记录"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    resolution = models.ForeignKey("documents.Document", verbose_name=_("会议批准文件"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("审批机构会议")
        verbose_name_plural = _("审批机构会议")
        ordering = ["convened_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["task"], condition=models.Q(status="voting"),
                                    name="one_open_meeting_per_task"),
        ]

    def __str__(self):
        return gettext("%(body)s会议 #%(pk)s") % {"body": ROLE_LABELS.get(self.body, self.body), "pk": self.pk}

    @property
    def body_label(self):
        return ROLE_LABELS.get(self.body, self.body)


class MeetingVote(AppendOnlyModel):
    """One present member's vote (rule R4.141); the vote itself is the signed Decision."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("成员"), on_delete=models.PROTECT,
                               related_name="+")
    vote = models.CharField(_("表决"), max_length=10, choices=[
        (DecisionKind.VOTE_FOR, pgettext_lazy("表决", "同意")), (DecisionKind.VOTE_AGAINST, _("反对")),
        (DecisionKind.VOTE_ABSTAIN, _("弃权"))])
    decision = models.OneToOneField(Decision, verbose_name=_("决定"), on_delete=models.PROTECT, related_name="vote")
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("会议表决")
        verbose_name_plural = _("会议表决")
        ordering = ["at", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="one_vote_per_member")]
