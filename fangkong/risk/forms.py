"""Forms of the risk pages. Rules live in ``risk.services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import AreaChoiceField, StyledFormMixin
from fangkong.screening.forms import visible_areas
from fangkong.status.forms import DateTimeInput

from .models import RiskLevel


class RiskLevelForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=20)
    rank = forms.IntegerField(
        label=_("等级序号"), min_value=1, max_value=100, help_text=_("序号越大风险越高")
    )
    colour = forms.RegexField(
        label=_("颜色"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#999999",
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class RiskDesignationForm(StyledFormMixin, forms.Form):
    """设定风险等级: an area of the tree, or an external place by name and/or code."""

    needs_user = True

    level = forms.ModelChoiceField(label=_("风险等级"), queryset=RiskLevel.objects.none())
    area = AreaChoiceField(
        label=_("本平台区域"),
        queryset=None,
        required=False,
        help_text=_("本平台内的区域；外地请留空并填写下面的地区名称或区划代码"),
    )
    place_name = forms.CharField(label=_("地区名称"), max_length=100, required=False)
    place_code = forms.CharField(
        label=_("区划代码"), max_length=12, required=False, help_text=_("如 4201（武汉市）")
    )
    effective_from = forms.DateTimeField(label=_("生效时间"), widget=DateTimeInput)
    reason = forms.CharField(
        label=_("依据"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = RiskLevel.objects.all()
        self.fields["area"].queryset = visible_areas(user)


class EndDesignationForm(StyledFormMixin, forms.Form):
    effective_to = forms.DateTimeField(label=_("解除时间"), widget=DateTimeInput)
    reason = forms.CharField(
        label=_("解除依据"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
