"""Forms of the enterprise pages. Rules live in ``rules.py`` and the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.accounts.choices import Role
from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.core.forms import (
    AreaChoiceField,
    DateInput,
    IdNumberInput,
    PhoneInput,
    StyledFormMixin,
)
from fangkong.registry.forms import ResidentImportForm

from .models import (
    DailyReport,
    Difficulty,
    Employee,
    Enterprise,
    IndustrialPark,
    Inspection,
    ResumptionApplication,
)
from .rules import ENTERPRISE_LEVELS


def visible_areas(user, levels=None):
    qs = Area.objects.visible_to(user).order_by("path")
    return qs.filter(level__in=levels) if levels else qs


class IndustrialParkForm(StyledFormMixin, forms.ModelForm):
    needs_user = True
    area = AreaChoiceField(label=gettext_lazy("所属区域"), queryset=Area.objects.none())

    class Meta:
        model = IndustrialPark
        fields = ["name", "area", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible_areas(user)


class EnterpriseForm(StyledFormMixin, forms.ModelForm):
    """登记/编辑企业. The phone is shown masked on edit; left empty it keeps its value."""

    needs_user = True
    area = AreaChoiceField(
        label=gettext_lazy("所属区域"), queryset=Area.objects.none(), context_parents=True
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("联系电话"), max_length=32, required=False, widget=PhoneInput
    )

    class Meta:
        model = Enterprise
        fields = [
            "name",
            "credit_code",
            "sector",
            "area",
            "park",
            "headcount",
            "contact_name",
            "contact_phone",
            "address",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible_areas(user, ENTERPRISE_LEVELS)
        self.fields["park"].queryset = IndustrialPark.objects.visible_to(user).order_by("name")
        # Uniqueness and the credit code's check digit are the service's (one message each).
        self.fields["credit_code"].validators = []
        if self.instance.pk:
            self.initial["contact_phone"] = ""
            self.fields["contact_phone"].help_text = _("当前：%(v)s；不修改请留空") % {
                "v": Enterprise._meta.get_field("contact_phone").mask(self.instance.contact_phone)
            }

    def validate_unique(self):
        """The service checks the credit code with its own message."""

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk and not data.get("contact_phone"):
            data.pop("contact_phone")
        return data


class ResumptionApplicationForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = ResumptionApplication
        fields = [
            "employees_expected",
            "prevention_plan",
            "masks",
            "thermometers",
            "disinfectant_kg",
            "has_isolation_room",
        ]
        widgets = {"prevention_plan": forms.Textarea(attrs={"rows": 4})}


class ReviewForm(StyledFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("审批意见"),
        choices=[("approve", gettext_lazy("批准复工")), ("return", gettext_lazy("退回修改"))],
        widget=forms.RadioSelect,
    )
    conditions = forms.CharField(
        label=gettext_lazy("复工条件/要求"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("批准时可写明企业须落实的条件"),
    )
    note = forms.CharField(
        label=gettext_lazy("退回原因"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EmployeeForm(StyledFormMixin, forms.ModelForm):
    id_number = forms.CharField(
        label=gettext_lazy("身份证号"), max_length=32, required=False, widget=IdNumberInput
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话"), max_length=32, required=False, widget=PhoneInput
    )

    class Meta:
        model = Employee
        fields = ["name", "id_number", "phone", "department", "returning_from", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("id_number", "phone"):
                field = Employee._meta.get_field(name)
                self.initial[name] = ""
                self.fields[name].help_text = _("当前：%(v)s；不修改请留空") % {
                    "v": field.mask(getattr(self.instance, name))
                }

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            for name in ("id_number", "phone"):
                if not data.get(name):
                    data.pop(name)
        return data


class DailyReportForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = DailyReport
        fields = [
            "date",
            "people_on_site",
            "temperature_checks",
            "abnormal_temperatures",
            "disinfection_done",
            "notes",
        ]
        widgets = {"date": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def validate_unique(self):
        """One report per enterprise per day: the service says so by name."""


class DailyReportEditForm(DailyReportForm):
    """更正日报: the figures; the day is the report's."""

    class Meta(DailyReportForm.Meta):
        fields = [name for name in DailyReportForm.Meta.fields if name != "date"]


class InspectionForm(StyledFormMixin, forms.ModelForm):
    problems = forms.CharField(
        label=gettext_lazy("发现的问题"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每行一个问题；没有问题留空"),
    )
    deadline = forms.DateField(label=gettext_lazy("整改期限"), required=False, widget=DateInput())

    class Meta:
        model = Inspection
        fields = ["inspected_on", *Inspection.CHECKLIST, "notes"]
        widgets = {"inspected_on": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def problem_lines(self) -> list[str]:
        return [line for line in self.cleaned_data.get("problems", "").splitlines() if line.strip()]


class ProblemForm(StyledFormMixin, forms.Form):
    description = forms.CharField(
        label=gettext_lazy("问题描述"), widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateField(label=gettext_lazy("整改期限"), required=False, widget=DateInput())


class RectifyForm(StyledFormMixin, forms.Form):
    rectification = forms.CharField(
        label=gettext_lazy("整改情况"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DifficultyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Difficulty
        fields = ["category", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class RespondForm(StyledFormMixin, forms.Form):
    response = forms.CharField(
        label=gettext_lazy("解决措施"), widget=forms.Textarea(attrs={"rows": 3})
    )
    resolved = forms.BooleanField(label=gettext_lazy("已解决"), required=False)


class LiaisonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.username}）"


def enterprise_users(user):
    return User.objects.visible_to(user).filter(role=Role.ENTERPRISE_LIAISON, is_active=True)


class LiaisonAssignmentForm(StyledFormMixin, forms.Form):
    liaison = LiaisonChoiceField(label=gettext_lazy("联络员"), queryset=User.objects.none())
    start_date = forms.DateField(label=gettext_lazy("派驻开始"), widget=DateInput())
    end_date = forms.DateField(label=gettext_lazy("派驻结束"), required=False, widget=DateInput())
    notes = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["liaison"].queryset = enterprise_users(user).order_by("username")


class EndAssignmentForm(StyledFormMixin, forms.Form):
    """结束派驻: the liaison's last day at the enterprise (access ends after it)."""

    end_date = forms.DateField(label=gettext_lazy("派驻结束"), widget=DateInput())


class AccountBindForm(StyledFormMixin, forms.Form):
    user = LiaisonChoiceField(label=gettext_lazy("企业账号"), queryset=User.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = enterprise_users(user).order_by("username")


class EnterpriseImportForm(ResidentImportForm):
    """导入企业名录: the file and the area its enterprises belong to."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        area = self.fields["area"]
        area.help_text = _("未填写所属区域的行归入此区域（须为社区或网格）；所有行都必须在此区域内")


class EmployeeImportForm(ResidentImportForm):
    """导入职工花名册: the roster's enterprise is the page's, and so is the import's area."""

    def __init__(self, *args, user, enterprise, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["area"]
        self.enterprise = enterprise

    def clean(self):
        data = super().clean()
        data["area"] = self.enterprise.area
        return data
