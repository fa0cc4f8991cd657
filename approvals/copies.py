"""抄送 (rules R4.121, R4.122): copies of a chain by its settings, at the start and at the end, and
ad-hoc copies by the requester or an approver. Each copy is a ChainCopy record (who, by whom,
when, at which moment) and a COPY notification; the copied read the chain read-only
(access.get_process_for). Set-based: one read of the people, one insert of the records, one of
the notifications, however many hold the roles (issue 20)."""
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.models import User

from .exceptions import DecisionError
from .models import ChainCopy, ChainCopySettings, ChainProcess, CopyMoment, Decision, DecisionKind, NotificationKind
from .notifications import notify_rows, reachable_rows, role_holders


def roles_for(chain: str, moment: str) -> list[str]:
    """The roles the chain's settings copy at `moment` (start or end); none without settings."""
    field = "at_start" if moment == CopyMoment.START else "at_end"
    return list(ChainCopySettings.objects.filter(chain=chain).values_list(field, flat=True).first() or [])


def _copy(process: ChainProcess, rows: list[tuple[int, bool]], *, moment: str, by: User | None, note: str,
          message: str, url: str) -> list[ChainCopy]:
    if not rows:
        return []
    now = timezone.now()
    records = ChainCopy.objects.bulk_create(
        [ChainCopy(process=process, user_id=pk, by=by, moment=moment, at=now, note=note[:300]) for pk, _r in rows])
    notify_rows(rows, NotificationKind.COPY, message, url)
    return records


def copy_by_settings(*, process: ChainProcess, moment: str, message: str, url: str) -> list[ChainCopy]:
    """Copy `process` to the holders of the roles its chain's settings name for `moment` who see
    its debt (as notifications.copy_to), with `message` linking to `url`."""
    roles = roles_for(process.chain, moment)
    if not roles:
        return []
    rows = reachable_rows(role_holders(roles, process.debt))
    return _copy(process, rows, moment=moment, by=None, note=str(message), message=message, url=url)


def _documents_copied(process: ChainProcess) -> bool:
    # Chain A copies documents instead (rule R4.23): the inventory list at the start, the signed
    # receipt list as its end copy; its flow's own nodes send them (effects.copy_document).
    return bool(getattr(process.flow_class, "copies_documents", False))


def copy_at_start(process: ChainProcess) -> list[ChainCopy]:
    if _documents_copied(process):
        return []
    message = _("抄送：%(chain)s %(code)s（流程 #%(pk)s）已提交申请，申请人 %(user)s") % {
        "chain": process.get_chain_display(), "code": process.debt.code, "pk": process.pk,
        "user": process.requested_by}
    return copy_by_settings(process=process, moment=CopyMoment.START, message=message,
                            url=reverse("approvals:process", args=[process.pk]))


def copy_at_end(process: ChainProcess) -> list[ChainCopy]:
    """When the chain ends (its outcome set). Chain A's end copy is its receipt list; a chain A
    that ends before the list was signed gets this one instead."""
    if _documents_copied(process) and (not roles_for(process.chain, CopyMoment.END)
                                       or ChainCopy.objects.filter(process=process, moment=CopyMoment.END).exists()):
        return []
    message = _("抄送：%(chain)s %(code)s（流程 #%(pk)s）已结束：%(outcome)s") % {
        "chain": process.get_chain_display(), "code": process.debt.code, "pk": process.pk,
        "outcome": process.get_outcome_display()}
    return copy_by_settings(process=process, moment=CopyMoment.END, message=message,
                            url=reverse("approvals:process", args=[process.pk]))


def may_copy(user: User, process: ChainProcess) -> bool:
    """The requester, anyone who decided a step of the chain, or the assignee of an open step
    (rule R4.122)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == process.requested_by_id:
        return True
    return (Decision.objects.filter(process=process, by=user).exclude(decision=DecisionKind.SUBMIT).exists()
            or process.step_infos.filter(open=True, owner=user).exists())


def copy_ad_hoc(*, process: ChainProcess, by: User, users: Iterable[User], note: str = "") -> list[ChainCopy]:
    """`by` copies `process` to `users` (rule R4.122): recorded and notified; people already
    copied on the chain, and `by` themself, are left out. Raises DecisionError (nothing saved)."""
    if not may_copy(by, process):
        raise DecisionError(_("只有申请人或审批人可以抄送"))
    chosen = [u.pk for u in users]
    if not chosen:
        raise DecisionError(_("抄送给：请至少选择一位人员"), "users")
    note = (note or "").strip()
    if len(note) > 300:
        raise DecisionError(_("说明：不能超过 %(n)s 个字") % {"n": 300}, "note")
    already = ChainCopy.objects.filter(process=process).values("user")
    people = User.objects.filter(pk__in=chosen).exclude(pk=by.pk).exclude(pk__in=already).order_by("pk")
    with transaction.atomic():
        rows = reachable_rows(people)
        if not rows:
            raise DecisionError(_("抄送给：所选人员已在抄送之列或已停用"), "users")
        message = _("%(user)s 抄送给您：%(chain)s %(code)s（流程 #%(pk)s）") % {
            "user": by, "chain": process.get_chain_display(), "code": process.debt.code, "pk": process.pk}
        if note:
            message = f"{message}：{note}"
        return _copy(process, rows, moment=CopyMoment.AD_HOC, by=by, note=note, message=message,
                     url=reverse("approvals:process", args=[process.pk]))


SORTS = {"at": ("at", "pk"), "-at": ("-at", "-pk"), "chain": ("process__chain", "-at"),
         "-chain": ("-process__chain", "-at"), "debt": ("process__debt__code", "-at"),
         "-debt": ("-process__debt__code", "-at")}


def copied_to(user: User, sort: str = "-at") -> QuerySet[ChainCopy]:
    """抄送我的: the copies `user` received, newest first unless `sort` (SORTS) says otherwise."""
    return (ChainCopy.objects.filter(user=user)
            .select_related("process", "process__debt", "process__debt__debtor", "by")
            .order_by(*SORTS.get(sort, SORTS["-at"])))
