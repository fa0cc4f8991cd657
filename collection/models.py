"""Collection work (rules R9.x, R4.81-R4.83): contacts, visits, letters, payment plans, legal cases and
outsourcing. Rules live in the service modules beside this one; models guard invariants."""
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from workflows.append_only import AppendOnlyModel
from workflows.models import MONEY, Debt, LedgerEntry, OrgUnit

ZERO = Decimal("0.00")
USER = settings.AUTH_USER_MODEL


class ContactKind(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    LETTER = "letter", _("函件")
    VISIT = "visit", _("上门走访")
    NEGOTIATION = "negotiation", _("谈判")
    CREDIT_QUERY = "credit_query", _("征信查询")


class PromiseState(models.TextChoices):
    NONE = "", _("无承诺")
    OPEN = "open", _("待履行")
    KEPT = "kept", _("已履行")
    BROKEN = "broken", _("已违约")


class Contact(models.Model):
    """One collection contact with the debtor (催收记录)."""

    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(_("方式"), max_length=20, choices=ContactKind.choices)
    at = models.DateTimeField(_("联系时间"), db_index=True)
    outcome = models.TextField(_("结果"))
    promise_amount = models.DecimalField(_("承诺还款金额"), **MONEY, null=True, blank=True,
                                         validators=[MinValueValidator(Decimal("0.01"))])
    promise_date = models.DateField(_("承诺还款日期"), null=True, blank=True)
    # The local day the promise was made: payments from that day on count towards it.
    promise_made_on = models.DateField(_("承诺日期"), null=True, blank=True)
    promise_state = models.CharField(_("承诺状态"), max_length=10, choices=PromiseState.choices, blank=True,
                                     default=PromiseState.NONE)
    by = models.ForeignKey(USER, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    documents = models.ManyToManyField(Document, verbose_name=_("附件"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("催收记录")
        verbose_name_plural = _("催收记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["promise_state", "promise_date"])]
        constraints = [
            models.CheckConstraint(
                name="contact_promise_complete",
                condition=(models.Q(promise_state="", promise_amount__isnull=True, promise_date__isnull=True)
                           | (~models.Q(promise_state="") & models.Q(promise_amount__isnull=False,
                                                                      promise_date__isnull=False,
                                                                      promise_made_on__isnull=False))),
            ),
        ]

    def __str__(self):
        return f"{self.debt_id} {self.get_kind_display()} {self.at:%Y-%m-%d}"

    # How a contact reads on the archive's timeline (collection.timeline): kind and outcome.
    def get_channel_display(self):
        return f"{self.get_kind_display()}：{self.outcome[:80]}"


class VisitReport(models.Model):
    """走访报告: what was found on site after an approved visit plan (chain E)."""

    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="visit_reports")
    contact = models.OneToOneField(Contact, verbose_name=_("催收记录"), on_delete=models.PROTECT,
                                   related_name="visit_report")
    visited_on = models.DateField(_("走访日期"))
    business_operating = models.BooleanField(_("债务人仍在经营"))
    assets_seen = models.TextField(_("所见资产"), blank=True)
    met_whom = models.CharField(_("接待人"), max_length=200)
    next_step = models.TextField(_("下一步"))
    by = models.ForeignKey(USER, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="+")
    photos = models.ManyToManyField(Document, verbose_name=_("照片"), blank=True, related_name="+")
    # The visit record signed on site by the debtor's representative (rule R9.4).
    signed_record = models.ForeignKey(Document, verbose_name=_("债务人签字的走访记录"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    # Without a signed record, why none could be had (rule R9.4): refused, nobody authorised …
    no_signature_reason = models.TextField(_("未取得签字的原因"), blank=True)
    # SHA-256 of what was reported (rule R9.4: a second identical submission is refused);
    # empty on reports recorded before the rule.
    fingerprint = models.CharField(_("内容指纹"), max_length=64, null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("走访报告")
        verbose_name_plural = _("走访报告")
        ordering = ["-visited_on", "-pk"]
        constraints = [
            models.CheckConstraint(name="visit_signed_or_reason",
                                   condition=models.Q(signed_record__isnull=False) | ~models.Q(no_signature_reason="")),
            models.UniqueConstraint(fields=["debt", "fingerprint"], name="visit_report_once"),
        ]

    def __str__(self):
        return gettext("走访报告 %(day)s（债权 #%(debt)s）") % {"day": self.visited_on, "debt": self.debt_id}


class LetterKind(models.TextChoices):
    DEMAND = "demand", _("催款函")
    BALANCE_CONFIRMATION = "balance_confirmation", _("对账确认函")
    # Only while a law firm is engaged for the debt (rule R9.5); otherwise the legal team
    # sends a 法务催告函 in the unit's own name.
    LAWYER = "lawyer", _("律师函")
    LEGAL_NOTICE = "legal_notice", _("法务催告函")


class Letterhead(models.Model):
    """信笺抬头 of a unit that sends letters (rule R9.13): who writes, how to reach them, the
    account the debtor pays into, and the 发文代字 of its 发文字号."""

    unit = models.OneToOneField(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT,
                                related_name="letterhead")
    name = models.CharField(_("发文单位名称"), max_length=200, help_text=_("函件抬头和落款使用的全称"))
    address = models.CharField(_("地址"), max_length=300)
    postcode = models.CharField(_("邮政编码"), max_length=10, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=100)
    telephone = models.CharField(_("联系电话"), max_length=50)
    doc_code = models.CharField(_("发文代字"), max_length=20,
                                help_text=_("发文字号的代字，如“一分清”：发文字号为 一分清〔2026〕1号"))
    account_name = models.CharField(_("收款账户户名"), max_length=200)
    bank_name = models.CharField(_("开户银行"), max_length=200)
    account_number = models.CharField(_("银行账号"), max_length=40)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("函件抬头")
        verbose_name_plural = _("函件抬头")
        ordering = ["unit__code"]

    def __str__(self):
        return self.name


class LetterSequence(models.Model):
    """The last 发文字号 taken per unit and year (rule R9.13); letters take the next one in the
    transaction that archives them, so numbers are neither repeated nor skipped."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用到的序号"), default=0)

    class Meta:
        verbose_name = _("发文字号序号")
        verbose_name_plural = _("发文字号序号")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="letter_sequence_unit_year")]

    def __str__(self):
        return f"{self.unit_id} {self.year}: {self.last}"


class DeliveryProof(models.TextChoices):
    RECEIPT = "receipt", _("回执扫描件")
    EVIDENCE = "evidence", _("存证记录")


class ConfirmationSettings(models.Model):
    """Which debts finance's scheduled balance confirmations cover (rule R5.19); one row, kept in
    the admin. Without a row the defaults apply."""

    months_unconfirmed = models.PositiveSmallIntegerField(
        _("未签认月数"), default=12, validators=[MinValueValidator(1)],
        help_text=_("超过这么多个月没有债务人书面签认的债权发函"))
    lapse_within_days = models.PositiveIntegerField(
        _("时效届满前天数"), default=180, help_text=_("诉讼时效在这么多天内届满的债权发函"))
    resend_after_days = models.PositiveIntegerField(
        _("重发间隔(天)"), default=30, help_text=_("这么多天内已发出、尚未签认的对账确认函不重复发出"))

    class Meta:
        verbose_name = _("定期对账设置")
        verbose_name_plural = _("定期对账设置")

    def __str__(self):
        return gettext("定期对账设置")

    @classmethod
    def current(cls) -> "ConfirmationSettings":
        return cls.objects.order_by("pk").first() or cls()


class ConfirmationRun(models.Model):
    """One bulk generation of 对账确认函 (rule R5.19), run by one background job whose progress
    the page shows. The debts are fixed when it is requested: what finance saw is what is sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    requested_by = models.ForeignKey(USER, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    as_of = models.DateField(_("基准日"))
    months_unconfirmed = models.PositiveSmallIntegerField(_("未签认月数"))
    lapse_within_days = models.PositiveIntegerField(_("时效届满前天数"))
    debt_ids = models.JSONField(_("债权"), default=list)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("债权数"), default=0)
    done = models.PositiveIntegerField(_("已生成"), default=0)
    failed = models.PositiveIntegerField(_("未能生成"), default=0)
    errors = models.JSONField(_("未能生成的原因"), default=list, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("对账确认函批量生成")
        verbose_name_plural = _("对账确认函批量生成")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return gettext("对账确认函批量生成 #%(pk)s") % {"pk": self.pk}

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int((self.done + self.failed) * 100 / self.total) if self.total else 0


class Letter(models.Model):
    """A letter generated as PDF and kept in the case file; its receipt or the debtor's signed
    confirmation interrupts the limitation period."""

    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(_("函件类型"), max_length=24, choices=LetterKind.choices)
    number = models.CharField(_("发文字号"), max_length=40, unique=True)
    # The 发文字号's parts (rule R9.13); empty on letters numbered per debt before the rule.
    unit = models.ForeignKey(OrgUnit, verbose_name=_("发文单位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    recipient = models.CharField(_("致"), max_length=200, blank=True)
    attention = models.CharField(_("收件人"), max_length=100, blank=True)
    recipient_address = models.CharField(_("收件地址"), max_length=300, blank=True)
    # The preview it was confirmed from: a second click on the same preview archives nothing.
    preview_token = models.UUIDField(_("预览编号"), null=True, blank=True, unique=True, editable=False)
    run = models.ForeignKey(ConfirmationRun, verbose_name=_("批量生成"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="letters")
    amount = models.DecimalField(_("函载金额"), **MONEY)
    document = models.ForeignKey(Document, verbose_name=_("函件"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(USER, verbose_name=_("生成人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    receipt_tracking_no = models.CharField(_("回执/快递单号"), max_length=60, blank=True)
    # Rule R5.11: what proves delivery — the signed receipt's scan or the 存证 record.
    proof_kind = models.CharField(_("送达证明"), max_length=12, choices=DeliveryProof.choices, blank=True)
    evidence_no = models.CharField(_("存证编号"), max_length=100, blank=True)
    receipt_date = models.DateField(_("送达日期"), null=True, blank=True)
    signed_confirmation_date = models.DateField(_("债务人签认日期"), null=True, blank=True)
    proof = models.ForeignKey(Document, verbose_name=_("回执/签认文件"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    proof_recorded_by = models.ForeignKey(USER, verbose_name=_("登记人"), null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="+")
    proof_recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("函件")
        verbose_name_plural = _("函件")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["unit", "year", "seq"], condition=models.Q(seq__isnull=False),
                                               name="letter_number_per_unit_year"),
                       models.UniqueConstraint(fields=["run", "debt"], condition=models.Q(run__isnull=False),
                                               name="one_letter_per_debt_per_run")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class PaymentPlan(models.Model):
    """分期还款协议."""

    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="payment_plans")
    agreed_on = models.DateField(_("签订日期"))
    total = models.DecimalField(_("协议金额"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    note = models.TextField(_("说明"), blank=True)
    document = models.ForeignKey(Document, verbose_name=_("协议文件"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(USER, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分期还款协议")
        verbose_name_plural = _("分期还款协议")
        ordering = ["-agreed_on", "-pk"]

    def __str__(self):
        return gettext("分期还款协议 #%(pk)s") % {"pk": self.pk}


class Instalment(models.Model):
    plan = models.ForeignKey(PaymentPlan, verbose_name=_("协议"), on_delete=models.PROTECT, related_name="instalments")
    seq = models.PositiveSmallIntegerField(_("期次"))
    due_date = models.DateField(_("应还日期"))
    amount = models.DecimalField(_("应还金额"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    paid_amount = models.DecimalField(_("已还金额"), **MONEY, default=ZERO)
    missed = models.BooleanField(_("逾期未还"), default=False)

    class Meta:
        verbose_name = _("分期")
        verbose_name_plural = _("分期")
        ordering = ["plan", "seq"]
        indexes = [models.Index(fields=["missed", "due_date"])]
        constraints = [
            models.UniqueConstraint(fields=["plan", "seq"], name="instalment_seq_unique"),
            models.CheckConstraint(
                condition=models.Q(paid_amount__gte=0) & models.Q(paid_amount__lte=models.F("amount")),
                name="instalment_paid_within_amount"),
        ]

    def __str__(self):
        return gettext("第 %(seq)s 期 %(due)s 应还 %(amount)s") % {
            "seq": self.seq, "due": self.due_date, "amount": self.amount}

    @property
    def outstanding(self):
        return self.amount - self.paid_amount


class InstalmentPayment(AppendOnlyModel):
    """Which part of which ledger payment went to which instalment."""

    instalment = models.ForeignKey(Instalment, verbose_name=_("分期"), on_delete=models.PROTECT,
                                   related_name="payments")
    entry = models.ForeignKey(LedgerEntry, verbose_name=_("回款分录"), on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("金额"), **MONEY)

    class Meta:
        triggers = [pgtrigger.Protect(name="instalment_payment_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]
        verbose_name = _("分期还款匹配")
        verbose_name_plural = _("分期还款匹配")
        constraints = [models.UniqueConstraint(fields=["instalment", "entry"], name="instalment_entry_once")]


class Stage(models.TextChoices):
    TAKEN = "taken", _("已受理")
    FILED = "filed", _("立案")
    HEARING = "hearing", _("开庭")
    JUDGMENT = "judgment", _("判决")
    ENFORCEMENT = "enforcement", _("执行")
    CLOSED = "closed", _("结案")


class CaseOutcome(models.TextChoices):
    JUDGMENT = "judgment", _("判决")
    SETTLEMENT = "settlement", _("法院和解/调解")


class LegalCase(models.Model):
    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="legal_cases")
    taken_by = models.ForeignKey(USER, verbose_name=_("承办人"), on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(_("受理时间"), auto_now_add=True)
    stage = models.CharField(_("阶段"), max_length=12, choices=Stage.choices, default=Stage.TAKEN, db_index=True)
    court = models.CharField(_("受理法院"), max_length=200, blank=True)
    case_number = models.CharField(_("案号"), max_length=100, blank=True)
    claim_amount = models.DecimalField(_("诉讼请求金额"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    filed_on = models.DateField(_("立案日期"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=12, choices=CaseOutcome.choices, blank=True)
    judgment_amount = models.DecimalField(_("判决/和解金额"), **MONEY, null=True, blank=True)
    judgment_on = models.DateField(_("判决/和解日期"), null=True, blank=True)
    enforcement_deadline = models.DateField(_("申请执行期限"), null=True, blank=True)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    documents = models.ManyToManyField(Document, verbose_name=_("文书"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("诉讼案件")
        verbose_name_plural = _("诉讼案件")
        ordering = ["-taken_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["debt"], condition=~models.Q(stage="closed"),
                                    name="one_open_legal_case_per_debt"),
        ]

    def __str__(self):
        return f"{self.case_number or gettext('未立案')} {self.debt.code}"


class StageChange(AppendOnlyModel):
    case = models.ForeignKey(LegalCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="stage_changes")
    from_stage = models.CharField(_("原阶段"), max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=12, choices=Stage.choices)
    on = models.DateField(_("日期"))
    by = models.ForeignKey(USER, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        triggers = [pgtrigger.Protect(name="stage_change_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]
        verbose_name = _("案件阶段记录")
        verbose_name_plural = _("案件阶段记录")
        ordering = ["at", "pk"]


class Hearing(models.Model):
    case = models.ForeignKey(LegalCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="hearings")
    at = models.DateTimeField(_("开庭时间"), db_index=True)
    place = models.CharField(_("地点/法庭"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True)
    by = models.ForeignKey(USER, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("开庭")
        verbose_name_plural = _("开庭")
        ordering = ["at"]

    def __str__(self):
        return gettext("开庭 %(at)s %(place)s") % {"at": self.at, "place": self.place}


class CaseCost(AppendOnlyModel):
    case = models.ForeignKey(LegalCase, verbose_name=_("案件"), on_delete=models.PROTECT, related_name="costs")
    kind = models.CharField(_("费用类别"), max_length=60)
    amount = models.DecimalField(_("金额"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    on = models.DateField(_("日期"))
    by = models.ForeignKey(USER, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        triggers = [pgtrigger.Protect(name="case_cost_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]
        verbose_name = _("诉讼费用")
        verbose_name_plural = _("诉讼费用")
        ordering = ["on", "pk"]


class AgencyKind(models.TextChoices):
    AGENCY = "agency", _("催收机构")
    LAW_FIRM = "law_firm", _("律师事务所")


class Agency(models.Model):
    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=AgencyKind.choices)
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True, help_text=_("律师函的抬头使用"))
    default_fee_percent = models.DecimalField(_("默认费率(%)"), max_digits=5, decimal_places=2,
                                              validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))])
    active = models.BooleanField(_("在用"), default=True)
    created_by = models.ForeignKey(USER, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("受托机构")
        verbose_name_plural = _("受托机构")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Engagement(models.Model):
    """A debt entrusted to an agency or law firm after the 总经理's decision (chain F)."""

    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="engagements")
    agency = models.ForeignKey(Agency, verbose_name=_("受托机构"), on_delete=models.PROTECT, related_name="engagements")
    decision = models.ForeignKey("approvals.ChainProcess", verbose_name=_("总经理决定(审批流程)"),
                                 on_delete=models.PROTECT, related_name="+")
    fee_percent = models.DecimalField(_("费率(%)"), max_digits=5, decimal_places=2,
                                      validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))])
    start_date = models.DateField(_("委托开始日期"))
    end_date = models.DateField(_("委托结束日期"), null=True, blank=True)
    created_by = models.ForeignKey(USER, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("委托催收")
        verbose_name_plural = _("委托催收")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["decision"], name="one_engagement_per_decision"),
            models.CheckConstraint(condition=models.Q(fee_percent__gte=0) & models.Q(fee_percent__lte=100),
                                   name="engagement_fee_percent_range"),
        ]

    def __str__(self):
        return gettext("委托 #%(pk)s（债权 #%(debt)s）") % {"pk": self.pk, "debt": self.debt_id}


class FeePayment(AppendOnlyModel):
    """A fee paid to the agency: never more than the fee earned on money already recovered."""

    engagement = models.ForeignKey(Engagement, verbose_name=_("委托"), on_delete=models.PROTECT,
                                   related_name="fee_payments")
    amount = models.DecimalField(_("金额"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    paid_on = models.DateField(_("支付日期"))
    by = models.ForeignKey(USER, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        triggers = [pgtrigger.Protect(name="fee_payment_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]
        verbose_name = _("委托费用支付")
        verbose_name_plural = _("委托费用支付")
        ordering = ["paid_on", "pk"]
