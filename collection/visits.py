"""Visits (上门催收): allowed once the visit plan (chain E) has been approved for the debt;
the report and its photos go into the case file."""
from collections.abc import Iterable
from datetime import date, datetime, time

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.catalogue import DocType
from workflows.models import Debt, State, StateChange, User

from .contacts import attach_all, check_debt_open, log_contact
from .exceptions import CollectionError
from .models import ContactKind, VisitReport
from .permissions import Act, require


def visit_plan_approved(debt: Debt) -> bool:
    # Chain E's only effect is the gated move to `visit`, so that history row is the proof.
    return StateChange.objects.filter(debt=debt, to_state=State.VISIT).exists()


def record_visit(debt: Debt, *, by: User, visited_on: date | None, business_operating: bool | None, met_whom: str,
                 next_step: str, assets_seen: str = "", outcome: str = "", photos: Iterable[UploadedFile] = (),
                 signed_record: UploadedFile | None = None, request: HttpRequest | None = None) -> VisitReport:
    require(by, Act.WORK)
    check_debt_open(debt)
    if not visit_plan_approved(debt):
        raise CollectionError(_("走访：债权 %(code)s 没有已批准的上门催收计划，请先提交审批")
                              % {"code": debt.code})
    if visited_on is None:
        raise CollectionError(_("走访日期：必须填写"))
    if visited_on > timezone.localdate():
        raise CollectionError(_("走访日期：不能晚于今天"))
    met_whom = (met_whom or "").strip()
    next_step = (next_step or "").strip()
    if not met_whom:
        raise CollectionError(_("接待人：必须填写见到的人"))
    if not next_step:
        raise CollectionError(_("下一步：必须填写下一步安排"))
    if business_operating is None:
        raise CollectionError(_("债务人仍在经营：请选择是或否"))
    summary = ((outcome or "").strip()
               or _("上门走访，见到%(who)s；下一步：%(next)s") % {"who": met_whom, "next": next_step})
    at = min(timezone.make_aware(datetime.combine(visited_on, time(12, 0))), timezone.now())
    with transaction.atomic():
        contact = log_contact(debt, ContactKind.VISIT, summary, by=by, at=at)
        report = VisitReport.objects.create(
            debt=debt, contact=contact, visited_on=visited_on, business_operating=bool(business_operating),
            assets_seen=(assets_seen or "").strip(), met_whom=met_whom, next_step=next_step, by=by)
        docs = attach_all(debt, DocType.PHOTO, photos, by,
                          title=_("走访照片 %(day)s") % {"day": visited_on}, request=request)
        if docs:
            report.photos.add(*docs)
        if signed_record is not None:
            report.signed_record = attach_all(debt, DocType.VISIT_REPORT, [signed_record], by,
                                              title=_("走访记录（债务人签字）%(day)s") % {"day": visited_on},
                                              request=request)[0]
            report.save(update_fields=["signed_record"])
    return report
