"""Forms of the health pages. Rules live in ``health.rules`` and ``health.services``."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.core.forms import DateInput, StyledFormMixin
from fangkong.registry.forms import ResidentImportForm
from fangkong.status.forms import DateTimeInput, ResidentFormMixin

from .choices import REVIEW_OUTCOMES, AssignmentKind, NatResult, Slot, Symptom
from .rules import TEMPERATURE_RANGE, temperature_text


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.area.name}）" if obj.area_id else obj.display_name


class AssignmentForm(ResidentFormMixin, StyledFormMixin, forms.Form):
    """安排隔离/健康监测."""

    kind = forms.ChoiceField(label=_("类型"), choices=AssignmentKind.choices)
    start_date = forms.DateField(label=_("开始日期"), widget=DateInput)
    end_date = forms.DateField(label=_("结束日期"), widget=DateInput)
    place = forms.CharField(
        label=_("隔离/监测地点"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    responsible = WorkerChoiceField(
        label=_("责任网格员"), queryset=User.objects.none(), required=False
    )
    doctor = forms.CharField(label=_("责任医生"), max_length=50, required=False)

    def __init__(self, *args, user, resident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = grid_workers(user)
        self.setup_resident(user, resident)


def grid_workers(user):
    """The active grid workers the user may name as 责任网格员."""
    return (
        User.objects.visible_to(user)
        .filter(role=Role.GRID_WORKER, is_active=True)
        .select_related("area")
        .order_by("area__path", "username")
    )


class AssignmentChangeForm(StyledFormMixin, forms.Form):
    """修改隔离/监测安排: hand the person over to another grid worker, name the doctor, or
    extend the period. Offers the grid workers of the person's own grid (and above)."""

    responsible = WorkerChoiceField(
        label=_("责任网格员"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("网格员离岗或调整时，在此移交给接手的网格员"),
    )
    end_date = forms.DateField(
        label=_("结束日期"), widget=DateInput, help_text=_("只能延后；提前结束请解除并填写说明")
    )
    doctor = forms.CharField(label=_("责任医生"), max_length=50, required=False)

    def __init__(self, *args, user, assignment, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "responsible": assignment.responsible_id,
                "end_date": assignment.end_date,
                "doctor": assignment.doctor,
            },
        )
        super().__init__(*args, **kwargs)
        area = assignment.resident.area
        responsible = self.fields["responsible"]
        responsible.queryset = grid_workers(user).filter(area__in=[*area.ancestors(), area])
        if assignment.responsible_id:
            # Handed over, never dropped: a person under quarantine keeps a responsible worker.
            responsible.required = True
            if not responsible.queryset.filter(pk=assignment.responsible_id).exists():
                former = assignment.responsible
                responsible.help_text = _(
                    "原责任网格员 %(name)s 已不在岗（账号停用或调离），请选择接手的网格员"
                ) % {"name": former.full_name or former.username}


class HandoverForm(StyledFormMixin, forms.Form):
    """网格员交接: all of a leaving grid worker's running assignments to a colleague."""

    outgoing = WorkerChoiceField(
        label=_("原责任网格员"),
        queryset=User.objects.none(),
        help_text=_("离岗、调岗的网格员（含已停用的账号）"),
    )
    incoming = WorkerChoiceField(label=_("接手网格员"), queryset=User.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outgoing"].queryset = (
            User.objects.visible_to(user)
            .filter(role=Role.GRID_WORKER)
            .select_related("area")
            .order_by("area__path", "username")
        )
        self.fields["incoming"].queryset = grid_workers(user)


class ReleaseForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("解除说明"),
        required=False,
        max_length=1000,
        help_text=_("提前解除须填写说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TemperatureField(forms.DecimalField):
    """体温: full-width input accepted (``rules.temperature_text``), every refusal naming the
    field and its rule rather than Django's count of digits."""

    def __init__(self, **kwargs):
        low, high = TEMPERATURE_RANGE
        out_of_range = _("体温应在 34.0–43.0℃ 之间")
        kwargs.setdefault("label", _("体温(℃)"))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("请填写体温"),
                "invalid": _("体温应填写数字，如 36.5"),
                "max_decimal_places": _("体温最多保留一位小数"),
                "min_value": out_of_range,
                "max_value": out_of_range,
            },
        )
        super().__init__(min_value=low, max_value=high, decimal_places=1, **kwargs)

    def to_python(self, value):
        if value not in self.empty_values:
            value = temperature_text(value)
        return super().to_python(value)


class CheckInForm(StyledFormMixin, forms.Form):
    """健康打卡: the half-day slot, the temperature and any symptoms."""

    date = forms.DateField(label=_("日期"), widget=DateInput)
    slot = forms.ChoiceField(label=_("时段"), choices=Slot.choices, widget=forms.RadioSelect)
    temperature = TemperatureField(
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=_("症状"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("无症状则不选"),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        now = timezone.localtime()
        kwargs["initial"].setdefault("date", now.date())
        kwargs["initial"].setdefault("slot", Slot.AM if now.hour < 12 else Slot.PM)
        super().__init__(*args, **kwargs)


class NatForm(ResidentFormMixin, StyledFormMixin, forms.Form):
    """录入核酸检测: one sample and its result."""

    sampled_at = forms.DateTimeField(label=_("采样时间"), widget=DateTimeInput)
    result = forms.ChoiceField(label=_("结果"), choices=NatResult.choices)
    institution = forms.CharField(label=_("检测机构"), max_length=100)
    reported_at = forms.DateTimeField(label=_("报告时间"), required=False, widget=DateTimeInput)

    def __init__(self, *args, user, resident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_resident(user, resident)


class NatReviewForm(StyledFormMixin, forms.Form):
    """阳性复核: confirmed (a case is on record) or excluded with a note."""

    review = forms.ChoiceField(
        label=_("复核结论"),
        choices=REVIEW_OUTCOMES,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择复核结论")},
    )
    review_note = forms.CharField(
        label=_("复核说明"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("复核排除须填写，如：复采样本阴性，原结果为实验室污染"),
    )


class RevokeForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("作废原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NatImportForm(ResidentImportForm):
    """导入核酸检测结果: the lab's file and the area whose residents it names."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        area = self.fields["area"]
        area.label = _("居民所在区域")
        area.help_text = _("按身份证号匹配此区域内已登记的居民；区域外或未登记的行不会导入")


class AssignmentImportForm(NatImportForm):
    """导入隔离/监测安排 (协查名单): rows matched the same way, to residents of the area."""
