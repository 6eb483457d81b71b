"""Forms of the duty pages; rules live in ``rules.py`` and the services."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.choices import Role
from fangkong.areas.models import Area
from fangkong.core.forms import AreaChoiceField, AreaSelectMultiple, DateInput, StyledFormMixin
from fangkong.registry.forms import ResidentImportForm
from fangkong.status.forms import DateTimeInput

from .choices import NoticeKind
from .models import Shift, WorkingGroup
from .rules import clean_shift_times

User = get_user_model()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name}（{obj.username}）"


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name}（{obj.username}）"


def visible_areas(user):
    return Area.objects.visible_to(user).order_by("path")


def visible_staff(user):
    return User.objects.visible_to(user).filter(is_active=True).order_by("username")


class ScopedChoicesMixin(StyledFormMixin):
    """Area and people choices limited to what the user can see."""

    needs_user = True
    area_fields: tuple[str, ...] = ("area",)
    people_fields: tuple[str, ...] = ()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name in self.area_fields:
            self.fields[name].queryset = visible_areas(user)
        for name in self.people_fields:
            self.fields[name].queryset = visible_staff(user)


class WorkingGroupForm(ScopedChoicesMixin, forms.ModelForm):
    people_fields = ("leader", "members")

    area = AreaChoiceField(label=_("所属单位"), queryset=Area.objects.none())
    leader = UserChoiceField(label=_("组长"), queryset=User.objects.none(), required=False)
    members = UserMultipleChoiceField(
        label=_("成员"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    class Meta:
        model = WorkingGroup
        fields = ["area", "name", "leader", "members", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ShiftForm(ScopedChoicesMixin, forms.ModelForm):
    people_fields = ("person",)

    area = AreaChoiceField(label=_("值班单位"), queryset=Area.objects.none())
    person = UserChoiceField(label=_("值班人员"), queryset=User.objects.none())
    start = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput)
    end = forms.DateTimeField(
        label=_("结束时间"), widget=DateTimeInput, help_text=_("跨夜班次请填写次日的结束时间")
    )

    class Meta:
        model = Shift
        fields = ["area", "group", "person", "role", "phone", "start", "end", "note"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["group"].queryset = WorkingGroup.objects.visible_to(user).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            try:
                clean_shift_times(data["start"], data["end"])
            except ValidationError as e:
                for field, messages in e.message_dict.items():
                    self.add_error(field, messages)
        return data


class ShiftCoverForm(ScopedChoicesMixin, forms.Form):
    """替班: who covers the shift (chosen as on the shift form) and why."""

    area_fields = ()
    people_fields = ("person",)

    person = UserChoiceField(label=_("替班人员"), queryset=User.objects.none())
    reason = forms.CharField(
        label=_("替班原因"),
        max_length=Shift._meta.get_field("cover_reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：原值班人员因病请假、临时外出执行任务"),
    )


class HandoverForm(StyledFormMixin, forms.Form):
    area = AreaChoiceField(label=_("值班单位"), queryset=Area.objects.none())
    incoming = UserChoiceField(label=_("接班人"), queryset=User.objects.none())
    notes = forms.CharField(
        label=_("交班情况"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    new_items = forms.CharField(
        label=_("新增待办事项"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一条；未办结的事项会自动延续到下一次交接班"),
    )

    def __init__(self, *args, user, areas, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["incoming"].queryset = people

    def clean_new_items(self) -> list[str]:
        lines = self.cleaned_data.get("new_items") or ""
        return [line.strip() for line in lines.splitlines() if line.strip()]


class CloseItemForm(forms.Form):
    note = forms.CharField(label=_("办结说明"), max_length=300, required=False)


class NoticeForm(StyledFormMixin, forms.Form):
    sender_area = AreaChoiceField(label=_("发文单位"), queryset=Area.objects.none())
    kind = forms.ChoiceField(label=_("类型"), choices=NoticeKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 6}))
    deadline = forms.DateTimeField(label=_("签收期限"), required=False, widget=DateTimeInput)
    target_areas = forms.ModelMultipleChoiceField(
        label=_("接收单位"),
        queryset=Area.objects.none(),
        widget=AreaSelectMultiple(attrs={"size": 8}),
        required=False,
        help_text=_(
            "所选单位及其下级单位的人员都会收到；不选单位只选角色时，发给发文单位辖区内这些角色的人员"
        ),
    )
    target_roles = forms.MultipleChoiceField(
        label=_("接收角色"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选表示所有角色"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        areas = visible_areas(user)
        self.fields["sender_area"].queryset = areas
        self.fields["target_areas"].queryset = areas
        if user.area_id and not self.is_bound:
            self.fields["sender_area"].initial = user.area_id


class CoverageForm(StyledFormMixin, forms.Form):
    area = AreaChoiceField(
        label=_("值班单位"), queryset=Area.objects.none(), empty_label=_("请选择值班单位")
    )
    day = forms.DateField(label=_("日期"), widget=DateInput)
    span = forms.ChoiceField(
        label=_("范围"), choices=[("day", _("当日")), ("week", _("一周"))], initial="day"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible_areas(user)

    @property
    def days(self) -> int:
        return 7 if self.cleaned_data.get("span") == "week" else 1

    def first_day(self) -> datetime.date:
        return self.cleaned_data["day"]


class ShiftImportForm(ResidentImportForm):
    """导入值班表: the roster file and the unit whose shifts it lists."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        area = self.fields["area"]
        area.label = _("值班单位")
        area.help_text = _("未填写“值班单位”列的行归入此单位；所有行的单位都必须在此区域内")
