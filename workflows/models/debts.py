"""Debtors, contracts and debts, the debt's lifecycle state and its authorised edges (rules R2.x, R3.x)."""
import logging
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.append_only import AppendOnlyModel
from workflows.credit_code import validate_credit_code
from workflows.exceptions import DebtDeletionRefused, GatedTransitionError, WrittenOffDebtImmovable
from workflows.models.org import OrgUnit
from workflows.signals import debts_registered

ZERO = Decimal("0.00")
MONEY = dict(max_digits=16, decimal_places=2)


class Debtor(models.Model):
    name = models.CharField(_("债务人名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True,
                                   validators=[validate_credit_code])
    contact = models.CharField(_("联系人"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    credit_limit = models.DecimalField(_("授信额度"), **MONEY, default=ZERO,
                                       validators=[MinValueValidator(ZERO)])
    deceased = models.BooleanField(_("已死亡/注销"), default=False)
    deceased_on = models.DateField(_("死亡/注销日期"), null=True, blank=True)
    bankrupt = models.BooleanField(_("已破产"), default=False)
    bankrupt_on = models.DateField(_("破产宣告日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("债务人")
        verbose_name_plural = _("债务人")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.deceased and not self.deceased_on:
            errors["deceased_on"] = gettext("标记为已死亡/注销时须填写日期")
        if self.bankrupt and not self.bankrupt_on:
            errors["bankrupt_on"] = gettext("标记为已破产时须填写破产宣告日期")
        if errors:
            raise ValidationError(errors)


class Contract(models.Model):
    unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT,
                             related_name="contracts")
    number = models.CharField(_("合同编号"), max_length=64)
    debtor = models.ForeignKey(Debtor, verbose_name=_("债务人"), on_delete=models.PROTECT,
                               related_name="contracts")
    signed_on = models.DateField(_("签订日期"), null=True, blank=True)
    due_on = models.DateField(_("合同到期日"))
    amount = models.DecimalField(_("合同金额"), **MONEY, validators=[MinValueValidator(ZERO)])
    safe_aging_days = models.PositiveIntegerField(_("保险账龄期限(天)"), null=True, blank=True)

    class Meta:
        verbose_name = _("合同")
        verbose_name_plural = _("合同")
        constraints = [models.UniqueConstraint(fields=["unit", "number"], name="contract_number_unique_per_unit")]

    def __str__(self):
        return self.number


class Category(models.TextChoices):
    RECEIVABLE = "receivable", _("应收账款")
    PROGRESS = "progress", _("应收账款-进度款")
    SETTLEMENT = "settlement", _("应收账款-结算款")
    RETENTION = "retention", _("应收账款-质保金/保修金")
    CLAIM = "claim", _("应收账款-索赔款")
    # Rule R6.12/R6.13: 履约保证金 and 押金 are penalised at 3 %, the other 保证金 at 5 %, so they
    # are three categories (the lumped "deposit" of before was mapped by migration 0010).
    PERFORMANCE_BOND = "performance_bond", _("其他应收款-履约保证金")
    CASH_DEPOSIT = "cash_deposit", _("其他应收款-押金")
    OTHER_BOND = "other_bond", _("其他应收款-其他保证金")
    ADVANCE = "advance", _("其他应收款-备用金/垫付款")
    OTHER_RECEIVABLE = "other_receivable", _("其他应收款")
    UNSETTLED = "unsettled", _("已完工未结算款")


class State(models.TextChoices):
    NORMAL = "normal", _("正常")
    OVERDUE = "overdue", _("逾期")
    VISIT = "visit", _("上门催收")
    LEGAL = "legal", _("法律诉讼")
    SETTLED_IN_KIND = "settled_in_kind", _("以物抵债")
    WRITTEN_OFF = "written_off", _("已核销(账销案存)")
    CLEARED = "cleared", _("已结清")
    SEALED = "sealed", _("已封档")


OPEN_STATES = [State.NORMAL, State.OVERDUE, State.VISIT, State.LEGAL]
CLEARABLE_FROM = [*OPEN_STATES, State.WRITTEN_OFF]
# A person still "holds" these (rules R1.9, R1.10): a written-off debt is 账销案存, still pursued.
HELD_STATES = [*OPEN_STATES, State.WRITTEN_OFF]
# Targets that need an approved authorisation from an approval chain (rule R3.5).
GATED_TARGETS = {State.VISIT, State.LEGAL, State.SETTLED_IN_KIND, State.WRITTEN_OFF, State.SEALED}


# Rule R3.10 (账销案存): a written-off debt stays where it was booked.
IMMOVABLE_FIELDS = {"unit", "unit_id", "debtor", "debtor_id", "contract", "contract_id"}
log = logging.getLogger(__name__)


def refuse_moving_written_off(codes, fields):
    codes = list(codes)
    if not codes:
        return
    names = sorted({f.removesuffix("_id") for f in fields})
    log.warning("refused: moving written-off debts %s (%s)", ", ".join(codes), ", ".join(names))
    raise WrittenOffDebtImmovable(gettext("已核销的债权 %(codes)s 不能变更单位、债务人或合同（账销案存）") % {
        "codes": "、".join(codes)})


class DebtQuerySet(models.QuerySet):
    """Bulk writes never touch the state: every state change goes through the lifecycle
    service (one row, one history entry) or, for the daily clock's normal→overdue, through
    its set-based SQL that writes the history rows itself."""

    def update(self, **kwargs):
        if "state" in kwargs:
            raise GatedTransitionError(gettext("债权状态只能通过状态机变更，不能批量更新"))
        moved = IMMOVABLE_FIELDS & set(kwargs)
        if moved:
            refuse_moving_written_off(self.filter(state=State.WRITTEN_OFF).values_list("code", flat=True), moved)
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "state" in fields:  # refused before Django opens its transaction
            raise GatedTransitionError(gettext("债权状态只能通过状态机变更，不能批量更新"))
        objs = list(objs)
        moved = IMMOVABLE_FIELDS & set(fields)
        if moved:
            pks = [obj.pk for obj in objs]
            refuse_moving_written_off(self.filter(pk__in=pks, state=State.WRITTEN_OFF).values_list("code", flat=True),
                                      moved)
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if any(obj.state != State.NORMAL for obj in objs):
            raise GatedTransitionError(gettext("新登记的债权只能处于“正常”状态"))
        created = super().bulk_create(objs, *args, **kwargs)
        debts_registered.send(sender=Debt, debt_ids=[obj.pk for obj in created if obj.pk is not None])
        return created

    def delete(self):
        raise DebtDeletionRefused(gettext("债务记录不能删除"))


def _authorised(target):
    def condition(debt):
        return debt.pending_authorisation(target) is not None
    condition.__name__ = f"authorised_for_{target}"
    return condition


class Debt(ConcurrentTransitionMixin, models.Model):
    code = models.CharField(_("债权编号"), max_length=40, unique=True)
    debtor = models.ForeignKey(Debtor, verbose_name=_("债务人"), on_delete=models.PROTECT, related_name="debts")
    contract = models.ForeignKey(Contract, verbose_name=_("合同"), on_delete=models.PROTECT, related_name="debts")
    category = models.CharField(_("类别"), max_length=32, choices=Category.choices)
    # unit and handler are indexed by the (unit, state) and (handler, state) indexes below:
    # every index on this table is rewritten when a debt changes state (the clock moves many).
    unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="debts",
                             db_index=False)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                                related_name="handled_debts", db_index=False)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT,
                                    related_name="responsible_debts")
    due_date = models.DateField(_("到期日"))
    # Indexed in Meta: db_index on a CharField adds a second, LIKE-pattern index on PostgreSQL.
    state = FSMField(_("状态"), max_length=20, choices=State.choices, default=State.NORMAL, protected=True)
    key_monitoring = models.BooleanField(_("重点监控"), default=False)
    # Derived from the ledger and maintained only by workflows.ledger in the same transaction
    # as the entry that changes it; kept on the row so lists and the clock need no SUM per debt.
    balance = models.DecimalField(_("债权余额"), **MONEY, default=ZERO, editable=False)
    written_off_amount = models.DecimalField(_("已核销金额"), **MONEY, default=ZERO, editable=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = DebtQuerySet.as_manager()
    HELD_STATES = HELD_STATES
    # Debts are never deleted: the application role has no DELETE on the table (workflows.db_roles).
    app_role_revoke = ("DELETE",)

    class Meta:
        verbose_name = _("债权")
        verbose_name_plural = _("债权")
        ordering = ["code"]
        base_manager_name = "objects"  # related lookups and internals get the guarded queryset too
        permissions = [
            ("view_all_units", _("查看所有单位的债权")),
            ("request_transition", _("提出状态变更申请")),
            ("import_ledger", _("导入台账")),
        ]
        indexes = [models.Index(fields=["unit", "state"]), models.Index(fields=["handler", "state"]),
                   models.Index(fields=["state"], name="workflows_debt_state_idx")]
        triggers = [
            # The database's own guard: a state change must be an edge of the lifecycle, and
            # a gated edge needs an authorisation for exactly that edge consumed in the same
            # transaction, so no raw SQL, admin or shell path gets round the approval chains.
            pgtrigger.Trigger(
                name="debt_state_follows_lifecycle",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                # normal -> overdue (the clock's edge, open to all) is let through by the
                # condition, evaluated in C, rather than by the function: the night after an
                # import moves most debts, and a PL/pgSQL call per row cost seconds.
                condition=(pgtrigger.Q(old__state__df=pgtrigger.F("new__state"))
                           & ~pgtrigger.Q(old__state="normal", new__state="overdue")),
                # →cleared checks the ledger itself, not the cached balance column (issue 15:
                # `SET balance = 0, state = 'cleared'` was accepted while entries summed to more).
                func=f"""
                IF NEW.state = 'cleared' AND OLD.state IN ({", ".join(f"'{s}'" for s in CLEARABLE_FROM)}) THEN
                    IF (SELECT COALESCE(SUM(CASE e.kind WHEN 'invoice' THEN e.amount WHEN 'adjustment' THEN e.amount
                                                        WHEN 'write_off' THEN 0 ELSE -e.amount END), 0)
                        FROM workflows_ledgerentry e WHERE e.debt_id = NEW.id) = 0 THEN
                        RETURN NEW;
                    END IF;
                    RAISE EXCEPTION 'debt % may not be cleared: its ledger entries do not sum to zero', NEW.id
                        USING ERRCODE = 'check_violation';
                END IF;
                IF EXISTS (
                    SELECT 1 FROM workflows_authorisation a
                    WHERE a.debt_id = NEW.id AND a.target = NEW.state AND a.from_state = OLD.state
                      AND a.consumed_txid = txid_current()
                ) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION 'debt % may not move from % to % without authorisation', NEW.id, OLD.state, NEW.state
                    USING ERRCODE = 'check_violation';
                """,
            ),
            pgtrigger.Trigger(
                name="debt_registered_normal",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="""
                IF NEW.state <> 'normal' THEN
                    RAISE EXCEPTION 'a debt is registered in state normal, not %', NEW.state
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
                """,
            ),
            # Rule R3.10 on every path (raw SQL included): a written-off debt is not moved.
            pgtrigger.Trigger(
                name="debt_written_off_stays",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=(pgtrigger.Q(old__state="written_off")
                           & (pgtrigger.Q(old__unit_id__df=pgtrigger.F("new__unit_id"))
                              | pgtrigger.Q(old__debtor_id__df=pgtrigger.F("new__debtor_id"))
                              | pgtrigger.Q(old__contract_id__df=pgtrigger.F("new__contract_id")))),
                func="""
                RAISE EXCEPTION 'written-off debt % keeps its unit, debtor and contract', OLD.id
                    USING ERRCODE = 'check_violation';
                """,
            ),
            pgtrigger.Protect(name="debt_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.code} {self.debtor}"

    def delete(self, *args, **kwargs):
        raise DebtDeletionRefused(gettext("债务记录不能删除（核销后账销案存）"))

    def _moved_while_written_off(self):
        if self._state.adding or self.pk is None:
            return set()
        stored = type(self).objects.filter(pk=self.pk, state=State.WRITTEN_OFF).values(
            "unit_id", "debtor_id", "contract_id").first()
        if stored is None:
            return set()
        return {name for name, value in stored.items() if getattr(self, name) != value}

    def clean(self):
        super().clean()
        moved = self._moved_while_written_off()
        if moved:
            message = gettext("已核销的债权不能变更单位、债务人或合同（账销案存）")
            raise ValidationError({name.removesuffix("_id"): message for name in moved})

    def save(self, *args, **kwargs):
        if self._state.adding and self.state != State.NORMAL:
            raise GatedTransitionError(gettext("新登记的债权只能处于“正常”状态"))
        update_fields = kwargs.get("update_fields")
        if update_fields is None or IMMOVABLE_FIELDS & set(update_fields):
            moved = self._moved_while_written_off()
            if moved:
                refuse_moving_written_off([self.code], moved)
        super().save(*args, **kwargs)

    def pending_authorisation(self, target):
        """An unused authorisation for the edge from the current state to `target`. Inside
        lifecycle.apply_transition, under the debt's row lock, the one it read is reused by the
        transition's condition (read once, issue 20 item 3)."""
        known = self.__dict__.get("_locked_authorisation")
        if known is not None and known[:2] == (target, self.state):
            return known[2]
        return (self.authorisations.filter(target=target, from_state=self.state, consumed_at__isnull=True)
                .order_by("pk").first())

    # Transitions: exactly the edges of rule R3.1. Bodies stay empty: side effects
    # (history, consuming the authorisation) live in workflows.lifecycle, which wraps
    # these in a transaction and a row lock.
    @transition(field=state, source=State.NORMAL, target=State.OVERDUE)
    def mark_overdue(self):
        pass

    @transition(field=state, source=State.OVERDUE, target=State.VISIT, conditions=[_authorised(State.VISIT)])
    def start_visit(self):
        pass

    @transition(field=state, source=[State.OVERDUE, State.VISIT], target=State.LEGAL,
                conditions=[_authorised(State.LEGAL)])
    def start_legal(self):
        pass

    @transition(field=state, source=[State.OVERDUE, State.VISIT, State.LEGAL], target=State.SETTLED_IN_KIND,
                conditions=[_authorised(State.SETTLED_IN_KIND)])
    def settle_in_kind(self):
        pass

    @transition(field=state, source=[State.OVERDUE, State.VISIT, State.LEGAL], target=State.WRITTEN_OFF,
                conditions=[_authorised(State.WRITTEN_OFF)])
    def write_off(self):
        pass

    @transition(field=state, source=CLEARABLE_FROM, target=State.CLEARED,
                conditions=[lambda debt: debt.balance == ZERO])
    def clear(self):
        pass

    @transition(field=state, source=[State.CLEARED, State.SETTLED_IN_KIND], target=State.SEALED,
                conditions=[_authorised(State.SEALED)])
    def seal(self):
        pass


class Authorisation(models.Model):
    """An approved permission to move one debt along one gated edge, consumed once."""

    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="authorisations")
    target = models.CharField(_("目标状态"), max_length=20, choices=State.choices)
    # The state the debt was in when approved: the authorisation is for that one edge only.
    from_state = models.CharField(_("原状态"), max_length=20, choices=State.choices)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), auto_now_add=True)
    source = models.CharField(_("来源"), max_length=200, help_text=_("批准它的审批流程，如 writeoff:process:42"))
    reason = models.TextField(_("说明"), blank=True)
    consumed_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    # On PostgreSQL the id of the transaction that consumed it: the debt's trigger accepts a
    # gated state change only if an authorisation was consumed in that same transaction.
    consumed_txid = models.BigIntegerField(null=True, blank=True, editable=False)
    # Never deleted; of its columns the application role updates only the consuming ones
    # (workflows.db_roles.AUTHORISATION_CONSUMING_COLUMNS).
    app_role_revoke = ("DELETE",)

    class Meta:
        verbose_name = _("状态变更授权")
        verbose_name_plural = _("状态变更授权")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(target__in=sorted(s.value for s in GATED_TARGETS)),
                name="authorisation_only_for_gated_targets",
            ),
        ]
        triggers = [
            # Issue 15: an authorisation inserted already consumed (consumed_txid = txid_current())
            # let raw SQL pass the debt's trigger. It is born unused, consumed once, by the
            # transaction that records it, and nothing else of it ever changes.
            pgtrigger.Trigger(
                name="authorisation_born_unconsumed",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="""
                IF NEW.consumed_at IS NOT NULL OR NEW.consumed_txid IS NOT NULL THEN
                    RAISE EXCEPTION 'an authorisation is recorded unused; it is consumed by the state change'
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
                """,
            ),
            pgtrigger.Trigger(
                name="authorisation_consumed_once",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                func="""
                IF (NEW.debt_id, NEW.target, NEW.from_state, NEW.approved_by_id, NEW.approved_at, NEW.source,
                    NEW.reason) IS DISTINCT FROM (OLD.debt_id, OLD.target, OLD.from_state, OLD.approved_by_id,
                    OLD.approved_at, OLD.source, OLD.reason) THEN
                    RAISE EXCEPTION 'authorisation %: only its consumption may be recorded', OLD.id
                        USING ERRCODE = 'check_violation';
                END IF;
                IF OLD.consumed_at IS NOT NULL OR OLD.consumed_txid IS NOT NULL THEN
                    RAISE EXCEPTION 'authorisation % is already consumed', OLD.id USING ERRCODE = 'check_violation';
                END IF;
                IF NEW.consumed_at IS NULL OR NEW.consumed_txid IS DISTINCT FROM txid_current() THEN
                    RAISE EXCEPTION 'authorisation % is consumed by the transaction that uses it', OLD.id
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
                """,
            ),
            pgtrigger.Protect(name="authorisation_no_delete", operation=pgtrigger.Delete),
        ]

    def __str__(self):
        return f"{self.debt.code} → {self.get_target_display()}"


class StateChange(AppendOnlyModel):
    debt = models.ForeignKey(Debt, verbose_name=_("债权"), on_delete=models.PROTECT, related_name="state_changes")
    from_state = models.CharField(_("原状态"), max_length=20, choices=State.choices)
    to_state = models.CharField(_("新状态"), max_length=20, choices=State.choices)
    # Indexed only where set (Meta): the clock writes its many rows with no one in `by`.
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                           on_delete=models.PROTECT, related_name="+", help_text=_("为空表示系统(每日任务)"),
                           db_index=False)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    reason = models.TextField(_("原因"), blank=True)
    authorisation = models.OneToOneField(Authorisation, verbose_name=_("授权"), null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="state_change")

    class Meta:
        verbose_name = _("状态变更记录")
        verbose_name_plural = _("状态变更记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["by"], name="statechange_by_idx", condition=models.Q(by__isnull=False))]
        triggers = [
            pgtrigger.Protect(name="state_change_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

