"""Data of the daily clock (rules R5.x; suspensions R4.91, accountability R5.4): its settings,
per-debt clock state, limitation events, suspensions, accountability records, 清欠办 tasks and the
run log.

Clock data lives in its own tables so the clock can rewrite it in bulk without touching the
debt rows (whose state changes go through the lifecycle only).
"""
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.append_only import AppendOnlyModel
from workflows.models.debts import MONEY


def _int_list(text, field):
    try:
        values = [int(part) for part in str(text).replace("，", ",").split(",") if part.strip()]
    except ValueError:
        raise ValidationError({field: gettext("请填写以逗号分隔的正整数天数")}) from None
    if not values or any(v <= 0 for v in values):
        raise ValidationError({field: gettext("请填写以逗号分隔的正整数天数")})
    return values


class ClockSettings(models.Model):
    """One row (pk=1) of clock configuration; defaults are those of docs/rules.md, Appendix A."""

    overdue_grace_days = models.PositiveIntegerField(
        _("逾期宽限天数"), default=0, help_text=_("到期日后经过多少天仍有余额即转为逾期；0 表示到期次日"))
    default_safe_aging_days = models.PositiveIntegerField(
        _("默认保险账龄期限(天)"), null=True, blank=True,
        help_text=_("合同未填写保险账龄期限时使用；为空表示不检查"))
    aging_bucket_days = models.CharField(
        _("账龄分段(天)"), max_length=100, default="30,90,180,365,730,1095",
        help_text=_("逾期天数分段上限，逗号分隔；默认：1-30、31-90、91-180、181-365天、1-2年、2-3年、3年以上"))
    limitation_years = models.PositiveSmallIntegerField(_("诉讼时效(年)"), default=3)
    limitation_warning_days = models.CharField(
        _("诉讼时效预警(天)"), max_length=50, default="180,90,30", help_text=_("到期前多少天预警，逗号分隔"))
    key_monitoring_amount = models.DecimalField(
        _("重点监控金额"), **MONEY, default=Decimal("500000.00"), validators=[MinValueValidator(Decimal("0.01"))])
    write_off_years = models.PositiveSmallIntegerField(_("核销所需未履行年限"), default=3)
    contract_prewarning_days = models.PositiveIntegerField(_("合同到期预警(天)"), default=30)
    safe_aging_prewarning_days = models.PositiveIntegerField(_("保险账龄预警(天)"), default=30)
    credit_prewarning_percent = models.PositiveSmallIntegerField(
        _("授信额度预警比例(%)"), default=90, help_text=_("债务人未结余额达到授信额度的此比例时预警"))
    quarterly_report_due_day = models.PositiveSmallIntegerField(
        _("季度清欠报告截止日"), default=15, validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("责任人须在每季度结束后次月的此日（含）前上报应收款项管理报表及总结分析报告"))

    class Meta:
        verbose_name = _("每日任务设置")
        verbose_name_plural = _("每日任务设置")

    def __str__(self):
        return gettext("每日任务设置")

    def clean(self):
        buckets = _int_list(self.aging_bucket_days, "aging_bucket_days")
        if buckets != sorted(set(buckets)):
            raise ValidationError({"aging_bucket_days": gettext("账龄分段须严格递增")})
        _int_list(self.limitation_warning_days, "limitation_warning_days")
        if not 1 <= self.credit_prewarning_percent <= 100:
            raise ValidationError({"credit_prewarning_percent": gettext("预警比例须在 1 到 100 之间")})
        if self.limitation_years < 1:
            raise ValidationError({"limitation_years": gettext("诉讼时效至少 1 年")})
        if self.write_off_years < 1:
            raise ValidationError({"write_off_years": gettext("核销所需未履行年限至少 1 年")})

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def buckets(self):
        return _int_list(self.aging_bucket_days, "aging_bucket_days")

    @property
    def warnings(self):
        return sorted(_int_list(self.limitation_warning_days, "limitation_warning_days"), reverse=True)


class DebtClock(models.Model):
    """What the last run worked out for one debt. Only values that change are written, so
    nothing here moves every day (days overdue are today minus the due date, at read time)."""

    debt = models.OneToOneField("workflows.Debt", verbose_name=_("债权"), primary_key=True,
                                on_delete=models.PROTECT, related_name="clock")
    arose_on = models.DateField(_("应收发生日"), null=True, help_text=_("首笔开票日期，用于保险账龄"))
    aging_bucket = models.PositiveSmallIntegerField(_("账龄段"), null=True)
    limitation_start = models.DateField(_("时效起算日"), null=True)
    # No indexes on the flags: the run rewrites them in bulk and the pages read few rows.
    limitation_deadline = models.DateField(_("诉讼时效届满日"), null=True)
    last_event_on = models.DateField(_("最近中断事由日期"), null=True)
    first_break_on = models.DateField(_("时效中断链断开日"), null=True,
                                      help_text=_("该日起的中断事由发生在时效届满之后，需人工复核"))
    warning_days = models.PositiveIntegerField(_("时效预警档(天)"), null=True)
    lapsed = models.BooleanField(_("时效已届满"), default=False)
    needs_review = models.BooleanField(_("需人工复核"), default=False)
    over_credit_limit = models.BooleanField(_("超授信额度"), default=False)
    over_safe_aging = models.BooleanField(_("超保险账龄"), default=False)
    prewarn_contract = models.BooleanField(_("合同即将到期"), default=False)
    prewarn_credit = models.BooleanField(_("接近授信额度"), default=False)
    prewarn_safe_aging = models.BooleanField(_("接近保险账龄"), default=False)

    class Meta:
        verbose_name = _("债权时钟")
        verbose_name_plural = _("债权时钟")

    def __str__(self):
        return gettext("债权 #%(debt)s 的每日任务记录") % {"debt": self.debt_id}


class DebtorExposure(models.Model):
    """A debtor's open balance against its credit limit, recomputed by every run."""

    debtor = models.OneToOneField("workflows.Debtor", verbose_name=_("债务人"), primary_key=True,
                                  on_delete=models.PROTECT, related_name="exposure")
    open_balance = models.DecimalField(_("未结余额"), **MONEY, default=Decimal("0.00"))
    over_limit = models.BooleanField(_("超授信额度"), default=False)
    near_limit = models.BooleanField(_("接近授信额度"), default=False)

    class Meta:
        verbose_name = _("债务人授信占用")
        verbose_name_plural = _("债务人授信占用")

    def __str__(self):
        return gettext("债务人 #%(d)s 未结余额 %(b)s") % {"d": self.debtor_id, "b": self.open_balance}


class LimitationEventKind(models.TextChoices):
    PAYMENT = "payment", _("回款")
    BALANCE_CONFIRMATION = "balance_confirmation", _("债务人书面签认/对账确认")
    DEMAND_LETTER_RECEIPT = "demand_letter_receipt", _("催收函(有送达回执/存证)")
    REPAYMENT_PLAN = "repayment_plan", _("还款计划/分期还款协议")
    LAWSUIT = "lawsuit", _("提起诉讼")


class LimitationEvent(models.Model):
    """An event that interrupts (restarts) the limitation period (诉讼时效中断)."""

    # Indexed by the (debt, date) index below.
    debt = models.ForeignKey("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT,
                             related_name="limitation_events", db_index=False)
    kind = models.CharField(_("事由"), max_length=32, choices=LimitationEventKind.choices)
    date = models.DateField(_("发生日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"))
    source = models.CharField(_("来源"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True)
    # Set for payments the clock derived from the ledger, so each entry counts once.
    ledger_entry = models.OneToOneField("workflows.LedgerEntry", verbose_name=_("台账分录"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="limitation_event")
    # An event after the claim lapsed does not restart it by itself (债务人可主张时效抗辩);
    # a person decides whether it does (e.g. a signed confirmation, Civil Code art. 192).
    after_lapse = models.BooleanField(_("发生在时效届满后"), default=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)
    reviewed_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    revives = models.BooleanField(_("复核认定重新起算"), default=False)

    class Meta:
        verbose_name = _("诉讼时效中断事由")
        verbose_name_plural = _("诉讼时效中断事由")
        ordering = ["debt", "date", "pk"]
        # reviewed_by is indexed only where set: almost no event is ever reviewed.
        indexes = [models.Index(fields=["debt", "date"]),
                   models.Index(fields=["reviewed_by"], name="limitationevent_reviewer_idx",
                                condition=models.Q(reviewed_by__isnull=False))]

    def __str__(self):
        return f"{self.debt_id} {self.get_kind_display()} {self.date}"


class Suspension(models.Model):
    """特殊原因: pursuit of an overdue debt suspended, approved by the 清欠办 head, with an end."""

    debt = models.ForeignKey("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT,
                             related_name="suspensions")
    reason = models.TextField(_("特殊原因"))
    start = models.DateField(_("开始日期"))
    until = models.DateField(_("截止日期"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), auto_now_add=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("暂缓追收(特殊原因)")
        verbose_name_plural = _("暂缓追收(特殊原因)")
        indexes = [models.Index(fields=["debt", "start", "until"])]
        constraints = [models.CheckConstraint(condition=models.Q(until__gte=models.F("start")),
                                              name="suspension_until_after_start")]

    def __str__(self):
        return gettext("债权 #%(debt)s 暂停追索 %(start)s 至 %(until)s") % {
            "debt": self.debt_id, "start": self.start, "until": self.until}


class OverdueRule(models.TextChoices):
    DUE_DATE = "due_date", _("到期未收回")
    SAFE_AGING = "safe_aging", _("超过保险账龄期限")
    CREDIT_LIMIT = "credit_limit", _("超过授信额度")


class AccountabilityRecord(models.Model):
    """Names the 经办人/责任人 when a debt enters overdue; they stay on it until recovered."""

    debt = models.OneToOneField("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT,
                                related_name="accountability")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                                related_name="+")
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT,
                                    related_name="+")
    entered_overdue_on = models.DateField(_("转入逾期日期"), db_index=True)
    rule = models.CharField(_("逾期原因"), max_length=20, choices=OverdueRule.choices)
    balance = models.DecimalField(_("逾期时余额"), **MONEY)
    recovered_on = models.DateField(_("收回日期"), null=True, blank=True)
    # The 清欠办 overdue queue (rule R5.5) is a query over these records: NULL = not yet triaged.
    # The night writes nothing more than the record itself; a person's action sets these.
    triaged_at = models.DateTimeField(_("清欠办处理时间"), null=True, blank=True)
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("清欠办处理人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("逾期责任记录")
        verbose_name_plural = _("逾期责任记录")
        ordering = ["-entered_overdue_on", "pk"]
        # Only the untriaged records are indexed: the queue and its menu count read just those.
        indexes = [models.Index(fields=["entered_overdue_on", "debt"], name="accountability_untriaged_idx",
                                condition=models.Q(triaged_at__isnull=True))]

    def __str__(self):
        return gettext("债权 #%(debt)s %(day)s 转入逾期") % {"debt": self.debt_id, "day": self.entered_overdue_on}


class TriageKind(models.TextChoices):
    ASSIGN = "assign", _("分派经办人")
    CONFIRM = "confirm", _("确认经办人")
    VISIT = "visit", _("发起上门催收计划")
    REVIEW = "review", _("已审阅")


class TriageAction(AppendOnlyModel):
    """What 清欠办 did with a debt of the overdue queue (rule R5.5): who, when, what, the note."""

    debt = models.ForeignKey("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT,
                             related_name="triage_actions")
    record = models.ForeignKey(AccountabilityRecord, verbose_name=_("逾期责任记录"), on_delete=models.PROTECT,
                               related_name="triage_actions")
    kind = models.CharField(_("处理方式"), max_length=10, choices=TriageKind.choices)
    note = models.CharField(_("处理说明"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), on_delete=models.PROTECT,
                           related_name="+")
    at = models.DateTimeField(_("处理时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("逾期处理记录")
        verbose_name_plural = _("逾期处理记录")
        ordering = ["-at", "-pk"]
        triggers = [pgtrigger.Protect(name="triage_action_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.debt_id} {self.get_kind_display()} {self.at:%Y-%m-%d}"


class OverdueTask(models.Model):
    """Before the overdue queue (rule R5.5) the night inserted one of these per debt; kept for
    the rows written then. Nothing writes new ones."""

    debt = models.OneToOneField("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT,
                                related_name="overdue_task")
    created_for = models.DateField(_("生成日期"), db_index=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+", db_index=False)
    done_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("逾期处理任务")
        verbose_name_plural = _("逾期处理任务")
        ordering = ["created_for", "pk"]
        # Indexed only where set: tasks are created (by the clock, in bulk) with no one yet.
        indexes = [models.Index(fields=["done_by"], name="overduetask_done_by_idx",
                                condition=models.Q(done_by__isnull=False))]

    def __str__(self):
        return gettext("债权 #%(debt)s 的清欠办任务（%(day)s）") % {"debt": self.debt_id, "day": self.created_for}


class ClockRun(models.Model):
    """One daily run per date: its progress (last debt id done) makes a killed run resumable
    and a finished one a no-op."""

    RUNNING = "running"
    DONE = "done"
    STATUS = [(RUNNING, _("运行中")), (DONE, _("完成"))]

    run_date = models.DateField(_("运行日期"), unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=STATUS, default=RUNNING)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    last_debt_id = models.BigIntegerField(_("已处理至债权ID"), default=0)
    attempts = models.PositiveIntegerField(_("运行次数"), default=0)
    debts_seen = models.PositiveIntegerField(_("处理债权数"), default=0)
    moved_overdue = models.PositiveIntegerField(_("转入逾期"), default=0)
    # Debts that entered the 清欠办 overdue queue that night (moved and not suspended); no row is written for them.
    tasks_created = models.PositiveIntegerField(_("进入清欠办待处理"), default=0)
    events_derived = models.PositiveIntegerField(_("由回款生成的中断事由"), default=0)
    # A run on Celery workers that stopped (a chunk failed for good): what stopped it, for the
    # command waiting on it and the operator; cleared when the run is started again (rule R5.20).
    error = models.TextField(_("中断原因"), blank=True)

    class Meta:
        verbose_name = _("每日任务运行记录")
        verbose_name_plural = _("每日任务运行记录")
        ordering = ["-run_date"]

    def __str__(self):
        return f"{self.run_date} {self.get_status_display()}"


class ClockChunk(models.Model):
    """One pass over one chunk of debts, done by a Celery worker (rule R5.20): the row is
    written in the chunk's own transaction, so a redelivered task finds it and does nothing,
    and a chunk whose worker died (its transaction rolled back) has none and is done again."""

    run = models.ForeignKey(ClockRun, on_delete=models.CASCADE, related_name="chunks")
    step = models.PositiveSmallIntegerField()  # the pass: 1 events, 2 clock rows, 3 rules
    lo = models.BigIntegerField()
    hi = models.BigIntegerField()
    attempt = models.PositiveIntegerField()
    rows = models.PositiveIntegerField(default=0)  # rows the pass inserted (ANALYZE between passes)
    fresh = models.BooleanField(default=False)  # pass 2 made every clock row of the chunk
    seconds = models.JSONField(default=dict)
    done_at = models.DateTimeField()

    class Meta:
        verbose_name = _("每日任务分段")
        verbose_name_plural = _("每日任务分段")
        constraints = [models.UniqueConstraint(fields=["run", "step", "lo"], name="clock_chunk_once")]

    def __str__(self):
        return f"{self.run_id} {self.step} [{self.lo}, {self.hi})"


class ClockLock(models.Model):
    """The database lock of the embedded default (no Redis): one row, held by a token until
    it is released or its lease runs out (a killed process cannot release it)."""

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("每日任务锁")
        verbose_name_plural = _("每日任务锁")

    def __str__(self):
        return self.name


