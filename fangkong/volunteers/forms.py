"""Forms of the volunteer UI. Field rules live in ``rules`` and the services."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.forms import (
    AreaChoiceField,
    DateInput,
    IdNumberInput,
    PhoneInput,
    StyledFormMixin,
    style_widget,
)
from fangkong.core.personal import mask
from fangkong.registry.forms.model_forms import ResidentImportForm

from .choices import HealthState, NeedState, PoolState, Skill, TimeOfDay, Weekday
from .models import Need, Team, Volunteer
from .rules import decode
from .services import REVIEW_STATES, VOLUNTEER_FIELDS

PERSONAL_FIELDS = ("id_number", "phone")


def community_areas(user=None):
    """Communities and grids: those the user sees, or all of them for the public sign-up."""
    qs = Area.objects.visible_to(user) if user is not None else Area.objects.all()
    return qs.filter(level__gte=AreaLevel.COMMUNITY).order_by("path")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _multi(label, choices):
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


class VolunteerFieldsMixin(forms.Form):
    skills = _multi(gettext_lazy("技能特长"), Skill.choices)
    available_days = _multi(gettext_lazy("可服务日"), Weekday.choices)
    available_times = _multi(gettext_lazy("可服务时段"), TimeOfDay.choices)


class VolunteerForm(StyledFormMixin, VolunteerFieldsMixin, forms.ModelForm):
    """登记/编辑志愿者. On edit, personal fields left empty keep their stored value."""

    needs_user = True

    area = AreaChoiceField(
        label=gettext_lazy("所属社区"), queryset=Area.objects.none(), context_parents=True
    )
    id_number = forms.CharField(
        label=gettext_lazy("身份证号"), max_length=32, required=False, widget=IdNumberInput
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话"), max_length=32, required=False, widget=PhoneInput
    )

    class Meta:
        model = Volunteer
        fields = ["area", "name", "organisation", "is_party_member", "health", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    field_order = list(VOLUNTEER_FIELDS)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = community_areas(user)
        if self.instance.pk:
            for name in ("skills", "available_days", "available_times"):
                self.initial[name] = decode(getattr(self.instance, name))
            for name in PERSONAL_FIELDS:
                stored = getattr(self.instance, name)
                if stored:
                    self.fields[name].help_text = _("已登记：%(masked)s（留空则不修改）") % {
                        "masked": mask(Volunteer._meta.get_field(name).kind, stored)
                    }
                self.initial[name] = ""
        else:
            for name in PERSONAL_FIELDS:
                self.fields[name].required = True
        for name in PERSONAL_FIELDS:
            self.fields[name].widget.attrs["autocomplete"] = "off"
            style_widget(self.fields[name].widget)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            for name in PERSONAL_FIELDS:
                if not data.get(name):
                    data.pop(name, None)
        return data


class SignupForm(StyledFormMixin, VolunteerFieldsMixin, forms.Form):
    """志愿者报名 (public): what a resident fills in on their phone."""

    area = AreaChoiceField(
        label=gettext_lazy("所在社区"),
        queryset=Area.objects.none(),
        help_text=gettext_lazy("报名由该社区审核"),
        context_parents=True,
    )
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    id_number = forms.CharField(label=gettext_lazy("身份证号"), max_length=32, widget=IdNumberInput)
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=32, widget=PhoneInput)
    organisation = forms.CharField(label=gettext_lazy("工作单位"), max_length=100, required=False)
    is_party_member = forms.BooleanField(label=gettext_lazy("中共党员"), required=False)
    health = forms.ChoiceField(
        label=gettext_lazy("健康状况"), choices=HealthState.choices, initial=HealthState.HEALTHY
    )
    consent = forms.BooleanField(
        label=gettext_lazy("本人承诺所填信息真实，同意社区为志愿服务联系我"),
        error_messages={"required": gettext_lazy("请勾选承诺后提交")},
    )

    field_order = [*VOLUNTEER_FIELDS, "consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = community_areas(None).filter(level=AreaLevel.COMMUNITY)
        self.fields["area"].empty_label = gettext_lazy("请选择所在社区")


class ReviewForm(StyledFormMixin, forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("审核结果"),
        choices=[(s.value, s.label) for s in PoolState if s in REVIEW_STATES],
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=200, required=False)


class AccountForm(StyledFormMixin, forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    password = forms.CharField(
        label=gettext_lazy("初始密码"), widget=forms.PasswordInput(render_value=False)
    )


class PartyReportForm(StyledFormMixin, forms.Form):
    area = AreaChoiceField(
        label=gettext_lazy("报到社区"), queryset=Area.objects.none(), context_parents=True
    )
    reported_on = forms.DateField(label=gettext_lazy("报到日期"), widget=DateInput)
    work_unit = forms.CharField(label=gettext_lazy("工作单位"), max_length=100, required=False)
    notes = forms.CharField(label=gettext_lazy("备注"), max_length=500, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = community_areas(user).filter(level=AreaLevel.COMMUNITY)
        self.initial.setdefault("reported_on", timezone.localdate())


class NeedForm(StyledFormMixin, forms.ModelForm):
    needs_user = True

    area = AreaChoiceField(
        label=gettext_lazy("社区/网格"), queryset=Area.objects.none(), context_parents=True
    )
    required_skills = _multi(gettext_lazy("所需技能"), Skill.choices)

    class Meta:
        model = Need
        fields = [
            "area",
            "kind",
            "title",
            "place",
            "starts_at",
            "ends_at",
            "headcount",
            "required_skills",
            "state",
            "notes",
        ]
        widgets = {
            "starts_at": DateTimeInput,
            "ends_at": DateTimeInput,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = community_areas(user)
        if self.instance.pk:
            self.initial["required_skills"] = decode(self.instance.required_skills)
        else:
            self.fields["state"].initial = NeedState.OPEN

    @staticmethod
    def next_day_initial(need: Need) -> dict:
        """A copy of ``need`` one day later: a post staffed every day is entered once."""
        day = datetime.timedelta(days=1)
        return {
            "area": need.area_id,
            "kind": need.kind,
            "title": need.title,
            "place": need.place,
            "starts_at": need.starts_at + day,
            "ends_at": need.ends_at + day,
            "headcount": need.headcount,
            "required_skills": decode(need.required_skills),
            "state": NeedState.OPEN,
            "notes": need.notes,
        }


class DispatchForm(forms.Form):
    volunteers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("志愿者"),
        queryset=Volunteer.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一名志愿者")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteers"].queryset = Volunteer.objects.visible_to(user)


class BatchForm(StyledFormMixin, forms.Form):
    """派遣批次: a name and, per open need, how many volunteers to send."""

    name = forms.CharField(label=gettext_lazy("批次名称"), max_length=100)
    notes = forms.CharField(label=gettext_lazy("备注"), max_length=500, required=False)

    def __init__(self, *args, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs = list(needs)
        for need in self.needs:
            self.fields[f"need_{need.pk}"] = forms.IntegerField(
                label=f"{need.area.name} · {need.title}",
                min_value=0,
                max_value=need.places,
                required=False,
                initial=0,
                help_text=_("剩余名额 %(n)s") % {"n": need.places},
            )
        style_widget_all(self)

    def allocations(self) -> list[tuple[Need, int]]:
        return [
            (need, self.cleaned_data.get(f"need_{need.pk}") or 0)
            for need in self.needs
            if self.cleaned_data.get(f"need_{need.pk}")
        ]


def style_widget_all(form) -> None:
    for field in form.fields.values():
        style_widget(field.widget)


class DeclineForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("不能参加的原因"), max_length=200)


class ShiftRecordForm(StyledFormMixin, forms.Form):
    """补录服务: the times of a paper sign-in sheet."""

    started_at = forms.DateTimeField(label=gettext_lazy("签到时间"), widget=DateTimeInput)
    ended_at = forms.DateTimeField(label=gettext_lazy("签退时间"), widget=DateTimeInput)


class VolunteerChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Volunteer) -> str:
        return f"{obj.name}（{obj.area.name}）"


class TeamForm(StyledFormMixin, forms.ModelForm):
    needs_user = True

    area = AreaChoiceField(label=gettext_lazy("所属区域"), queryset=Area.objects.none())
    members = VolunteerChoices(
        label=gettext_lazy("成员"), queryset=Volunteer.objects.none(), required=False
    )

    class Meta:
        model = Team
        fields = ["area", "name", "kind", "leader", "members", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).order_by("path")
        pool = (
            Volunteer.objects.visible_to(user)
            .exclude(state__in=(PoolState.PENDING, PoolState.REJECTED))
            .select_related("area")
        )
        self.fields["leader"].queryset = pool
        self.fields["members"].queryset = pool
        self.fields["members"].widget.attrs["size"] = 10


class VolunteerImportForm(ResidentImportForm):
    """批量导入志愿者: rows without a community go to the chosen community."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["area"].help_text = gettext_lazy(
            "未填写所属社区的行归入此社区；所有行的社区都必须在此区域内"
        )
