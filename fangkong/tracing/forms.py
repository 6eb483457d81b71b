"""Forms of the tracing pages; rules live in ``tracing.services``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.forms import AreaChoiceField, DateInput, PhoneInput, StyledFormMixin
from fangkong.core.personal import index_value
from fangkong.core.validators import validate_phone
from fangkong.health.choices import AssignmentKind
from fangkong.registry.forms.model_forms import ResidentImportForm, visible_grids
from fangkong.registry.models import Resident
from fangkong.status.forms import DateTimeInput, ResidentFormMixin

from .choices import CaseKind, CaseStatus


class CaseForm(ResidentFormMixin, StyledFormMixin, forms.Form):
    """登记病例."""

    kind = forms.ChoiceField(label=_("类型"), choices=CaseKind.choices)
    code = forms.CharField(label=_("病例编号"), max_length=32, required=False)
    confirmed_at = forms.DateTimeField(label=_("确诊时间"), widget=DateTimeInput)
    onset_date = forms.DateField(label=_("发病日期"), required=False, widget=DateInput)
    source = forms.CharField(label=_("发现途径"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("流调备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, resident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_resident(user, resident)


class CaseChangeForm(StyledFormMixin, forms.Form):
    """修改病例: what the investigation learns after registration — the onset date, the
    notes, the source; an asymptomatic infection reclassified as confirmed (转确诊)."""

    kind = forms.ChoiceField(
        label=_("类型"),
        choices=CaseKind.choices,
        help_text=_("无症状感染者转为确诊病例时在此修改，操作记录中留有转确诊记录"),
    )
    code = forms.CharField(label=_("病例编号"), max_length=32, required=False)
    onset_date = forms.DateField(label=_("发病日期"), required=False, widget=DateInput)
    source = forms.CharField(label=_("发现途径"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("流调备注"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("活动轨迹、到访场所、接触人员等；修改发病日期后请重新追踪密接"),
    )

    def __init__(self, *args, case, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "kind": case.kind,
                "code": case.code or "",
                "onset_date": case.onset_date,
                "source": case.source,
                "notes": case.notes,
            },
        )
        super().__init__(*args, **kwargs)


class DischargeForm(StyledFormMixin, forms.Form):
    """治愈/出院: the case leaves care; its follow-up is a health-monitoring assignment."""

    status = forms.ChoiceField(
        label=_("结果"),
        choices=[
            (CaseStatus.RECOVERED.value, CaseStatus.RECOVERED.label),
            (CaseStatus.DISCHARGED.value, CaseStatus.DISCHARGED.label),
        ],
    )
    discharged_at = forms.DateTimeField(label=_("治愈/出院时间"), widget=DateTimeInput)
    reason = forms.CharField(label=_("说明"), max_length=500, required=False)


class VoidForm(StyledFormMixin, forms.Form):
    """撤销: the case was recorded in error."""

    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=300,
        help_text=_("如：复核结果为阴性；误录为他人"),
        error_messages={"required": _("撤销病例须填写原因")},
    )


class TraceForm(StyledFormMixin, forms.Form):
    window_minutes = forms.IntegerField(
        label=_("时间窗口（分钟）"),
        min_value=0,
        max_value=1440,
        required=False,
        help_text=_("前后相差不超过该时长视为同时在场；留空用系统默认值"),
    )


class DismissForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("排除原因"), max_length=500)


class QuarantineForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("隔离方式"),
        choices=[
            (AssignmentKind.CENTRAL_QUARANTINE.value, AssignmentKind.CENTRAL_QUARANTINE.label),
            (AssignmentKind.HOME_QUARANTINE.value, AssignmentKind.HOME_QUARANTINE.label),
        ],
    )
    days = forms.IntegerField(
        label=_("自末次暴露起隔离天数"), min_value=1, max_value=28, initial=14
    )
    place = forms.CharField(label=_("隔离地点"), max_length=200, required=False)


class NamedContactForm(ResidentFormMixin, StyledFormMixin, forms.Form):
    """流调指认: a close contact named by the investigation — by ID number, or by the phone
    number the case gave when that is all the case knows (同桌吃饭的朋友, 同车司机)."""

    phone = forms.CharField(
        label=_("联系电话"),
        max_length=32,
        required=False,
        widget=PhoneInput(attrs={"class": "form-control"}),
        help_text=_("只知道电话号码时填写，在您辖区登记的居民中查找"),
    )
    last_exposure = forms.DateField(label=_("末次暴露日期"), widget=DateInput)
    reason = forms.CharField(label=_("指认依据"), max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_resident(user, None)
        self.fields["id_number"].required = False
        self.fields["id_number"].help_text = _("身份证号与联系电话填一项即可")
        self.order_fields(["id_number", "phone"])

    def clean_id_number(self):
        if not (self.cleaned_data.get("id_number") or "").strip():
            return ""
        return super().clean_id_number()

    def clean_phone(self) -> str:
        phone = validate_phone(self.cleaned_data.get("phone"))
        if not phone or self.cleaned_data.get("id_number"):
            return phone  # the ID number, when given, names the person
        found = list(
            Resident.objects.visible_to(self.user)
            .filter(phone_index=index_value(phone, kind="phone", purpose="phone"))
            .select_related("area")[:2]
        )
        if not found:
            raise ValidationError(_("您的管辖范围内没有登记该联系电话的居民"))
        if len(found) > 1:
            raise ValidationError(_("该联系电话登记了多名居民（如家人共用），请填写身份证号"))
        self.resident = found[0]
        return phone

    def clean(self):
        data = super().clean()
        if not self.errors and self.resident is None:
            raise ValidationError(_("请填写身份证号或联系电话"))
        return data


class NamedContactImportForm(ResidentImportForm):
    """批量导入指认名单: the investigation's list of a case's close contacts, the area whose
    residents it names, and the basis (指认依据) every contact and audit entry records."""

    reason = forms.CharField(
        label=_("指认依据"),
        max_length=500,
        help_text=_("记入每一名接触者的判定依据和操作日志，如“PZH-003 流调报告（4月10日）”"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        area = self.fields["area"]
        area.label = _("居民所在区域")
        area.help_text = _("按身份证号匹配此区域内已登记的居民；区域外或未登记的行不会导入")
        self.order_fields(["file", "reason", "area", "skip_invalid"])

    def import_options(self) -> dict:
        return {"reason": self.cleaned_data["reason"].strip()}


class VisitorContactForm(StyledFormMixin, forms.Form):
    """登记并列为密接: an unregistered visitor (by the uuid of their scan, matched against
    the visitors found again) and the grid they live in, which the registry requires."""

    scan = forms.UUIDField(widget=forms.HiddenInput)
    area = AreaChoiceField(label=_("居住网格"), queryset=Area.objects.none(), context_parents=True)

    def __init__(self, *args, user, registered: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if registered:  # already a resident: nothing to register, no grid to choose
            del self.fields["area"]
        else:
            self.fields["area"].queryset = visible_grids(user)
