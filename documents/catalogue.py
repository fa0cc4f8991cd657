"""The catalogue of document types in a case file (rules R7.2, R4.10). Codes are stable; labels
are what people read. Approval steps name the types they require by these codes."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocType(models.TextChoices):
    CONTRACT = "contract", _("合同")
    INVOICE = "invoice", _("发票")
    BALANCE_CONFIRMATION = "balance_confirmation", _("对账确认函")
    DEMAND_LETTER = "demand_letter", _("催款函")
    DELIVERY_RECEIPT = "delivery_receipt", _("回执")
    LAWYER_LETTER = "lawyer_letter", _("律师函")
    VISIT_REPORT = "visit_report", _("走访报告")
    INVENTORY_LIST = "inventory_list", _("财务存货盘点表")
    APPRAISAL_OPINION = "appraisal_opinion", _("鉴定意见")
    RECEIPT_LIST = "receipt_list", _("接收清单")
    # Titled assets taken in kind (rule R4.25)
    VALUATION_REPORT = "valuation_report", _("资产评估报告")
    PRESERVATION_RECORD = "preservation_record", _("资产保全材料")
    TITLE_TRANSFER = "title_transfer", _("所有权转移登记证明")
    WRITTEN_REPORT = "written_report", _("书面报告")
    WRITE_OFF_APPLICATION = "write_off_application", _("坏账核销申请报告")
    # Write-off evidence (rule R4.43)
    PROSECUTOR_CERTIFICATE = "prosecutor_certificate", _("检察机关证明")
    POSTAL_EVIDENCE_LETTER = "postal_evidence_letter", _("邮局存证信函")
    CREDITOR_CERTIFICATE = "creditor_certificate", _("债权凭证")
    COURT_SETTLEMENT_RECORD = "court_settlement_record", _("法院和解笔录")
    MEDIATION_AWARD = "mediation_award", _("调解裁决凭证")
    BANKRUPTCY_RULING = "bankruptcy_ruling", _("破产宣告裁定")
    DEATH_CERTIFICATE = "death_certificate", _("死亡/注销证明")
    OTHER_EVIDENCE = "other_evidence", _("其他核销证据")
    MEETING_RESOLUTION = "meeting_resolution", _("会议批准文件")
    COURT_PAPERS = "court_papers", _("法院文书")
    INVESTIGATION_RECORD = "investigation_record", _("调查记录")
    ORIGINAL_VOUCHERS = "original_vouchers", _("原始凭证")
    CONCLUSIVE_REPORT = "conclusive_report", _("结论性报告")
    APPROVAL_RECORD = "approval_record", _("审批记录")
    LEGAL_RISK_ANALYSIS = "legal_risk_analysis", _("法律风险分析")
    PHOTO = "photo", _("照片")
    OTHER = "other", _("其他")


WRITE_OFF_EVIDENCE = {
    DocType.PROSECUTOR_CERTIFICATE, DocType.POSTAL_EVIDENCE_LETTER, DocType.CREDITOR_CERTIFICATE,
    DocType.COURT_SETTLEMENT_RECORD, DocType.MEDIATION_AWARD, DocType.BANKRUPTCY_RULING,
    DocType.DEATH_CERTIFICATE, DocType.OTHER_EVIDENCE,
}
