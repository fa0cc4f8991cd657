"""The finance upload page for the ledger import; the work is in workflows.ledger_import.service
and, in the background, workflows.ledger_import.jobs."""
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from workflows.exceptions import InvalidWorkbook
from workflows.ledger_import import jobs
from workflows.ledger_import import service as ledger_import

PERMISSION = "workflows.import_ledger"
MAX_UPLOAD_BYTES = getattr(settings, "QQ_LEDGER_IMPORT_MAX_BYTES", 30 * 1024 * 1024)
ERRORS_PER_PAGE = 100
RUNNING = {"queued", "running"}


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("台账文件（.xlsx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("只接受 .xlsx 格式的 Excel 文件"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大（%(size)s），上限为 %(limit)s") % {
                "size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)})
        try:
            problems = ledger_import.header_problems(upload)
        except InvalidWorkbook as exc:
            raise forms.ValidationError(str(exc)) from None
        finally:
            upload.seek(0)
        if problems:
            raise forms.ValidationError([_("表头缺少或重复的列：%(column)s（%(reason)s）")
                                         % {"column": p.column, "reason": p.reason} for p in problems])
        return upload


def _upload_dir():
    path = Path(settings.MEDIA_ROOT) / "ledger_imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job_id = uuid.uuid4()
        upload_file = form.cleaned_data["file"]
        # Kept after the import: it is the source document of the ledger entries it created.
        path = _upload_dir() / f"{job_id}.xlsx"
        with open(path, "wb") as out:
            for chunk in upload_file.chunks():
                out.write(chunk)
        jobs.create_job(job_id, path=path, user=request.user, file_name=Path(upload_file.name).name)
        jobs.start_job(job_id)
        return redirect("workflows_routes:ledger_import_job", job_id=job_id)
    return render(request, "workflows/ledger_import.html", {
        "form": form, "max_size": MAX_UPLOAD_BYTES, "headers": ledger_import.HEADERS,
    })


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET"])
def job(request, job_id):
    data = jobs.get_job(job_id)
    # Another user's job is not disclosed.
    if data is None or (data.get("user_id") != request.user.pk and not request.user.is_superuser):
        raise Http404(_("没有这个导入任务"))
    report = data.get("report") or {}
    errors_page = None
    if report.get("errors"):
        errors_page = Paginator(report["errors"], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    done, total = data.get("done") or 0, data.get("total")
    percent = min(100, int(done * 100 / total)) if total else 0
    return render(request, "workflows/ledger_import_job.html", {
        "job": data, "report": report, "errors_page": errors_page, "running": data.get("status") in RUNNING,
        "percent": percent, "phase": {"validate": _("校验"), "write": _("写入")}.get(data.get("phase"), ""),
    })
