"""Forms of the tip pages. The public form carries the spam defences: a honeypot field
people never see, and a signed time stamp that must be at least a few seconds and at most a
few hours old. The per-address limit is the service's (``services.check_rate``)."""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.forms import AreaChoiceField, DateInput, PhoneInput, StyledFormMixin

from .choices import TipCategory

FORM_SALT = "fangkong.tips.form"
FORM_MAX_AGE = 3 * 3600


def form_token(issued_at: float | None = None) -> str:
    """The hidden ``started`` value: when the form was handed out, signed."""
    return signing.dumps(int(issued_at if issued_at is not None else time.time()), salt=FORM_SALT)


def public_areas():
    return Area.objects.filter(level__lte=AreaLevel.COMMUNITY, level__gte=AreaLevel.DISTRICT)


class TipForm(StyledFormMixin, forms.Form):
    """线索举报 (public)."""

    category = forms.ChoiceField(label=_("线索类别"), choices=TipCategory.choices)
    description = forms.CharField(
        label=_("线索内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("请写明时间、地点、人员或场所和具体情况"),
    )
    area = AreaChoiceField(
        label=_("所在区域"), queryset=Area.objects.none(), required=False, empty_label=_("不清楚")
    )
    place = forms.CharField(
        label=_("详细地点"), max_length=200, required=False, help_text=_("如小区、门牌、店名")
    )
    photo = forms.FileField(
        label=_("照片（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    anonymous = forms.BooleanField(label=_("匿名举报"), required=False, initial=True)
    contact_name = forms.CharField(label=_("您的姓名"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=PhoneInput(attrs={"autocomplete": "tel"}),
        help_text=_("实名举报请填写，仅用于核实和发放奖励，严格保密"),
    )
    # Spam defences: a field only robots fill in, and when the form was handed out.
    website = forms.CharField(required=False, label=_("网址"))
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = public_areas()
        self.fields["website"].widget.attrs.update(
            {"tabindex": "-1", "autocomplete": "off", "class": "fk-hp"}
        )
        if not self.is_bound:
            self.initial["started"] = form_token()

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(_("提交未成功，请稍后再试"), code="spam")
        try:
            issued = signing.loads(data.get("started") or "", salt=FORM_SALT, max_age=FORM_MAX_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(
                _("页面已过期，请刷新页面后重新填写"), code="expired"
            ) from None
        if time.time() - int(issued) < settings.FANGKONG_TIP_MIN_SECONDS:
            raise forms.ValidationError(_("提交过快，请核对填写的内容后再提交"), code="too_fast")
        return data


class ProgressForm(StyledFormMixin, forms.Form):
    code = forms.CharField(
        label=_("回执码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class AssignForm(StyledFormMixin, forms.Form):
    area = AreaChoiceField(label=_("交办区域"), queryset=Area.objects.none())
    note = forms.CharField(label=_("分拣意见"), max_length=500, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).filter(
            level__lte=AreaLevel.COMMUNITY
        )


class RejectForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("不予受理原因"), max_length=500)


class ReturnForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("退回原因"),
        max_length=480,
        help_text=_("线索不属于本辖区时退回上级，由上级重新交办"),
    )


class VerifyForm(StyledFormMixin, forms.Form):
    founded = forms.TypedChoiceField(
        label=_("核查结论"),
        choices=[("1", _("属实")), ("0", _("不属实"))],
        coerce=lambda v: v == "1",
    )
    outcome = forms.CharField(
        label=_("核查结果"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RewardForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(
        label=_("奖励金额(元)"), max_digits=10, decimal_places=2, min_value=0.01
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class RewardPaidForm(StyledFormMixin, forms.Form):
    paid_on = forms.DateField(label=_("发放日期"), widget=DateInput)
