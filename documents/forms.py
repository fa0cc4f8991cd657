from django import forms
from django.utils.translation import gettext_lazy as _

from workflows.models import OrgUnit

from .catalogue import DocType
from .models import Document


class SearchForm(forms.Form):
    text = forms.CharField(label=_("关键词"), required=False, max_length=200,
                           help_text=_("标题、文件名、债务人、合同号、债权编号等"))
    debtor = forms.CharField(label=_("债务人"), required=False, max_length=200)
    contract = forms.CharField(label=_("合同编号"), required=False, max_length=64)
    debt_code = forms.CharField(label=_("债权编号"), required=False, max_length=40)
    doc_type = forms.ChoiceField(label=_("文件类型"), required=False,
                                 choices=[("", _("全部"))] + list(DocType.choices))
    date_from = forms.DateField(label=_("上传日期自"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": _("上传日期自：请输入有效日期（年-月-日）")})
    date_to = forms.DateField(label=_("上传日期至"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": _("上传日期至：请输入有效日期（年-月-日）")})

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("上传日期至不能早于上传日期自"))
        return data


class UploadForm(forms.Form):
    doc_type = forms.ChoiceField(label=_("文件类型"), choices=DocType.choices,
                                 error_messages={"required": _("文件类型：请选择"),
                                                 "invalid_choice": _("文件类型：不在档案目录中")})
    title = forms.CharField(label=_("标题"), max_length=200, required=False)
    file = forms.FileField(label=_("文件"), error_messages={"required": _("文件：请选择要上传的文件"),
                                                           "empty": _("文件：文件是空的（0 字节）")})
    supersedes = forms.ModelChoiceField(label=_("更正(取代)的文件"), queryset=Document.objects.none(),
                                        required=False, empty_label=_("不是更正，新文件"),
                                        error_messages={"invalid_choice": _("更正的文件：不在本案卷的当前文件中")})

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        if current is not None:
            self.fields["supersedes"].queryset = current
            self.fields["supersedes"].label_from_instance = (
                lambda d: f"{d.get_doc_type_display()}：{d.title} v{d.version}")


class LegalHoldForm(forms.Form):
    on = forms.BooleanField(label=_("法律保全"), required=False)
    reason = forms.CharField(label=_("原因"), max_length=300, required=False)


class HandoverForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("单位"), queryset=OrgUnit.objects.all(), required=False,
                                  empty_label=_("全部档案"),
                                  error_messages={"invalid_choice": _("单位：所选单位不存在")})
