"""The archive 清欠档案 (rules R7.x): one case file per debt, its documents as version chains,
the seal with its manifest, the access log and the integrity checks.

Documents, seals, access-log rows and integrity results are append-only (ORM here, and on
PostgreSQL pgtrigger.Protect triggers refuse raw SQL too). A case file row is never deleted;
its only mutable field is the legal-hold flag, and every change of it is logged.
"""
import uuid

import pgtrigger
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workflows.append_only import AppendOnlyModel
from workflows.exceptions import AppendOnlyError

from .catalogue import DocType
from .validation import EXTENSION_FOR_MIME


class CaseFileQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError(gettext("案卷不能删除"))


class CaseFile(models.Model):
    debt = models.OneToOneField("workflows.Debt", verbose_name=_("债权"), on_delete=models.PROTECT,
                                related_name="case_file")
    opened_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    legal_hold = models.BooleanField(_("法律保全(冻结)"), default=False)
    legal_hold_reason = models.CharField(_("保全原因"), max_length=300, blank=True)

    objects = CaseFileQuerySet.as_manager()
    # Never deleted: the application role has no DELETE on the table (workflows.db_roles).
    app_role_revoke = ("DELETE",)

    class Meta:
        verbose_name = _("案卷")
        verbose_name_plural = _("案卷")
        ordering = ["-opened_at"]
        triggers = [
            pgtrigger.Protect(name="case_file_no_delete", operation=pgtrigger.Delete),
            # Only the legal-hold flag may change; the file stays bound to its debt.
            pgtrigger.Protect(name="case_file_identity_fixed", operation=pgtrigger.Update,
                              condition=pgtrigger.AnyChange("debt", "opened_at")),
        ]

    def __str__(self):
        return str(self.debt.code)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(gettext("案卷不能删除"))

    @property
    def is_sealed(self):
        return Seal.objects.filter(case_file=self).exists()


class Document(AppendOnlyModel):
    case_file = models.ForeignKey(CaseFile, verbose_name=_("案卷"), on_delete=models.PROTECT,
                                  related_name="documents")
    doc_type = models.CharField(_("文件类型"), max_length=40, choices=DocType.choices, db_index=True)
    title = models.CharField(_("标题"), max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=255)
    # Name inside the archive storage: a fresh uuid path, never reused.
    storage_name = models.CharField(_("存储路径"), max_length=300, unique=True, editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.BigIntegerField(_("大小(字节)"))
    mime_type = models.CharField(_("文件格式"), max_length=100, help_text=_("由文件内容识别，不采信浏览器"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True, db_index=True)
    system_generated = models.BooleanField(_("系统生成"), default=False)
    # Version chain: a correction is a new row that supersedes the previous one.
    chain = models.UUIDField(_("版本链"), default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    supersedes = models.OneToOneField("self", verbose_name=_("取代"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="superseded_by")

    class Meta:
        verbose_name = _("档案文件")
        verbose_name_plural = _("档案文件")
        ordering = ["uploaded_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["chain", "version"], name="document_chain_version_unique")]
        triggers = [
            pgtrigger.Protect(name="document_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            # A sealed case file takes no more documents, whichever path inserts them.
            pgtrigger.Trigger(
                name="document_refused_after_seal",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="""
                IF EXISTS (SELECT 1 FROM documents_seal s WHERE s.case_file_id = NEW.case_file_id) THEN
                    RAISE EXCEPTION 'case file % is sealed', NEW.case_file_id USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self):
        return f"{self.title} v{self.version}"

    @property
    def extension(self):
        return EXTENSION_FOR_MIME.get(self.mime_type, "")


class Seal(AppendOnlyModel):
    """封档: written once when the debt moves to sealed; the manifest is kept verbatim."""

    case_file = models.OneToOneField(CaseFile, verbose_name=_("案卷"), on_delete=models.PROTECT,
                                     related_name="seal")
    sealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("封档人"), on_delete=models.PROTECT,
                                  related_name="+")
    sealed_at = models.DateTimeField(_("封档时间"), auto_now_add=True)
    manifest = models.TextField(_("封档清单(JSON)"))
    manifest_sha256 = models.CharField(_("清单SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("封档记录")
        verbose_name_plural = _("封档记录")
        triggers = [pgtrigger.Protect(name="seal_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class Action(models.TextChoices):
    VIEW = "view", _("查看")
    PREVIEW = "preview", _("预览")
    DOWNLOAD = "download", _("下载")
    UPLOAD = "upload", _("上传")
    SEAL = "seal", _("封档")
    EXPORT = "export", _("导出")
    LEGAL_HOLD = "legal_hold", _("法律保全变更")


class AccessLog(AppendOnlyModel):
    case_file = models.ForeignKey(CaseFile, verbose_name=_("案卷"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="access_log")
    document = models.ForeignKey(Document, verbose_name=_("文件"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="access_log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    detail = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("档案访问记录")
        verbose_name_plural = _("档案访问记录")
        ordering = ["-at", "-pk"]
        triggers = [pgtrigger.Protect(name="access_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete)]


class IntegrityCheck(AppendOnlyModel):
    """One run of verify_archive; the newest is shown to auditors."""

    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), auto_now_add=True)
    documents_checked = models.PositiveIntegerField(_("核验文件数"), default=0)
    seals_checked = models.PositiveIntegerField(_("核验封档数"), default=0)
    ok = models.BooleanField(_("全部一致"))
    problems = models.JSONField(_("问题"), default=list, blank=True)
    trigger = models.CharField(_("触发方式"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("档案完整性核验")
        verbose_name_plural = _("档案完整性核验")
        ordering = ["-finished_at", "-pk"]
        triggers = [pgtrigger.Protect(name="integrity_check_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]


class HandoverExport(models.Model):
    """A handover bundle (rule R7.12) being built in the background."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    unit = models.ForeignKey("workflows.OrgUnit", verbose_name=_("单位"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+", help_text=_("为空表示全部档案"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("案卷总数"), default=0)
    done = models.PositiveIntegerField(_("已完成案卷"), default=0)
    storage_name = models.CharField(_("存储路径"), max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.BigIntegerField(_("大小(字节)"), default=0)
    error = models.TextField(_("错误"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("档案移交导出")
        verbose_name_plural = _("档案移交导出")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return gettext("移交包 #%(pk)s（%(status)s）") % {"pk": self.pk, "status": self.get_status_display()}

    @property
    def percent(self):
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class RetentionSettings(models.Model):
    """One row (pk=1): how long a case file is kept once its debt is closed (rule R7.14)."""

    collection_years = models.PositiveSmallIntegerField(
        _("催收资料保管年限"), default=5,
        help_text=_("债权结清或以物抵债后保管的年数（催收流程：终止后保留5年）"))
    voucher_years = models.PositiveSmallIntegerField(
        _("会计凭证保管年限"), default=30, help_text=_("自结清当年会计年度终了后的第一天起算"))
    voucher_types = models.CharField(
        _("会计凭证文件类型"), max_length=300, default="original_vouchers,invoice",
        help_text=_("按会计凭证保管的文件类型代码，逗号分隔"))

    class Meta:
        verbose_name = _("档案保管期限设置")
        verbose_name_plural = _("档案保管期限设置")

    def __str__(self):
        return gettext("档案保管期限设置")

    def clean(self):
        unknown = [c for c in self.voucher_type_codes if c not in DocType.values]
        if unknown:
            message = gettext("未知的文件类型：%(codes)s") % {"codes": "、".join(unknown)}
            raise ValidationError({"voucher_types": message})
        if self.collection_years < 1 or self.voucher_years < 1:
            raise ValidationError(gettext("保管年限至少 1 年"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=1)[0]

    @property
    def voucher_type_codes(self):
        return [c.strip() for c in str(self.voucher_types).replace("，", ",").split(",") if c.strip()]
