"""Forms of the approval pages. Errors name the field and the problem in Chinese."""
from django import forms
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from documents.catalogue import DocType
from workflows.exceptions import LedgerError
from workflows.ledger import parse_amount
from workflows.models import OrgUnit, User
from workflows.roles import LABELS as ROLE_LABELS

from .models import AddedSignMode, AssetKind, Chain, DecisionKind, WriteOffCondition
from .return_to import offers_return_to, return_steps

ATTACHMENT_ROWS = 3


class AttachmentsMixin:
    """Up to three (type, file) rows: works without JavaScript."""

    def add_attachment_fields(self):
        choices = [("", "---------")] + list(DocType.choices)
        for i in range(1, ATTACHMENT_ROWS + 1):
            self.fields[f"doc_type_{i}"] = forms.ChoiceField(label=_("附件%(i)s类型") % {"i": i}, choices=choices,
                                                             required=False)
            self.fields[f"file_{i}"] = forms.FileField(label=_("附件%(i)s文件") % {"i": i}, required=False)

    def clean_attachments(self, cleaned):
        rows = []
        for i in range(1, ATTACHMENT_ROWS + 1):
            doc_type, upload = cleaned.get(f"doc_type_{i}"), cleaned.get(f"file_{i}")
            if upload and not doc_type:
                self.add_error(f"doc_type_{i}", _("附件%(i)s：请选择文件类型") % {"i": i})
            elif doc_type and not upload:
                self.add_error(f"file_{i}", _("附件%(i)s：请选择要上传的文件") % {"i": i})
            elif upload:
                rows.append((doc_type, upload))
        cleaned["attachments"] = rows
        return cleaned


def _money_field(label, required=True):
    return forms.CharField(label=label, required=required, max_length=30)


def _clean_money(form, name, label):
    raw = form.cleaned_data.get(name)
    if raw in (None, ""):
        return None
    try:
        value = parse_amount(raw, field=str(label))
    except LedgerError as exc:
        raise forms.ValidationError(str(exc)) from None
    if value <= 0:
        raise forms.ValidationError(_("%(field)s必须大于零") % {"field": label})
    return value


class RequestForm(AttachmentsMixin, forms.Form):
    """A chain request: its fields, one labelled upload slot per required document (rule R4.103),
    then optional extra attachments.

    requirements: what the request needs for the chain (and write-off condition) chosen;
    present: {requirement index: [documents of the case file that already satisfy it]}."""

    reason = forms.CharField(label=_("申请理由"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, chain, requirements=(), present=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.chain = chain
        self.requirements = list(requirements)
        self.present = present or {}
        if chain == Chain.WRITE_OFF:
            self.fields["condition"] = forms.ChoiceField(
                label=_("核销条件"), choices=WriteOffCondition.choices,
                widget=forms.Select(attrs={"data-refresh-on-change": "1"}),
                help_text=_("所需证据随核销条件而定；更改条件后，下方列出该条件所需的文件"))
        for i, requirement in enumerate(self.requirements, start=1):
            types = sorted(requirement.types, key=lambda t: DocType(t).label)
            if len(types) > 1:
                self.fields[f"slot_{i}_type"] = forms.ChoiceField(
                    label=_("%(label)s：文件类型") % {"label": requirement.label},
                    choices=[("", "---------")] + [(t, DocType(t).label) for t in types], required=False)
            self.fields[f"slot_{i}"] = forms.FileField(label=requirement.describe(), required=False)
        if chain == Chain.IN_KIND:
            self.fields["asset_kind"] = forms.ChoiceField(
                label=_("抵债资产类别"), choices=AssetKind.choices, initial=AssetKind.GOODS, required=False,
                help_text=_("不动产、车辆、股权须经资产评估、保全和所有权转移登记后方可入账"))
        if chain == Chain.DISPOSAL:
            self.fields["proposed_price"] = _money_field(_("处置价格"))
            self.fields["buyer"] = forms.CharField(label=_("买受人"), max_length=200)
            self.fields["sale_date"] = forms.DateField(label=_("处置日期"),
                                                       widget=forms.DateInput(attrs={"type": "date"}))
            self.fields["selling_unit"] = forms.ModelChoiceField(
                label=_("处置单位"), queryset=OrgUnit.objects.order_by("code"),
                help_text=_("谁抵债谁变现：须为取得抵债物资的单位"))
        if chain == Chain.SUSPENSION:
            self.fields["until"] = forms.DateField(label=_("暂停至"), widget=forms.DateInput(attrs={"type": "date"}))
        if chain == Chain.OUTSOURCING:
            self.fields["agency"] = forms.CharField(label=_("受托催收机构/律师事务所"), max_length=200)
        self.add_attachment_fields()

    def clean_proposed_price(self):
        return _clean_money(self, "proposed_price", _("处置价格"))

    def clean_asset_kind(self):
        # Not given (an older client of the API): goods, the kind without a title.
        return self.cleaned_data.get("asset_kind") or AssetKind.GOODS

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.localdate():
            raise forms.ValidationError(_("暂停至：截止日期必须晚于今天"))
        return until

    def slots(self):
        """[{requirement, fields (the type choice if several, then the file), present}] for the page."""
        return [{"requirement": r, "present": self.present.get(i, []),
                 "fields": [self[n] for n in (f"slot_{i}_type", f"slot_{i}") if n in self.fields]}
                for i, r in enumerate(self.requirements, start=1)]

    def extra_fields(self):
        return [self[name] for name in self.fields if name.startswith(("doc_type_", "file_"))]

    def request_fields(self):
        return [self[name] for name in self.fields
                if not name.startswith(("doc_type_", "file_", "slot_"))]

    def clean(self):
        cleaned = self.clean_attachments(super().clean())
        slotted = []
        for i, requirement in enumerate(self.requirements, start=1):
            upload = cleaned.get(f"slot_{i}")
            if not upload:
                continue
            types = list(requirement.types)
            doc_type = cleaned.get(f"slot_{i}_type") if len(types) > 1 else types[0]
            if not doc_type:
                self.add_error(f"slot_{i}_type", _("%(label)s：请选择文件类型") % {"label": requirement.label})
                continue
            slotted.append((doc_type, upload))
        cleaned["attachments"] = slotted + cleaned.get("attachments", [])
        return cleaned

    def process_fields(self):
        data = self.cleaned_data
        fields = {"reason": data["reason"]}
        for name in ("condition", "proposed_price", "until", "agency", "buyer", "sale_date", "selling_unit",
                     "asset_kind"):
            if name in data:
                fields[name] = data[name]
        return fields


class DecisionForm(AttachmentsMixin, forms.Form):
    decision = forms.ChoiceField(label=_("决定"), widget=forms.RadioSelect)
    comment = forms.CharField(label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, step, process=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        self.process = process
        labels = dict(DecisionKind.choices)
        if step.is_rework:
            labels = {DecisionKind.APPROVE: _("修改完毕，重新提交"), DecisionKind.REJECT: _("撤回申请")}
        if step.is_report:
            labels = {DecisionKind.APPROVE: _("提交%(title)s") % {"title": step.task_title},
                      DecisionKind.REJECT: _("撤回申请")}
        self.fields["decision"].choices = [(d, labels[d]) for d in step.decisions]
        if len(step.decisions) == 1:
            self.fields["decision"].initial = step.decisions[0]
        if process is not None and offers_return_to(step):
            # Rule R4.131: back to a step passed in this run, not only to the requester. The list
            # is read only when shown or chosen (callable choices): an approval costs no statement.
            self.fields["decision"].choices = [*self.fields["decision"].choices,
                                               (DecisionKind.RETURN_TO, labels[DecisionKind.RETURN_TO])]
            self.fields["return_to"] = forms.ChoiceField(
                label=_("退回到步骤"), required=False, choices=self._return_choices,
                help_text=_("选择“退回到指定步骤”时填写：该步骤重新办理，其后各步骤须重新审批；须填写理由"),
                error_messages={"invalid_choice": _("退回到：请选择本审批链中已经通过的前序步骤")})
            self.order_fields(["decision", "return_to", "comment"])
        if "appraised_value" in step.extra_fields:
            self.fields["appraised_value"] = _money_field(_("评估价值"), required=False)
        if step.signature:
            # strip=False: the password is compared exactly as typed (rule R4.11).
            self.fields["password"] = forms.CharField(
                label=_("登录密码（同意时签署确认）"), required=False, strip=False,
                widget=forms.PasswordInput(render_value=False),
                help_text=_("选择“同意”须重新输入登录密码签署；驳回或退回只需填写理由"))
        self.add_attachment_fields()

    @cached_property
    def return_steps(self):
        return return_steps(self.process, self.step)

    def _return_choices(self):
        return [("", "---------"), *self.return_steps]

    def settle_return_choice(self):
        """For the page: no 退回到指定步骤 where no earlier step was passed (the first review)."""
        if "return_to" in self.fields and not self.return_steps:
            del self.fields["return_to"]
            self.fields["decision"].choices = [c for c in self.fields["decision"].choices
                                               if c[0] != DecisionKind.RETURN_TO]

    def clean_appraised_value(self):
        return _clean_money(self, "appraised_value", _("评估价值"))

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("decision") == DecisionKind.RETURN_TO and "return_to" in self.fields
                and not cleaned.get("return_to") and "return_to" not in self.errors):
            self.add_error("return_to", _("退回到：请选择要退回的步骤"))
        if ("appraised_value" in self.fields and cleaned.get("decision") == DecisionKind.APPROVE
                and not cleaned.get("appraised_value") and "appraised_value" not in self.errors):
            self.add_error("appraised_value", _("评估价值：同意时必须填写评估价值"))
        return self.clean_attachments(cleaned)

    def visible_fields_without_password(self):
        return [f for f in self.visible_fields() if f.name != "password"]

    def password_fields(self):
        return [f for f in self.visible_fields() if f.name == "password"]

    def extra(self):
        if "appraised_value" in self.fields and self.cleaned_data.get("appraised_value"):
            return {"appraised_value": self.cleaned_data["appraised_value"]}
        return {}


class TransferForm(forms.Form):
    """转交 (rule R4.130): offers only the people who may take the step now; a person posted from
    outside that list reaches the service, which says why they may not."""

    to_user = forms.IntegerField(label=_("转交给"), widget=forms.Select,
                                 error_messages={"required": _("转交给：请选择一位可以办理此步骤的人员"),
                                                 "invalid": _("转交给：请选择一位可以办理此步骤的人员")})
    reason = forms.CharField(label=_("转交理由"), widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("转交理由：必须填写")})

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("请选择…"))]
        # no punctuation of one language around the person's name, unit (data) and login
        choices += [(u.pk, " · ".join(str(x) for x in (u, u.username, u.unit.name if u.unit_id else "") if x))
                    for u in targets]
        self.fields["to_user"].widget.choices = choices

    def clean_to_user(self):
        user = User.objects.filter(pk=self.cleaned_data["to_user"], is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("转交给：没有这位在职人员"))
        return user


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(label=_("代理人"), queryset=None)
    starts = forms.DateTimeField(label=_("开始时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends = forms.DateTimeField(label=_("结束时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    reason = forms.CharField(label=_("事由"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegate"].queryset = User.objects.filter(is_active=True).exclude(pk=user.pk).order_by("username")



class AddSignersForm(forms.Form):
    """加签 (rule R4.156): whom to add, before or after the holder's own decision, and why."""

    use_required_attribute = False  # the server names what is missing, in the user's language

    mode = forms.ChoiceField(label=_("加签方式"), choices=AddedSignMode.choices, widget=forms.RadioSelect,
                             initial=AddedSignMode.BEFORE)
    people = forms.ModelMultipleChoiceField(label=_("加签人"), queryset=None,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text=_("可选择任何部门的人员，例如请法务部或财务部出具意见"))
    reason = forms.CharField(label=_("加签理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("请填写加签理由")})

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people
        self.fields["people"].error_messages["required"] = _("请选择至少一名加签人")
        self.fields["people"].label_from_instance = _person_label


def _person_label(user):
    names = "、".join(str(ROLE_LABELS.get(g.name, g.name)) for g in user.groups.all())
    unit = user.unit.name if getattr(user, "unit", None) else ""
    return f"{user}（{names}{'，' + unit if unit else ''}）"


class LitigationListForm(forms.Form):
    """The period of the litigation proposals the 总经理 signs as one list (rule R4.62)."""

    start = forms.DateField(label=_("期间起"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("期间止"), widget=forms.DateInput(attrs={"type": "date"}))
    password = forms.CharField(label=_("登录密码（签批名单）"), required=False,
                               widget=forms.PasswordInput(render_value=False))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("期间止不能早于期间起"))
        return cleaned


class CommentForm(forms.Form):
    """评论 (rule R4.120)."""

    text = forms.CharField(label=_("评论内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("评论内容：必须填写"),
                                           "max_length": _("评论内容：不能超过 %(limit_value)d 个字")})


class CopyForm(forms.Form):
    """临时抄送 (rule R4.122): choose people; recorded and notified."""

    users = forms.ModelMultipleChoiceField(
        label=_("抄送给"), queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("可选多人：按住 Ctrl（或 Shift）点击"),
        error_messages={"required": _("抄送给：请至少选择一位人员"),
                        "invalid_choice": _("抄送给：所选人员不存在或已停用"),
                        "invalid_pk_value": _("抄送给：所选人员不存在或已停用")})
    note = forms.CharField(label=_("说明"), max_length=300, required=False,
                           error_messages={"max_length": _("说明：不能超过 %(limit_value)d 个字")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = (User.objects.filter(is_active=True).select_related("unit")
                                         .order_by("unit__name", "username"))
        self.fields["users"].label_from_instance = lambda u: f"{u}（{u.unit.name}）" if u.unit_id else str(u)


class MeetingConveneForm(forms.Form):
    """The secretary records who is present (rule R4.143)."""

    present = forms.MultipleChoiceField(label=_("出席成员"), widget=forms.CheckboxSelectMultiple, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [(str(u.pk), u.get_full_name() or u.username) for u in members]


class MeetingVoteForm(forms.Form):
    """One member's vote with their own password (rule R4.141)."""

    vote = forms.ChoiceField(label=_("表决"), widget=forms.RadioSelect, choices=[
        (DecisionKind.VOTE_FOR, pgettext_lazy("表决", "同意")), (DecisionKind.VOTE_AGAINST, _("反对")),
        (DecisionKind.VOTE_ABSTAIN, _("弃权"))])
    opinion = forms.CharField(label=_("意见（可选）"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    password = forms.CharField(label=_("登录密码（表决即签署）"), required=False, strip=False,
                               widget=forms.PasswordInput(render_value=False))


class MeetingCloseForm(forms.Form):
    password = forms.CharField(label=_("会议记录人登录密码（结束表决并签署）"), required=False, strip=False,
                               widget=forms.PasswordInput(render_value=False))


class WithdrawForm(forms.Form):
    """撤回 (rule R4.110): the requester's reason, required."""

    reason = forms.CharField(label=_("撤回理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("撤回理由：必须填写"),
                                             "max_length": _("撤回理由：最多 %(limit_value)d 个字")})
