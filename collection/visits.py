"""Visits (上门催收): allowed once the visit plan (chain E) has been approved for the debt;
the report and its photos go into the case file, with the record the debtor's representative
signed on site or the reason why none could be had (rule R9.4)."""
import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime, time

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
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


def _fingerprint(debt, **fields):
    """What makes two submissions "the same report" (rule R9.4): the debt and every reported
    field, whitespace-trimmed; not who typed it, nor the files (a double submit repeats them)."""
    body = json.dumps({"debt": debt.pk, **fields}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _duplicate(debt, fingerprint):
    earlier = VisitReport.objects.filter(debt=debt, fingerprint=fingerprint).select_related("by").first()
    return CollectionError(_("走访报告：相同内容的走访报告已由%(who)s登记（%(day)s），不能重复提交")
                           % {"who": earlier.by if earlier else "—",
                              "day": earlier.visited_on if earlier else "—"})


def record_visit(debt: Debt, *, by: User, visited_on: date | None, business_operating: bool | None, met_whom: str,
                 next_step: str, assets_seen: str = "", outcome: str = "", photos: Iterable[UploadedFile] = (),
                 signed_record: UploadedFile | None = None, no_signature_reason: str = "",
                 request: HttpRequest | None = None) -> VisitReport:
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
    no_signature_reason = (no_signature_reason or "").strip()
    if signed_record is None and not no_signature_reason:
        raise CollectionError(_("债务人签字的走访记录：请上传债务人代表签字的走访记录，或填写未能取得签字的原因"))
    if signed_record is not None:
        no_signature_reason = ""  # a signed record needs no excuse
    assets_seen = (assets_seen or "").strip()
    fingerprint = _fingerprint(debt, visited_on=visited_on, business_operating=bool(business_operating),
                               met_whom=met_whom, next_step=next_step, assets_seen=assets_seen,
                               outcome=(outcome or "").strip(), signed=signed_record is not None,
                               no_signature_reason=no_signature_reason)
    if VisitReport.objects.filter(debt=debt, fingerprint=fingerprint).exists():
        raise _duplicate(debt, fingerprint)
    summary = ((outcome or "").strip()
               or _("上门走访，见到%(who)s；下一步：%(next)s") % {"who": met_whom, "next": next_step})
    at = min(timezone.make_aware(datetime.combine(visited_on, time(12, 0))), timezone.now())
    try:
        with transaction.atomic():
            contact = log_contact(debt, ContactKind.VISIT, summary, by=by, at=at)
            signed = None
            if signed_record is not None:
                signed = attach_all(debt, DocType.VISIT_REPORT, [signed_record], by,
                                    title=_("走访记录（债务人签字）%(day)s") % {"day": visited_on},
                                    request=request)[0]
            # The unique (debt, fingerprint) constraint refuses the twin that passed the check above
            # at the same moment (a double click).
            report = VisitReport.objects.create(
                debt=debt, contact=contact, visited_on=visited_on, business_operating=bool(business_operating),
                assets_seen=assets_seen, met_whom=met_whom, next_step=next_step, by=by, signed_record=signed,
                no_signature_reason=no_signature_reason, fingerprint=fingerprint)
            docs = attach_all(debt, DocType.PHOTO, photos, by,
                              title=_("走访照片 %(day)s") % {"day": visited_on}, request=request)
            if docs:
                report.photos.add(*docs)
    except IntegrityError:
        if VisitReport.objects.filter(debt=debt, fingerprint=fingerprint).exists():
            raise _duplicate(debt, fingerprint) from None
        raise
    return report
