"""Admin for plans and rewards: rates and weights are versioned configuration (a new row with a
later effective date, never an edit of a past one); plans, lists and costs are read-only here,
they change only through their services (approval chain, 清欠小组's approval, append-only costs)."""
from django.contrib import admin

from workflows.admin.base import ReadOnlyAdmin
from workflows.models import (
    AssessmentLine,
    AssessmentWeights,
    ClearingPlan,
    CollectionCost,
    HardDebt,
    QuarterAssessment,
    RewardItem,
    RewardRates,
)


class VersionedConfigAdmin(admin.ModelAdmin):
    """Rows in force for a past quarter stay as they were: only new rows may be added."""

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if hasattr(obj, "created_by_id") and not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RewardRates)
class RewardRatesAdmin(VersionedConfigAdmin):
    list_display = ["effective_from", "recovery_rate", "claim_rate", "hard_debt_extra_rate", "overdue_penalty_rate",
                    "retention_responsible_rate", "retention_others_rate", "advance_responsible_rate",
                    "advance_others_rate", "penalty_quarter"]
    exclude = ["created_by"]


@admin.register(AssessmentWeights)
class AssessmentWeightsAdmin(VersionedConfigAdmin):
    list_display = ["effective_from", "plan_weight", "recovery_weight", "overdue_weight", "limitation_weight"]


@admin.register(HardDebt)
class HardDebtAdmin(ReadOnlyAdmin):
    list_display = ["debt", "designated_on", "resolution", "designated_by", "designated_at"]


@admin.register(CollectionCost)
class CollectionCostAdmin(ReadOnlyAdmin):
    list_display = ["debt", "amount", "date", "description", "recorded_by", "recorded_at"]


@admin.register(ClearingPlan)
class ClearingPlanAdmin(ReadOnlyAdmin):
    list_display = ["handler", "year", "annual_target", "state", "submitted_at", "submitted_late", "approved_by"]
    list_filter = ["year", "state", "submitted_late"]


@admin.register(QuarterAssessment)
class QuarterAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "state", "computed_by", "computed_at", "approved_by", "approved_at"]


@admin.register(AssessmentLine)
class AssessmentLineAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "person", "reward", "clawback", "penalty", "net", "score"]


@admin.register(RewardItem)
class RewardItemAdmin(ReadOnlyAdmin):
    list_display = ["assessment", "debt", "person", "share", "kind", "base", "rate", "amount"]
