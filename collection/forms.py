"""Input forms; each error message starts with the field's name so it reads on its own."""
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Agency, AgencyKind, CaseOutcome, ContactKind, DeliveryProof, LetterKind, Stage

DATE = forms.DateInput(attrs={"type": "date"})


def _date(label, required=True):
    return forms.DateField(label=label, required=required, widget=DATE,
                           error_messages={"invalid": _("请输入有效日期（年-月-日）"), "required": _("必须填写")})


def _money(label, required=True):
    return forms.DecimalField(label=label, required=required, max_digits=16, decimal_places=2, min_value=0.01,
                              error_messages={"invalid": _("请输入金额数字"), "required": _("必须填写"),
                                              "max_decimal_places": _("最多两位小数"),
                                              "min_value": _("必须大于零")})


def _file(label, required=False):
    return forms.FileField(label=label, required=required,
                           error_messages={"required": _("请选择文件"), "empty": _("文件是空的（0 字节）")})


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiFileField(forms.FileField):
    widget = MultiFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultiFileField, self).clean(f, initial) for f in files]


def errors_of(form: forms.Form) -> list[str]:
    """['字段：问题', ...] for every error of a bound, invalid form."""
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            out.append(f"{label}：{error}" if label else str(error))
    return out


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("方式"), choices=ContactKind.choices,
                             error_messages={"invalid_choice": _("未知的联系方式"), "required": _("请选择")})
    outcome = forms.CharField(label=_("结果"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000,
                              error_messages={"required": _("必须填写联系结果")})
    promise_amount = _money(_("承诺还款金额"), required=False)
    promise_date = _date(_("承诺还款日期"), required=False)
    attachments = MultiFileField(label=_("附件"), required=False)


class LetterDraftForm(forms.Form):
    """What the user chooses before the preview (GET)."""

    kind = forms.ChoiceField(label=_("函件类型"), choices=LetterKind.choices,
                             error_messages={"invalid_choice": _("未知的函件类型"), "required": _("请选择")})
    attention = forms.CharField(label=_("收件人"), max_length=100, required=False,
                                help_text=_("默认为债务人档案中的联系人"))
    address = forms.CharField(label=_("收件地址"), max_length=300, required=False,
                              help_text=_("默认为债务人档案中的地址"))


class LetterForm(LetterDraftForm):
    """The confirmation of a preview (POST): only a previewed letter is archived."""

    fingerprint = forms.CharField(widget=forms.HiddenInput, max_length=64,
                                  error_messages={"required": _("请先预览函件，确认无误后再存档")})
    preview_token = forms.UUIDField(widget=forms.HiddenInput,
                                    error_messages={"required": _("请先预览函件，确认无误后再存档"),
                                                    "invalid": _("预览已失效，请重新预览")})


class ReceiptForm(forms.Form):
    proof_kind = forms.ChoiceField(label=_("送达证明"), choices=DeliveryProof.choices, initial=DeliveryProof.RECEIPT,
                                   error_messages={"invalid_choice": _("请选择回执扫描件或存证记录"),
                                                   "required": _("请选择回执扫描件或存证记录")})
    receipt_date = _date(_("送达日期"))
    file = _file(_("回执扫描件/存证证明"), required=True)
    evidence_no = forms.CharField(label=_("存证编号"), max_length=100, required=False,
                                  help_text=_("登记存证记录时必须填写"))
    tracking_no = forms.CharField(label=_("快递单号"), max_length=60, required=False,
                                  help_text=_("选填；只有快递单号不能证明送达"))


class ConfirmationForm(forms.Form):
    signed_date = _date(_("债务人签认日期"))
    file = _file(_("签认件扫描件"))


class VisitForm(forms.Form):
    visited_on = _date(_("走访日期"))
    business_operating = forms.TypedChoiceField(label=_("债务人仍在经营"), choices=[("1", _("是")), ("0", _("否"))],
                                                coerce=lambda v: v == "1",
                                                error_messages={"required": _("请选择是或否")})
    met_whom = forms.CharField(label=_("接待人"), max_length=200, error_messages={"required": _("必须填写见到的人")})
    assets_seen = forms.CharField(label=_("所见资产"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("下一步"), widget=forms.Textarea(attrs={"rows": 2}),
                                error_messages={"required": _("必须填写下一步安排")})
    photos = MultiFileField(label=_("照片"), required=False)
    signed_record = _file(_("债务人签字的走访记录"))
    no_signature_reason = forms.CharField(label=_("未取得签字的原因"), required=False, max_length=1000,
                                          widget=forms.Textarea(attrs={"rows": 2}),
                                          help_text=_("没有债务人代表签字的走访记录时必须填写，如：对方拒绝签字"))


class PlanForm(forms.Form):
    agreed_on = _date(_("签订日期"))
    schedule = forms.CharField(label=_("分期（每行一期：应还日期 金额）"), widget=forms.Textarea(attrs={"rows": 4}),
                               help_text=_("例如：2026-12-31 20000.00"), error_messages={"required": _("至少填写一期")})
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)
    file = _file(_("协议扫描件"))

    def clean_schedule(self):
        rows = []
        lines = [text for text in self.cleaned_data["schedule"].splitlines() if text.strip()]
        for n, line in enumerate(lines, start=1):
            parts = line.replace("，", " ").replace(",", " ").replace("\t", " ").split()
            if len(parts) != 2:
                raise forms.ValidationError(_("第 %(n)s 行应为“日期 金额”") % {"n": n})
            try:
                due = date.fromisoformat(parts[0])
            except ValueError:
                message = _("第 %(n)s 行的日期“%(v)s”无效（年-月-日）") % {"n": n, "v": parts[0]}
                raise forms.ValidationError(message) from None
            rows.append((due, parts[1]))
        if not rows:
            raise forms.ValidationError(_("至少填写一期"))
        return rows


class PlanPaymentForm(forms.Form):
    amount = _money(_("还款金额"))
    date = _date(_("还款日期"))
    reference = forms.CharField(label=_("凭证号"), max_length=100, required=False)


class TakeCaseForm(forms.Form):
    claim_amount = _money(_("诉讼请求金额"), required=False)


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("转入阶段"), choices=Stage.choices, error_messages={"required": _("请选择")})
    on = _date(_("日期"))
    court = forms.CharField(label=_("受理法院"), max_length=200, required=False)
    case_number = forms.CharField(label=_("案号"), max_length=100, required=False)
    outcome = forms.ChoiceField(label=_("结果"), choices=[("", "—")] + list(CaseOutcome.choices), required=False)
    judgment_amount = _money(_("判决/和解金额"), required=False)
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)
    files = MultiFileField(label=_("法院文书"), required=False)


class HearingForm(forms.Form):
    at = forms.DateTimeField(label=_("开庭时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                             error_messages={"invalid": _("请输入有效时间"), "required": _("必须填写")})
    place = forms.CharField(label=_("地点/法庭"), max_length=200, required=False)
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)


class CostForm(forms.Form):
    kind = forms.CharField(label=_("费用类别"), max_length=60, error_messages={"required": _("必须填写")})
    amount = _money(_("金额"))
    on = _date(_("日期"))


class PapersForm(forms.Form):
    files = MultiFileField(label=_("法院文书"), required=True)


class AgencyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200, error_messages={"required": _("必须填写")})
    kind = forms.ChoiceField(label=_("类型"), choices=AgencyKind.choices)
    default_fee_percent = forms.DecimalField(label=_("默认费率(%)"), max_digits=5, decimal_places=2, min_value=0,
                                             max_value=100,
                                             error_messages={"invalid": _("请输入数字"), "required": _("必须填写"),
                                                             "min_value": _("须在 0 到 100 之间"),
                                                             "max_value": _("须在 0 到 100 之间")})
    contact = forms.CharField(label=_("联系人"), max_length=100, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=50, required=False)


class EngageForm(forms.Form):
    agency = forms.ModelChoiceField(label=_("受托机构"), queryset=None,
                                    error_messages={"required": _("请选择"), "invalid_choice": _("不存在或已停用")})
    fee_percent = forms.DecimalField(label=_("费率(%)"), max_digits=5, decimal_places=2, required=False,
                                     min_value=0, max_value=100,
                                     error_messages={"invalid": _("请输入数字"), "min_value": _("须在 0 到 100 之间"),
                                                     "max_value": _("须在 0 到 100 之间")})
    start_date = _date(_("委托开始日期"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(active=True)


class FeeForm(forms.Form):
    amount = _money(_("支付金额"))
    paid_on = _date(_("支付日期"))
