"""The finance upload page for the ledger import: upload, preview, one click to commit, and the
template to fill in. The work is in workflows.ledger_import.service and, in the background,
workflows.ledger_import.jobs; the template is workflows.ledger_import.template's."""
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from workflows.exceptions import InvalidWorkbook
from workflows.ledger_import import jobs
from workflows.ledger_import import service as ledger_import
from workflows.ledger_import import template as ledger_template

PERMISSION = "workflows.import_ledger"
MAX_UPLOAD_BYTES = getattr(settings, "QQ_LEDGER_IMPORT_MAX_BYTES", 30 * 1024 * 1024)
ERRORS_PER_PAGE = 100
RUNNING = {jobs.QUEUED, jobs.RUNNING}
ACCEPTED = (".xlsx", ".xlsm", ".xls", ".csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("台账文件（.xlsx、.xls 或 .csv）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ACCEPTED):
            raise forms.ValidationError(_("只接受 Excel 工作簿（.xlsx、.xls）或 CSV 文件；"
                                          "其他格式请在 Excel 或 WPS 中另存为 .xlsx 后再上传"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（%(size)s），上限为 %(limit)s") % {
                "size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)})
        try:
            problems = ledger_import.header_problems(upload, file_name=upload.name)
        except InvalidWorkbook as exc:
            raise forms.ValidationError(str(exc)) from None
        finally:
            upload.seek(0)
        if problems:
            raise forms.ValidationError([_("工作表“%(sheet)s”第%(row)s行表头：%(column)s（%(reason)s）")
                                         % {"sheet": p.sheet, "row": p.row, "column": p.column, "reason": p.reason}
                                         for p in problems])
        return upload


def _own_job(request, job_id):
    data = jobs.get_job(job_id)
    # Another user's job is not disclosed.
    if data is None or (data.get("user_id") != request.user.pk and not request.user.is_superuser):
        raise Http404(_("没有这个导入任务"))
    return data


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job_id = uuid.uuid4()
        upload_file = form.cleaned_data["file"]
        name, digest = jobs.store_upload(job_id, upload_file)
        jobs.create_job(job_id, storage_name=name, sha256=digest, user=request.user,
                        file_name=Path(upload_file.name).name, language=request.LANGUAGE_CODE)
        jobs.start_job(job_id)
        return redirect("workflows_routes:ledger_import_job", job_id=job_id)
    return render(request, "workflows/ledger_import.html", {
        "form": form, "max_size": MAX_UPLOAD_BYTES, "headers": ledger_import.HEADERS,
    })


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET"])
def job(request, job_id):
    data = _own_job(request, job_id)
    report = data.get("report") or {}
    errors_page = None
    if report.get("errors"):
        errors_page = Paginator(report["errors"], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    done, total = data.get("done") or 0, data.get("total")
    percent = min(100, int(done * 100 / total)) if total else 0
    sheets = report.get("sheets") or []
    chosen = data.get("sheets")
    status_labels = {
        "read": _("已读取"), "empty": _("空表，跳过"), "hidden": _("隐藏的工作表，未读取"),
        "not_chosen": _("未选择，未读取"), "no_header": _("找不到表头"), "bad_header": _("表头有误"),
    }
    for sheet in sheets:
        sheet["label"] = status_labels.get(sheet["status"], sheet["status"])
        sheet["checked"] = sheet["name"] in chosen if chosen is not None else sheet["status"] not in {"hidden", "empty"}
    return render(request, "workflows/ledger_import_job.html", {
        "job": data, "report": report, "errors_page": errors_page, "running": data.get("status") in RUNNING,
        "percent": percent, "phase": {"validate": _("校验"), "write": _("写入")}.get(data.get("phase"), ""),
        "committing": data.get("mode") == jobs.COMMIT, "sheets": sheets, "several_sheets": len(sheets) > 1,
        "totals": [s for s in report.get("skipped") or [] if s["kind"] == "totals"],
        "others_skipped": [s for s in report.get("skipped") or [] if s["kind"] != "totals"],
    })


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def commit(request, job_id):
    """One click after the preview: the same file, imported for real (all or nothing)."""
    _own_job(request, job_id)
    if jobs.request_commit(str(job_id)):
        jobs.start_job(job_id)
    else:  # a second click, or a preview that was refused: nothing is started twice
        messages.info(request, _("该导入任务已确认或不能导入，未重复执行"))
    return redirect("workflows_routes:ledger_import_job", job_id=job_id)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def choose_sheets(request, job_id):
    """Preview again, reading only the sheets the user ticked (never one dropped unsaid)."""
    data = _own_job(request, job_id)
    names = [s["name"] for s in (data.get("report") or {}).get("sheets") or []]
    chosen = [name for name in request.POST.getlist("sheet") if name in names]
    if not chosen:
        messages.error(request, _("请至少选择一个工作表"))
    elif jobs.request_preview(str(job_id), sheets=chosen):
        jobs.start_job(job_id)
    return redirect("workflows_routes:ledger_import_job", job_id=job_id)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET"])
def template(request):
    """The .xlsx to fill in: the headers, drop-downs of the user's units, the categories and
    the users, a frozen header and an example row (which the import skips)."""
    response = HttpResponse(ledger_template.build(request.user), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, _("台账导入模板") + ".xlsx")
    return response
