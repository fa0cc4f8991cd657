"""Data of assessment, rewards and penalties (rules R6.6-R6.15).

Configuration (rates, weights) is versioned by an effective date so a past quarter is always
recomputed with the rates that were in force at its end. Collection costs are append-only:
a cost that arrives after a reward was paid is clawed back later, never edited away.
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
from workflows.models.debts import MONEY, Category

RATE = dict(max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0")),
                                                         MaxValueValidator(Decimal("100"))])


class CollectionCost(AppendOnlyModel):
    """清欠费用: money spent to collect a debt; it reduces the reward base (net recovery)."""

    debt = models.ForeignKey("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT,
                             related_name="collection_costs")
    amount = models.DecimalField(_("金额"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    date = models.DateField(_("发生日期"))
    description = models.CharField(_("说明"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("清欠费用")
        verbose_name_plural = _("清欠费用")
        ordering = ["date", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="collection_cost_positive")]
        triggers = [pgtrigger.Protect(name="collection_cost_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]


class RewardRates(models.Model):
    """Reward and penalty rates in percent; the defaults are rules R6.8-R6.13.
    The row with the latest effective_from on or before a date is the one in force."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    recovery_rate = models.DecimalField(_("收回1-3年账龄欠款奖励(第一责任人,%)"), **RATE, default=Decimal("2.00"))
    recovery_others_rate = models.DecimalField(_("收回1-3年账龄欠款奖励(相关责任人,%)"), **RATE,
                                               default=Decimal("0.00"))
    reward_min_age_days = models.PositiveIntegerField(_("奖励账龄下限(天,不含)"), default=365)
    reward_max_age_days = models.PositiveIntegerField(_("奖励账龄上限(天,含)"), default=1095)
    claim_rate = models.DecimalField(_("索赔款奖励(%)"), **RATE, default=Decimal("10.00"))
    hard_debt_extra_rate = models.DecimalField(_("指定难收欠款上浮(%)"), **RATE, default=Decimal("1.00"))
    overdue_penalty_rate = models.DecimalField(_("逾期未收回罚款(%)"), **RATE, default=Decimal("1.00"))
    overdue_penalty_days = models.PositiveIntegerField(_("逾期罚款起点(天,不含)"), default=730)
    retention_responsible_rate = models.DecimalField(_("质保金/保证金罚款(第一责任人,%)"), **RATE,
                                                     default=Decimal("3.00"))
    retention_others_rate = models.DecimalField(_("质保金/保证金罚款(相关责任人,%)"), **RATE,
                                                default=Decimal("2.00"))
    retention_categories = models.CharField(_("质保金/保证金类别"), max_length=200,
                                            default="retention,other_bond")
    advance_responsible_rate = models.DecimalField(_("押金/预付款罚款(第一责任人,%)"), **RATE,
                                                   default=Decimal("2.00"))
    advance_others_rate = models.DecimalField(_("押金/预付款罚款(相关责任人,%)"), **RATE, default=Decimal("1.00"))
    advance_categories = models.CharField(_("押金/预付款类别"), max_length=200,
                                          default="advance,other_receivable,performance_bond,cash_deposit")
    withhold_rate = models.DecimalField(
        _("未收回欠款暂扣业绩工资(%)"), **RATE, default=Decimal("20.00"),
        help_text=_("欠款收回前，按未收回金额的此比例暂扣第一责任人的业绩工资，收回后补发"))
    penalty_quarter = models.PositiveSmallIntegerField(
        _("计提罚款的季度"), default=4, validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("罚款从当年业绩工资中抵扣，默认在第四季度考核中计提"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设置人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("奖罚比例")
        verbose_name_plural = _("奖罚比例")
        ordering = ["-effective_from"]

    def __str__(self):
        return gettext("奖罚比例（%(d)s 起）") % {"d": self.effective_from}

    def clean(self):
        known = set(Category.values)
        for field in ("retention_categories", "advance_categories"):
            unknown = set(self.category_list(field)) - known
            if unknown:
                raise ValidationError({field: gettext("未知的债权类别：%(c)s") % {"c": ", ".join(sorted(unknown))}})
        if self.reward_min_age_days >= self.reward_max_age_days:
            raise ValidationError({"reward_max_age_days": gettext("奖励账龄上限须大于下限")})

    def category_list(self, field):
        return [c.strip() for c in getattr(self, field).replace("，", ",").split(",") if c.strip()]

    @classmethod
    def in_force(cls, on):
        """The rates in force on a date; the defaults of rule R6.14 when none is configured."""
        return cls.objects.filter(effective_from__lte=on).first() or cls(effective_from=on)


class AssessmentWeights(models.Model):
    """Weights (percent, summing to 100) of the four quarterly indicators."""

    effective_from = models.DateField(_("生效日期"), unique=True)
    plan_weight = models.DecimalField(_("计划完成率权重"), **RATE, default=Decimal("40.00"))
    recovery_weight = models.DecimalField(_("回收率权重"), **RATE, default=Decimal("30.00"))
    overdue_weight = models.DecimalField(_("逾期控制权重"), **RATE, default=Decimal("20.00"))
    limitation_weight = models.DecimalField(_("诉讼时效管理权重"), **RATE, default=Decimal("10.00"))
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核指标权重")
        verbose_name_plural = _("考核指标权重")
        ordering = ["-effective_from"]

    def __str__(self):
        return gettext("考核权重（%(d)s 起）") % {"d": self.effective_from}

    def clean(self):
        if self.plan_weight + self.recovery_weight + self.overdue_weight + self.limitation_weight != 100:
            raise ValidationError({"plan_weight": gettext("四项权重之和须为 100")})

    @classmethod
    def in_force(cls, on):
        return cls.objects.filter(effective_from__lte=on).first() or cls(effective_from=on)


class HardDebt(models.Model):
    """难以追缴的欠款 designated by a company meeting: recovering it earns the extra rate."""

    debt = models.OneToOneField("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT,
                                related_name="hard_designation")
    designated_on = models.DateField(_("指定日期"))
    resolution = models.CharField(_("会议决议"), max_length=200)
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                      related_name="+")
    designated_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("指定难收欠款")
        verbose_name_plural = _("指定难收欠款")

    def __str__(self):
        return gettext("难收欠款：债权 #%(debt)s") % {"debt": self.debt_id}


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    APPROVED = "approved", _("清欠小组已批准")


class QuarterAssessment(models.Model):
    """One quarter's reward/penalty list; 清欠小组 approves it, finance pays or deducts."""

    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    state = models.CharField(_("状态"), max_length=12, choices=AssessmentState.choices, default=AssessmentState.DRAFT)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("计算人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("季度考核")
        verbose_name_plural = _("季度考核")
        ordering = ["-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["year", "quarter"], name="one_assessment_per_quarter")]

    def __str__(self):
        return gettext("%(y)d 年第 %(q)d 季度考核") % {"y": self.year, "q": self.quarter}


class AssessmentLine(models.Model):
    """One person's totals in a quarter; person null = the unassigned share of "others"."""

    assessment = models.ForeignKey(QuarterAssessment, verbose_name=_("考核"), on_delete=models.CASCADE,
                                   related_name="lines")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("人员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    reward = models.DecimalField(_("奖励(元)"), **MONEY, default=Decimal("0.00"))
    clawback = models.DecimalField(_("扣回(元)"), **MONEY, default=Decimal("0.00"))
    penalty = models.DecimalField(_("罚款(元)"), **MONEY, default=Decimal("0.00"))
    withheld = models.DecimalField(_("暂扣(元)"), **MONEY, default=Decimal("0.00"))
    net = models.DecimalField(_("应发/应扣净额(元)"), **MONEY, default=Decimal("0.00"))
    plan_score = models.DecimalField(_("计划完成率得分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    recovery_score = models.DecimalField(_("回收率得分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    overdue_score = models.DecimalField(_("逾期控制得分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    limitation_score = models.DecimalField(_("时效管理得分"), max_digits=6, decimal_places=2, default=Decimal("0"))
    score = models.DecimalField(_("综合得分"), max_digits=6, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("考核明细")
        verbose_name_plural = _("考核明细")
        ordering = ["assessment", "person_id"]

    def __str__(self):
        return gettext("考核 #%(a)s 人员 #%(p)s") % {"a": self.assessment_id, "p": self.person_id or "-"}


class ItemKind(models.TextChoices):
    REWARD = "reward", _("奖励")
    CLAWBACK = "clawback", _("费用扣回")
    PENALTY = "penalty", _("罚款")
    WITHHELD = "withheld", _("暂扣业绩工资")


class RewardItem(models.Model):
    """One computed amount for one debt and one person: what the line totals are made of,
    so finance and the auditor can trace every yuan to its base and rate."""

    assessment = models.ForeignKey(QuarterAssessment, verbose_name=_("考核"), on_delete=models.CASCADE,
                                   related_name="items")
    debt = models.ForeignKey("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("人员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    share = models.CharField(_("身份"), max_length=12,
                             choices=[("responsible", _("第一责任人")), ("others", _("相关责任人"))])
    kind = models.CharField(_("类型"), max_length=10, choices=ItemKind.choices)
    base = models.DecimalField(_("基数(元)"), **MONEY)
    rate = models.DecimalField(_("比例(%)"), max_digits=5, decimal_places=2)
    amount = models.DecimalField(_("金额(元)"), **MONEY)
    # Costs with an id up to this one were counted; later costs claw back in a later quarter.
    costs_through = models.BigIntegerField(_("已计入费用至ID"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("奖罚明细")
        verbose_name_plural = _("奖罚明细")
        ordering = ["assessment", "debt_id", "kind", "share"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} (#{self.debt_id})"


