"""Archive pages (GET, in the viewflow site) and plain routes (downloads, uploads, exports).

Views stay thin: the rules live in documents.services / export / handover / search, and
every object is loaded through documents.access. Every view needs a login and
workflows.view_debt; debts outside the user's units answer 404; writes refuse auditors (403)
whatever other role they hold.
"""
import tempfile
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from workflows.exceptions import LifecycleError
from workflows.models import Debt, State, StateChange
from workflows.pagination import page_of, query_without_page
from workflows.scoping import scope_debts

from . import access, services
from .catalogue import WRITE_OFF_EVIDENCE
from .exceptions import SealRefused, UploadRefused
from .export import case_file_zip, safe
from .forms import HandoverForm, LegalHoldForm, SearchForm, UploadForm
from .handover import start_handover_export
from .integrity import last_check
from .models import AccessLog, Action, Document, HandoverExport, IntegrityCheck, Seal
from .permissions import Act, is_auditor, may_oversee, may_seal, may_upload, require
from .retention import retention_for
from .search import search_documents
from .storage import archive_storage
from .timeline import case_file_timeline
from .validation import PREVIEWABLE


class ArchiveAccess(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not request.user.has_perm("workflows.view_debt"):
            raise PermissionDenied(_("没有查阅档案的权限"))
        return super().dispatch(request, *args, **kwargs)


class ArchiveWrite(ArchiveAccess):
    """POST only; auditors are refused before anything else is looked at."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and is_auditor(request.user):
            raise PermissionDenied(_("审计人员只能查阅档案，不能修改"))
        return super().dispatch(request, *args, **kwargs)


# --- pages -------------------------------------------------------------------------------

class SearchView(ArchiveAccess, TemplateView):
    template_name = "documents/search.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = SearchForm(self.request.GET or None)
        results = None
        if form.is_bound and form.is_valid():
            results = page_of(self.request, search_documents(self.request.user, **form.cleaned_data))
        ctx.update(form=form, page_obj=results, query=query_without_page(self.request),
                   integrity=last_check() if may_oversee(self.request.user) else None)
        return ctx


class CaseFileView(ArchiveAccess, TemplateView):
    template_name = "documents/case_file.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        case_file = access.get_case_file_for(user, kwargs["debt_id"], for_=Act.READ)
        debt = case_file.debt
        services.log_access(case_file, user, Action.VIEW, request=self.request)
        current = services.current_documents(debt)
        seal = Seal.objects.filter(case_file=case_file).select_related("sealed_by").first()
        sealer = may_seal(user)
        ctx.update(
            debt=debt, case_file=case_file, seal=seal, current=current,
            all_documents=Document.objects.filter(case_file=case_file).select_related("uploaded_by")
            .order_by("chain", "version"),
            timeline=case_file_timeline(debt),
            retention=retention_for(debt),
            missing=services.missing_for_seal(debt),
            upload_form=UploadForm(current=current) if (may_upload(user) and not seal) else None,
            may_seal=sealer and not seal and debt.state in services.SEALABLE_STATES,
            legal_hold_form=LegalHoldForm(initial={"on": case_file.legal_hold, "reason": case_file.legal_hold_reason})
            if sealer else None,
            access_log=AccessLog.objects.filter(case_file=case_file).select_related("user", "document")[:50]
            if may_oversee(user) else None,
        )
        return ctx


class WriteOffArchiveView(ArchiveAccess, TemplateView):
    """坏账核销档案: every debt ever written off, with its evidence."""

    template_name = "documents/write_offs.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        written_off = StateChange.objects.filter(to_state=State.WRITTEN_OFF).values("debt_id")
        debts = (scope_debts(Debt.objects.all(), self.request.user).filter(pk__in=written_off)
                 .select_related("debtor", "contract", "unit").order_by("code"))
        text = (self.request.GET.get("text") or "").strip()[:100]
        if text:
            debts = debts.filter(Q(code__icontains=text) | Q(debtor__name__icontains=text)
                                 | Q(contract__number__icontains=text))
        page = page_of(self.request, debts)
        evidence = {}
        for doc in Document.objects.filter(case_file__debt__in=[d.pk for d in page.object_list],
                                           doc_type__in=[*WRITE_OFF_EVIDENCE, "write_off_application",
                                                         "meeting_resolution"]):
            evidence.setdefault(doc.case_file.debt_id, []).append(doc)
        rows = [(d, evidence.get(d.pk, [])) for d in page.object_list]
        ctx.update(page_obj=page, rows=rows, text=text, query=query_without_page(self.request))
        return ctx


class IntegrityView(ArchiveAccess, TemplateView):
    template_name = "documents/integrity.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # The results name debts and documents of every unit: for auditors and 清欠办 only.
        require(self.request.user, Act.OVERSEE, _("只有清欠办和审计可以查看档案完整性检查"))
        ctx.update(last=last_check(), page_obj=page_of(self.request, IntegrityCheck.objects.all()))
        return ctx


class HandoverView(ArchiveAccess, TemplateView):
    template_name = "documents/handover.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        require(user, Act.OVERSEE, _("只有清欠办和审计可以查看档案移交"))
        page = page_of(self.request, HandoverExport.objects.select_related("unit", "requested_by"))
        ctx.update(page_obj=page, form=HandoverForm() if may_seal(user) else None,
                   running=any(j.status in ("pending", "running") for j in page.object_list))
        return ctx


# --- plain routes: reads -----------------------------------------------------------------

def x_accel_response(doc: Document, inline: bool) -> HttpResponse:
    """The access is checked and logged here; nginx sends the bytes from its internal
    location (deploy/nginx/qingqian.conf), so a web worker is not tied up streaming."""
    response = HttpResponse(content_type=doc.mime_type)
    response["X-Accel-Redirect"] = settings.QQ_X_ACCEL_PREFIX + quote(doc.storage_name)
    response["Content-Disposition"] = content_disposition_header(not inline, download_name(doc))
    return response


def download_name(doc: Document) -> str:
    """The title with the file's one extension (a title typed as "report.pdf" stays so, not
    "report.pdf.pdf")."""
    ext = doc.extension
    return doc.title if not ext or doc.title.lower().endswith(ext.lower()) else f"{doc.title}{ext}"


class DocumentDownload(ArchiveAccess, View):
    inline = False

    def get(self, request, pk):
        doc = access.get_document_for(request.user, pk, for_=Act.READ)
        inline = self.inline and doc.mime_type in PREVIEWABLE
        services.log_access(doc, request.user, Action.PREVIEW if inline else Action.DOWNLOAD, request=request)
        if settings.QQ_X_ACCEL:
            response = x_accel_response(doc, inline)
        else:
            try:
                fh = archive_storage().open(doc.storage_name, "rb")
            except FileNotFoundError:
                raise Http404(_("文件缺失，请联系清欠办核查")) from None
            response = FileResponse(fh, as_attachment=not inline, filename=download_name(doc),
                                    content_type=doc.mime_type)
        # A stored file is shown, never run. Images get a full sandbox; Chrome refuses to open
        # PDFs in a sandboxed document, so PDFs get the strictest policy its viewer accepts.
        if doc.mime_type.startswith("image/"):
            response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
        else:
            response["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
        response["X-Content-Type-Options"] = "nosniff"
        if inline:
            # The approval dossier shows the preview inside our own page (rule R4.101); other
            # sites still may not frame it.
            response["X-Frame-Options"] = "SAMEORIGIN"
        return response


class CaseFileExport(ArchiveAccess, View):
    def get(self, request, debt_id):
        case_file = access.get_case_file_for(request.user, debt_id, for_=Act.EXPORT)
        debt = case_file.debt
        tmp = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
        case_file_zip(debt, tmp)
        tmp.seek(0)
        services.log_access(case_file, request.user, Action.EXPORT, request=request, detail="zip")
        return FileResponse(tmp, as_attachment=True, filename=f"{safe(debt.code)}-case-file.zip",
                            content_type="application/zip")


class HandoverProgress(ArchiveAccess, View):
    def get(self, request, pk):
        job = access.get_handover_export_for(request.user, pk)
        return JsonResponse({"id": job.pk, "status": job.status, "done": job.done, "total": job.total,
                             "percent": job.percent, "sha256": job.sha256, "error": job.error})


class HandoverDownload(ArchiveAccess, View):
    def get(self, request, pk):
        job = access.get_handover_export_for(request.user, pk, done=True)
        services.log_access(None, request.user, Action.DOWNLOAD, request=request, detail=f"handover #{job.pk}")
        name = f"handover-{job.unit.code if job.unit else 'all'}-{job.pk}.zip"
        return FileResponse(archive_storage().open(job.storage_name, "rb"), as_attachment=True,
                            filename=safe(name), content_type="application/zip")


# --- plain routes: writes ----------------------------------------------------------------

def _back(debt):
    return HttpResponseRedirect(reverse("archive:case_file", kwargs={"debt_id": debt.pk}))


def _page_again(request, view_class, context_overrides, back, **kwargs):
    """The page the form sits on, shown again with the bound form: what was typed stays and each
    error sits next to its field (issue 19 item 8; the redirect used to wipe the input and list
    the errors in the green banner). 422, Turbo's status for a re-rendered form."""
    page = view_class()
    page.setup(request, **kwargs)
    context = page.get_context_data(**kwargs)
    if any(context.get(key) is None for key in context_overrides):
        # The page no longer offers that form (the case file was sealed meanwhile): say why there.
        for form in context_overrides.values():
            for field, errors in form.errors.items():
                label = str(form.fields[field].label) if field in form.fields else ""
                for error in errors:
                    messages.error(request, error if not label or str(error).startswith(label) else f"{label}：{error}")
        return back
    context.update(context_overrides, refused=True)
    return TemplateResponse(request, page.template_name, context, status=422)


class UploadView(ArchiveWrite, View):
    def post(self, request, debt_id):
        debt = access.get_case_file_for(request.user, debt_id, for_=Act.UPLOAD).debt
        form = UploadForm(request.POST, request.FILES, current=services.current_documents(debt))
        if form.is_valid():
            try:
                doc = services.attach(debt, form.cleaned_data["doc_type"], form.cleaned_data["file"], request.user,
                                      title=form.cleaned_data["title"], request=request,
                                      supersedes=form.cleaned_data["supersedes"])
            except UploadRefused as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, _("已上传“%(title)s”第 %(v)s 版") % {"title": doc.title, "v": doc.version})
                return _back(debt)
        return _page_again(request, CaseFileView, {"upload_form": form}, _back(debt), debt_id=debt.pk)


class SealView(ArchiveWrite, View):
    def post(self, request, debt_id):
        debt = access.get_case_file_for(request.user, debt_id, for_=Act.SEAL).debt
        try:
            seal = services.seal_case_file(debt, request.user, request=request)
        except (SealRefused, LifecycleError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        else:
            messages.success(request, _("已封档，清单 SHA-256：%(h)s") % {"h": seal.manifest_sha256})
        return _back(debt)


class LegalHoldView(ArchiveWrite, View):
    def post(self, request, debt_id):
        debt = access.get_case_file_for(request.user, debt_id, for_=Act.LEGAL_HOLD).debt
        form = LegalHoldForm(request.POST)
        if form.is_valid():
            try:
                services.set_legal_hold(debt, on=form.cleaned_data["on"], by=request.user,
                                        reason=form.cleaned_data["reason"], request=request)
            except SealRefused as exc:
                form.add_error("reason", exc.message)
            else:
                return _back(debt)
        return _page_again(request, CaseFileView, {"legal_hold_form": form}, _back(debt), debt_id=debt.pk)


class HandoverStart(ArchiveWrite, View):
    def post(self, request):
        require(request.user, Act.HANDOVER)
        form = HandoverForm(request.POST)
        if not form.is_valid():
            return _page_again(request, HandoverView, {"form": form}, HttpResponseRedirect(reverse("archive:handover")))
        job = start_handover_export(form.cleaned_data["unit"], by=request.user, request=request)
        messages.success(request, _("移交导出 #%(id)s 已开始") % {"id": job.pk})
        return HttpResponseRedirect(reverse("archive:handover"))
