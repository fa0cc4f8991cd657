"""One viewflow Flow per approval chain of docs/rules.md chapter 4 (A-G).

Every human step is an ApprovalStep: approve goes on, reject ends the chain with the debt
unchanged, return sends it to the requester's inbox (rework) and back to the first review.
"""
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from documents.catalogue import DocType
from workflows import roles

from . import disposal, effects, registry, write_off
from .access import CHAIN_LOCK
from .models import TITLED_ASSETS, Chain, ChainProcess, CopyMoment
from .nodes import AddedSignStep, ApprovalStep, ChainEnd, ChainStart, ReportStep, ReworkStep
from .required_documents import single
from .views import DecisionView, StartView


def _docs(*types):
    return lambda process: [single(t) for t in types]


def _start():
    return ChainStart(StartView.as_view())


class ChainFlow(flow.Flow):
    process_class = ChainProcess
    lock_impl = CHAIN_LOCK  # access.task_under_lock takes the same lock
    chain = None
    # Requirements checked when the request is submitted (and resubmitted after rework).
    request_required = staticmethod(lambda process: [])
    # 加签 (rules R4.156-R4.159): every chain's added signers' tasks; no edges, added_signers
    # makes them and says what follows.
    added_signer = AddedSignStep(DecisionView.as_view())

    @classmethod
    def for_chain(cls, chain):
        return registry.flow_for(chain)


class WriteOffFlow(ChainFlow):
    """坏账核销

    清欠办审核 → 总经理批示 → 按金额确定的审批机构批准 → 财务部备案并列销账项（转入备查账，
    核销档案报清欠办）。
    """

    chain = Chain.WRITE_OFF
    request_required = staticmethod(lambda process: write_off.required_for(process.condition))

    start = _start().Next(this.committee_review)
    committee_review = (
        ApprovalStep(DecisionView.as_view(), title=_("清欠办审核"), role=roles.COMMITTEE,
                     required=lambda p: write_off.required_for(p.condition))
        .Next(this.gm_instruction).Reject(this.rejected).Return(this.rework)
    )
    gm_instruction = (
        ApprovalStep(DecisionView.as_view(), title=_("总经理批示"), role=roles.GM, signature=True)
        .Next(this.authority_approval).Reject(this.rejected).Return(this.rework)
    )
    authority_approval = (
        ApprovalStep(DecisionView.as_view(), title=_("审批机构批准"), role=lambda p: p.authority_body,
                     signature=True, required=_docs(DocType.MEETING_RESOLUTION), meeting=True)
        .Next(this.finance_filing).Reject(this.rejected).Return(this.rework)
    )
    # Rule R4.48: the unit's finance files the resolution and books the write-off; rule R4.47:
    # a balance now in another body's band refuses the booking and goes back to that body.
    finance_filing = (
        ApprovalStep(DecisionView.as_view(), title=_("财务部备案并列销账项"), role=roles.FINANCE, unit_scoped=True,
                     required=_docs(DocType.MEETING_RESOLUTION), guard=write_off.authority_moved,
                     effect=effects.write_off)
        .Next(this.approved).Reject(this.rejected).Return(this.rework).Redo(this.authority_approval)
    )
    rework = ReworkStep(DecisionView.as_view(), required=lambda p: write_off.required_for(p.condition)).Next(
        this.committee_review).Reject(this.rejected)
    approved = ChainEnd()
    rejected = ChainEnd()


class VisitFlow(ChainFlow):
    """上门催收计划

    经办人提出 → 清欠小组组长批准。
    """

    chain = Chain.VISIT
    start = _start().Next(this.head_approval)
    head_approval = (
        ApprovalStep(DecisionView.as_view(), title=_("清欠小组组长批准"), role=roles.COMMITTEE_HEAD,
                     effect=effects.visit)
        .Next(this.approved).Reject(this.rejected).Return(this.rework)
    )
    rework = ReworkStep(DecisionView.as_view()).Next(this.head_approval).Reject(this.rejected)
    approved = ChainEnd()
    rejected = ChainEnd()


class LitigationFlow(ChainFlow):
    """诉讼

    经办人提出（附法律风险分析）→ 清欠小组审核 → 总经理签批起诉名单 → 法务部受理。
    """

    chain = Chain.LITIGATION
    request_required = staticmethod(_docs(DocType.LEGAL_RISK_ANALYSIS))
    start = _start().Next(this.committee_review)
    committee_review = (
        ApprovalStep(DecisionView.as_view(), title=_("清欠小组审核"), role=roles.COMMITTEE,
                     required=_docs(DocType.LEGAL_RISK_ANALYSIS))
        .Next(this.gm_signature).Reject(this.rejected).Return(this.rework)
    )
    gm_signature = (
        ApprovalStep(DecisionView.as_view(), title=_("总经理签批起诉名单"), role=roles.GM, signature=True)
        .Next(this.legal_acceptance).Reject(this.rejected).Return(this.rework)
    )
    legal_acceptance = (
        ApprovalStep(DecisionView.as_view(), title=_("法务部受理"), role=roles.LEGAL, effect=effects.litigation)
        .Next(this.approved).Reject(this.rejected).Return(this.rework)
    )
    rework = (ReworkStep(DecisionView.as_view(), required=_docs(DocType.LEGAL_RISK_ANALYSIS))
              .Next(this.committee_review).Reject(this.rejected))
    approved = ChainEnd()
    rejected = ChainEnd()


class SuspensionFlow(ChainFlow):
    """特殊原因暂停追索

    经办人登记特殊原因和截止日期 → 清欠办主任批准。
    """

    chain = Chain.SUSPENSION
    start = _start().Next(this.head_approval)
    head_approval = (
        ApprovalStep(DecisionView.as_view(), title=_("清欠办主任批准"), role=roles.COMMITTEE_HEAD,
                     effect=effects.suspend)
        .Next(this.approved).Reject(this.rejected).Return(this.rework)
    )
    rework = ReworkStep(DecisionView.as_view()).Next(this.head_approval).Reject(this.rejected)
    approved = ChainEnd()
    rejected = ChainEnd()


class OutsourcingFlow(ChainFlow):
    """委托外部催收

    经办人提出受托机构 → 总经理决定（费用只从收回款中支付）。
    """

    chain = Chain.OUTSOURCING
    start = _start().Next(this.gm_decision)
    gm_decision = (
        ApprovalStep(DecisionView.as_view(), title=_("总经理决定"), role=roles.GM, signature=True)
        .Next(this.approved).Reject(this.rejected).Return(this.rework)
    )
    rework = ReworkStep(DecisionView.as_view()).Next(this.gm_decision).Reject(this.rejected)
    approved = ChainEnd()
    rejected = ChainEnd()


class InKindFlow(ChainFlow):
    """以物抵债

    经办人提交存货盘点表（抄送清欠办、技术工程部、财务部）→ 技术工程部鉴定（评估价值）→ 总经理批准 →
    经理、财务主管、保管、验收人员四人签署接收清单（抄送）→ 不动产、车辆、股权：资产评估 → 资产保全 →
    所有权转移登记 → 财务部按评估价值冲抵。
    """

    chain = Chain.IN_KIND
    request_required = staticmethod(_docs(DocType.INVENTORY_LIST))
    # Its start and end copies are documents (rules R4.23, R4.121): copies.copy_at_start/_end
    # leave them to the two Function nodes below.
    copies_documents = True
    start = _start().Next(this.inventory_copies)
    # Rule R4.23: copies of the inventory list, then of the signed receipt list.
    inventory_copies = flow.Function(this.copy_inventory_list).Next(this.appraisal)
    appraisal = (
        ApprovalStep(DecisionView.as_view(), title=_("技术工程部鉴定"), role=roles.TECH, unit_scoped=True,
                     required=_docs(DocType.INVENTORY_LIST, DocType.APPRAISAL_OPINION),
                     extra_fields=("appraised_value",))
        .Next(this.gm_approval).Reject(this.rejected).Return(this.rework)
    )
    gm_approval = (
        ApprovalStep(DecisionView.as_view(), title=_("总经理批准"), role=roles.GM, signature=True)
        .Next(this.receipt_split).Reject(this.rejected).Return(this.rework)
    )
    receipt_split = (
        flow.Split()
        .Always(this.sign_manager).Always(this.sign_finance_head)
        .Always(this.sign_keeper).Always(this.sign_inspector)
    )
    # Each signatory may also reject (the chain ends, the debt is unchanged, nothing is booked)
    # or return for rework; either cancels the other signatures still open (StepActivation).
    sign_manager = (
        ApprovalStep(DecisionView.as_view(), title=_("接收清单签署：经理"), role=roles.RESPONSIBLE, unit_scoped=True,
                     required=_docs(DocType.RECEIPT_LIST))
        .Next(this.receipt_join).Reject(this.rejected).Return(this.rework)
    )
    sign_finance_head = (
        ApprovalStep(DecisionView.as_view(), title=_("接收清单签署：财务主管"), role=roles.FINANCE, unit_scoped=True,
                     required=_docs(DocType.RECEIPT_LIST))
        .Next(this.receipt_join).Reject(this.rejected).Return(this.rework)
    )
    sign_keeper = (
        ApprovalStep(DecisionView.as_view(), title=_("接收清单签署：保管"), role=roles.CUSTODIAN, unit_scoped=True,
                     required=_docs(DocType.RECEIPT_LIST))
        .Next(this.receipt_join).Reject(this.rejected).Return(this.rework)
    )
    sign_inspector = (
        ApprovalStep(DecisionView.as_view(), title=_("接收清单签署：验收人员"), role=roles.INSPECTOR, unit_scoped=True,
                     required=_docs(DocType.RECEIPT_LIST))
        .Next(this.receipt_join).Reject(this.rejected).Return(this.rework)
    )
    receipt_join = flow.Join().Next(this.receipt_copies)
    receipt_copies = flow.Function(this.copy_receipt_list).Next(this.title_check)
    # Rule R4.25: real property, vehicles and equity: valuation, preservation and registration of
    # the transfer of title, in that order, before booking.
    title_check = flow.If(lambda activation: activation.process.asset_kind in TITLED_ASSETS).Then(
        this.valuation).Else(this.booking)
    valuation = (
        ApprovalStep(DecisionView.as_view(), title=_("资产评估"), role=roles.TECH, unit_scoped=True,
                     required=_docs(DocType.VALUATION_REPORT))
        .Next(this.preservation).Reject(this.rejected).Return(this.rework)
    )
    preservation = (
        ApprovalStep(DecisionView.as_view(), title=_("资产保全"), role=roles.LEGAL,
                     required=_docs(DocType.PRESERVATION_RECORD))
        .Next(this.title_registration).Reject(this.rejected).Return(this.rework)
    )
    title_registration = (
        ApprovalStep(DecisionView.as_view(), title=_("所有权转移登记"), role=roles.COMMITTEE,
                     required=_docs(DocType.TITLE_TRANSFER))
        .Next(this.booking).Reject(this.rejected).Return(this.rework)
    )
    booking = (
        ApprovalStep(DecisionView.as_view(), title=_("财务部按评估价值冲抵"), role=roles.FINANCE, unit_scoped=True,
                     effect=effects.settle_in_kind)
        .Next(this.approved).Reject(this.rejected).Return(this.rework)
    )
    rework = (ReworkStep(DecisionView.as_view(), required=_docs(DocType.INVENTORY_LIST))
              .Next(this.appraisal).Reject(this.rejected))
    approved = ChainEnd()
    rejected = ChainEnd()

    def copy_inventory_list(self, activation):
        effects.copy_document(activation.process, DocType.INVENTORY_LIST, CopyMoment.START)

    def copy_receipt_list(self, activation):
        effects.copy_document(activation.process, DocType.RECEIPT_LIST, CopyMoment.END)


class DisposalFlow(ChainFlow):
    """抵债物资处置（降价处置）

    登记处置（价格、买受人、日期、处置单位）；价格不低于抵债金额即登记完成；低于抵债金额：
    技术工程部质量鉴定 → 书面报告降价原因和理由 → 总经理批准。
    """

    chain = Chain.DISPOSAL
    start = _start().Next(this.price_check)
    # Rule R4.31: at no less than the offset the sale is simply recorded; below it chain B's
    # approval is needed (rule R4.32).
    price_check = flow.If(lambda activation: disposal.below_offset(activation.process)).Then(
        this.quality_appraisal).Else(this.sale_recorded)
    quality_appraisal = (
        ApprovalStep(DecisionView.as_view(), title=_("技术工程部质量鉴定"), role=roles.TECH, unit_scoped=True,
                     required=_docs(DocType.APPRAISAL_OPINION))
        .Next(this.written_report).Reject(this.rejected).Return(this.rework)
    )
    # Rule R4.32: the unit's written report of the reasons comes after the appraisal.
    written_report = (ReportStep(DecisionView.as_view(), title=_("书面报告降价原因和理由"),
                                 required=disposal.report_required)
                      .Next(this.gm_approval).Reject(this.rejected))
    gm_approval = (
        ApprovalStep(DecisionView.as_view(), title=_("总经理批准降价"), role=roles.GM, signature=True,
                     required=lambda p: [single(DocType.APPRAISAL_OPINION), *disposal.report_required(p)],
                     effect=effects.record_sale)
        .Next(this.approved).Reject(this.rejected).Return(this.rework)
    )
    sale_recorded = flow.Function(this.record_sale).Next(this.approved)
    rework = ReworkStep(DecisionView.as_view()).Next(this.quality_appraisal).Reject(this.rejected)
    approved = ChainEnd()
    rejected = ChainEnd()

    def record_sale(self, activation):
        effects.record_sale(activation.process, activation.process.requested_by)


FLOWS = {
    Chain.WRITE_OFF: WriteOffFlow,
    Chain.VISIT: VisitFlow,
    Chain.LITIGATION: LitigationFlow,
    Chain.SUSPENSION: SuspensionFlow,
    Chain.OUTSOURCING: OutsourcingFlow,
    Chain.IN_KIND: InKindFlow,
    Chain.DISPOSAL: DisposalFlow,
}
