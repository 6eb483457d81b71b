"""Forms of the risk pages. Rules live in ``risk.services``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import AreaChoiceField, StyledFormMixin
from fangkong.registry.forms.model_forms import ResidentImportForm
from fangkong.screening.forms import visible_areas
from fangkong.status.forms import DateTimeInput

from . import services
from .models import RiskLevel


class RiskLevelForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=20)
    rank = forms.IntegerField(
        label=_("等级序号"),
        min_value=services.RANKS[0],
        max_value=services.RANKS[1],
        help_text=_("序号越大风险越高"),
    )
    colour = forms.RegexField(
        label=_("颜色"),
        regex=rf"^{services.COLOUR.pattern}$",
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


class DesignationImportForm(ResidentImportForm):
    """导入风险地区名单: the file, the scope of the platform's areas it may name, and the
    run's options (the basis, the default 生效时间, lifting the places the list left out)."""

    reason = forms.CharField(
        label=_("认定依据"),
        max_length=1000,
        help_text=_("记入每一条认定和操作日志，如“国务院联防联控机制 4月10日公布名单”"),
    )
    effective_from = forms.DateTimeField(
        label=_("生效时间"),
        required=False,
        widget=DateTimeInput,
        help_text=_("文件中“生效时间”为空的行按此时间；不填为上传时间"),
    )
    lift_unlisted = forms.BooleanField(
        label=_("名单外地区解除"),
        required=False,
        help_text=_("勾选后，名单中没有的外地风险地区在上述生效时间解除（本平台区域不受影响）"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        area = self.fields["area"]
        area.label = _("本平台区域范围")
        area.help_text = _("区划代码与此范围内本平台区域相同的行设定该区域，其余行按外地登记")
        if not user.has_perm("risk.change_riskdesignation"):
            del self.fields["lift_unlisted"]

    def import_options(self) -> dict:
        """The run's options, JSON-serialisable; the 生效时间 is fixed at the upload so the
        preview and the confirmed run agree."""
        data = self.cleaned_data
        return {
            "reason": data["reason"].strip(),
            "effective_from": (data.get("effective_from") or timezone.now()).isoformat(),
            "lift_unlisted": bool(data.get("lift_unlisted")),
        }
