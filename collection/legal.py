"""Legal cases (rules R4.61, R9.9, R9.10): after the litigation chain moved a debt to `legal`, a legal-team
member takes the case and moves it through 立案 → 开庭 → 判决 → 执行 → 结案, in that order."""
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from documents.models import Document
from workflows.exceptions import LimitationError
from workflows.limitation import deadline, record_interruption
from workflows.models import Debt, DebtClock, LimitationEventKind, State, User

from .contacts import attach_all, money
from .exceptions import CollectionError
from .models import CaseCost, CaseOutcome, Hearing, LegalCase, Stage, StageChange
from .permissions import Act, require

# The only forward moves; closed is final. A judgment honoured without enforcement may close.
NEXT = {
    Stage.TAKEN: [Stage.FILED],
    Stage.FILED: [Stage.HEARING],
    Stage.HEARING: [Stage.JUDGMENT],
    Stage.JUDGMENT: [Stage.ENFORCEMENT, Stage.CLOSED],
    Stage.ENFORCEMENT: [Stage.CLOSED],
    Stage.CLOSED: [],
}
# 申请执行的期间为二年 (Civil Procedure Law art. 250), from the judgment or settlement date; like
# every period, one ending on a statutory rest day ends on the next working day (rule R8.14).
ENFORCEMENT_YEARS = 2


def take_case(debt: Debt, *, by: User, claim_amount: Decimal | str | None = None) -> LegalCase:
    require(by, Act.LEGAL)
    with transaction.atomic():
        locked = Debt.objects.select_for_update().get(pk=debt.pk)
        if locked.state != State.LEGAL:
            raise CollectionError(_("债权 %(code)s 状态为“%(state)s”，须经诉讼审批（清欠小组、总经理）后才能受理")
                                  % {"code": locked.code, "state": locked.get_state_display()})
        if LegalCase.objects.filter(debt=locked).exclude(stage=Stage.CLOSED).exists():
            raise CollectionError(_("债权 %(code)s 已有未结案的诉讼案件") % {"code": locked.code})
        amount = money(claim_amount if claim_amount not in (None, "") else locked.balance, _("诉讼请求金额"))
        try:
            with transaction.atomic():
                case = LegalCase.objects.create(debt=locked, taken_by=by, claim_amount=amount)
        except IntegrityError:
            raise CollectionError(_("债权 %(code)s 已有未结案的诉讼案件") % {"code": locked.code}) from None
        StageChange.objects.create(case=case, from_stage="", to_stage=Stage.TAKEN, on=timezone.localdate(), by=by,
                                   note=_("法务部受理"))
    return case


def move_stage(case: LegalCase, target: Stage | str, *, by: User, on: date | None = None, note: str = "",
               court: str = "", case_number: str = "", outcome: str = "",
               judgment_amount: Decimal | str | None = None, files: Iterable[UploadedFile] = (),
               request: HttpRequest | None = None) -> LegalCase:
    require(by, Act.LEGAL)
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise CollectionError(_("日期：不能晚于今天"))
    with transaction.atomic():
        case = LegalCase.objects.select_for_update().select_related("debt").get(pk=case.pk)
        try:
            target = Stage(target)
        except ValueError:
            raise CollectionError(_("阶段：未知的阶段“%(s)s”") % {"s": target}) from None
        if target not in NEXT[Stage(case.stage)]:
            if case.stage == Stage.CLOSED:
                raise CollectionError(_("阶段：案件已结案，不能再变更"))
            allowed = "、".join(str(s.label) for s in NEXT[Stage(case.stage)])
            raise CollectionError(_("阶段：当前为“%(cur)s”，下一步只能是“%(next)s”，不能转为“%(to)s”")
                                  % {"cur": case.get_stage_display(), "next": allowed, "to": target.label})
        last = case.stage_changes.order_by("-on", "-pk").first()
        if last and on < last.on:
            raise CollectionError(_("日期：不能早于上一阶段的日期 %(d)s") % {"d": last.on})
        if target == Stage.FILED:
            court, case_number = (court or "").strip(), (case_number or "").strip()
            if not court:
                raise CollectionError(_("受理法院：立案时必须填写"))
            if not case_number:
                raise CollectionError(_("案号：立案时必须填写"))
            case.court, case.case_number, case.filed_on = court, case_number, on
            try:
                record_interruption(case.debt, LimitationEventKind.LAWSUIT, on, by=by,
                                    source=f"collection:legalcase:{case.pk}")
            except LimitationError as exc:
                raise CollectionError(str(exc)) from None
        elif target == Stage.JUDGMENT:
            if outcome not in CaseOutcome.values:
                raise CollectionError(_("结果：请选择判决或法院和解"))
            case.outcome = outcome
            case.judgment_amount = money(judgment_amount, _("判决/和解金额"))
            case.judgment_on = on
            case.enforcement_deadline = deadline(on, ENFORCEMENT_YEARS)
        elif target == Stage.CLOSED:
            case.closed_on = on
        case.stage = target
        case.save()
        StageChange.objects.create(case=case, from_stage=last.to_stage if last else "", to_stage=target, on=on,
                                   by=by, note=(note or "").strip())
        add_papers(case, files, by=by, request=request, title=_("%(stage)s文书") % {"stage": target.label})
    return case


def add_papers(case: LegalCase, files: Iterable[UploadedFile] | None, *, by: User, title: str = "",
               request: HttpRequest | None = None) -> list[Document]:
    require(by, Act.LEGAL)
    docs = attach_all(case.debt, DocType.COURT_PAPERS, files, by,
                      title=title or _("法院文书 %(no)s") % {"no": case.case_number}, request=request)
    if docs:
        case.documents.add(*docs)
    return docs


def _open(case):
    if case.stage == Stage.CLOSED:
        raise CollectionError(_("案件已结案，不能再登记"))


def add_hearing(case: LegalCase, *, by: User, at: datetime | None, place: str = "", note: str = "") -> Hearing:
    require(by, Act.LEGAL)
    _open(case)
    if at is None:
        raise CollectionError(_("开庭时间：必须填写"))
    if case.stage not in (Stage.FILED, Stage.HEARING):
        raise CollectionError(_("开庭时间：只有立案后、判决前的案件可以登记开庭"))
    return Hearing.objects.create(case=case, at=at, place=(place or "").strip(), note=(note or "").strip(), by=by)


def add_cost(case: LegalCase, *, by: User, kind: str, amount: Decimal | str, on: date | None) -> CaseCost:
    require(by, Act.LEGAL)
    _open(case)
    kind = (kind or "").strip()
    if not kind:
        raise CollectionError(_("费用类别：必须填写（如诉讼费、保全费、律师费）"))
    if on is None or on > timezone.localdate():
        raise CollectionError(_("费用日期：必须填写且不能晚于今天"))
    return CaseCost.objects.create(case=case, kind=kind, amount=money(amount, _("费用金额")), on=on, by=by)


def legal_board(debts: QuerySet[Debt], cases: QuerySet[LegalCase], *, today: date | None = None,
                horizon_days: int = 30) -> dict[str, object]:
    """What the legal team looks at: debts waiting to be taken, cases by stage, hearings in the
    next `horizon_days`, limitation deadlines of unfiled debts and enforcement deadlines."""
    today = today or timezone.localdate()
    until = today + timedelta(days=horizon_days)
    soon = today + timedelta(days=180)
    open_cases = cases.exclude(stage=Stage.CLOSED)
    counts = dict(cases.values_list("stage").order_by().annotate(n=Count("pk")))
    start = timezone.make_aware(datetime.combine(today, time.min))
    end = timezone.make_aware(datetime.combine(until, time.max))
    hearings = (Hearing.objects.filter(case__in=open_cases, at__gte=start, at__lte=end)
                .select_related("case__debt__debtor").order_by("at"))
    enforcement = (open_cases.filter(enforcement_deadline__isnull=False, enforcement_deadline__lte=soon)
                   .select_related("debt__debtor").order_by("enforcement_deadline"))
    legal_debts = debts.filter(state=State.LEGAL)
    filed = LegalCase.objects.filter(filed_on__isnull=False).values("debt")
    limitation = (DebtClock.objects.filter(debt__in=legal_debts.exclude(pk__in=filed), limitation_deadline__lte=soon)
                  .select_related("debt__debtor").order_by("limitation_deadline"))
    waiting = (legal_debts.exclude(pk__in=LegalCase.objects.exclude(stage=Stage.CLOSED).values("debt"))
               .select_related("debtor").order_by("code"))
    return {"counts": [(Stage(s).label, s, counts.get(s, 0)) for s in Stage.values], "hearings": hearings,
            "enforcement": enforcement, "limitation": limitation, "waiting": waiting, "today": today,
            "until": until}
