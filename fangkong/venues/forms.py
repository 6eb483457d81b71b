"""Forms of the venues pages. Rules live in ``venues.rules`` and ``venues.services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.forms import IdNumberInput, StyledFormMixin
from fangkong.registry.forms import ResidentImportForm
from fangkong.status.forms import DateTimeInput, ResidentFormMixin

from .choices import Direction
from .models import Venue
from .services import VENUE_FIELDS


class VenueForm(StyledFormMixin, forms.ModelForm):
    needs_user = True

    class Meta:
        model = Venue
        fields = list(VENUE_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).order_by("path")

    def _post_clean(self):
        # Rules (unique name per area…) are the service's; the model is not saved here.
        pass


_TEMPERATURE = forms.DecimalField(
    label=_("体温(℃)"),
    max_digits=3,
    decimal_places=1,
    required=False,
    widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal", "min": "34"}),
)


class PublicScanForm(forms.Form):
    """扫码登记 on the person's phone: who, and the temperature where it is measured."""

    name = forms.CharField(
        label=_("姓名"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "name", "data-remember": "name"}),
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=32,
        required=False,
        widget=IdNumberInput(attrs={"data-remember": "id"}),
    )
    phone = forms.CharField(
        label=_("或手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "data-remember": "phone"}
        ),
    )
    temperature = forms.CharField(
        label=_("体温(℃)"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    # Set by the pressed button (登记进入 / 登记离开).
    direction = forms.ChoiceField(choices=Direction.choices, required=False)
    remember = forms.BooleanField(label=_("在本手机上记住我的信息"), required=False, initial=True)


class CheckpointLookupForm(StyledFormMixin, forms.Form):
    """卡点核验: a scanned personal code or a typed ID number."""

    token = forms.CharField(
        label=_("个人码"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "placeholder": _("扫描个人码")}
        ),
    )
    id_number = forms.CharField(
        label=_("或身份证号"),
        required=False,
        max_length=32,
        widget=IdNumberInput,
    )

    def clean(self):
        data = super().clean()
        if not data.get("token") and not data.get("id_number"):
            raise forms.ValidationError(_("请扫描个人码或输入身份证号"))
        return data


class CheckpointRecordForm(CheckpointLookupForm):
    direction = forms.ChoiceField(choices=Direction.choices, widget=forms.HiddenInput)
    temperature = forms.CharField(
        label=_("体温(℃)"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class OutingRequestForm(ResidentFormMixin, StyledFormMixin, forms.Form):
    """外出申请: the person under closed-loop management, why, where and when."""

    reason = forms.CharField(
        label=_("外出事由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    destination = forms.CharField(label=_("目的地"), max_length=200)
    starts_at = forms.DateTimeField(label=_("外出开始"), widget=DateTimeInput)
    ends_at = forms.DateTimeField(label=_("返回时间"), widget=DateTimeInput)

    def __init__(self, *args, user, resident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_resident(user, resident)


class OutingCancelForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("撤销原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("如：不再外出、时间登记有误"),
    )


class OutingDecisionForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("审批意见"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("驳回时必填"),
    )


class VenueImportForm(ResidentImportForm):
    """导入场所名单: the file and the area its rows belong to."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        area = self.fields["area"]
        area.label = _("导入到区域")
        area.help_text = _("未填写所属区域的行归入此区域；所有行的区域都必须在此区域内")
