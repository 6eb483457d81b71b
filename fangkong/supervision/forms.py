"""Forms of the supervision pages. Rules live in ``supervision.rules`` and the services."""

from __future__ import annotations

from django import forms
from django.db.models import Case, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import User
from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.forms import AreaChoiceField, DateInput, StyledFormMixin, style_form
from fangkong.status.clock import local_date

from .choices import AnswerResult, Severity, TargetKind, TaskState, VisitMode
from .models import ChecklistTemplate, InspectionGroup, InspectionTask

FINDING_SLOTS = 3


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input (a phone's camera or gallery); checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class UserChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def _units(user):
    return Area.objects.visible_to(user).filter(level__lte=AreaLevel.COMMUNITY)


class InspectionGroupForm(StyledFormMixin, forms.ModelForm):
    needs_user = True
    members = UserChoiceField(label=_("成员"), queryset=User.objects.none(), required=False)

    class Meta:
        model = InspectionGroup
        fields = ["name", "area", "leader", "members", "assigned_areas", "focus", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.visible_to(user).filter(is_active=True).order_by("username")
        self.fields["leader"].queryset = people
        self.fields["members"].queryset = people
        self.fields["area"].queryset = _units(user)
        self.fields["assigned_areas"].queryset = _units(user)
        self.fields["assigned_areas"].widget.attrs["size"] = 8


class ChecklistTemplateForm(StyledFormMixin, forms.Form):
    needs_user = True
    name = forms.CharField(label=_("名称"), max_length=100)
    area = AreaChoiceField(label=_("制定单位"), queryset=Area.objects.none())
    items = forms.CharField(
        label=_("检查项"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一项，如：卡点24小时有人值守"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _units(user)

    def clean_items(self):
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class InspectionTaskForm(StyledFormMixin, forms.ModelForm):
    needs_user = True

    class Meta:
        model = InspectionTask
        fields = ["group", "title", "area", "mode", "planned_date", "checklist"]
        widgets = {"planned_date": DateInput}
        field_classes = {"area": AreaChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = InspectionGroup.objects.visible_to(user).filter(active=True)
        self.fields["area"].queryset = _units(user)
        self.fields["checklist"].queryset = ChecklistTemplate.objects.visible_to(user).filter(
            active=True
        )


class VisitForm(StyledFormMixin, forms.Form):
    """检查记录 on a phone: where, how, the checklist answers, photos and up to 3 findings."""

    group = forms.ModelChoiceField(label=_("督导组"), queryset=InspectionGroup.objects.none())
    task = forms.ModelChoiceField(
        label=_("督导任务"), queryset=InspectionTask.objects.none(), required=False
    )
    area = AreaChoiceField(label=_("检查区域"), queryset=Area.objects.none())
    target_kind = forms.ChoiceField(
        label=_("检查对象类型"), choices=TargetKind.choices, initial=TargetKind.AREA
    )
    target_name = forms.CharField(
        label=_("检查对象"),
        max_length=200,
        required=False,
        help_text=_("卡点、企业或场所的名称"),
    )
    mode = forms.ChoiceField(label=_("方式"), choices=VisitMode.choices)
    visited_on = forms.DateField(label=_("检查日期"), widget=DateInput)
    summary = forms.CharField(
        label=_("检查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("照片"))

    def __init__(self, *args, user, checklist: ChecklistTemplate | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.checklist = checklist
        self.fields["group"].queryset = InspectionGroup.objects.visible_to(user).filter(
            members=user
        )
        # The tasks of the groups the inspector is in (another group's was refused on
        # saving), those still to carry out first.
        self.fields["task"].queryset = (
            InspectionTask.objects.visible_to(user)
            .filter(group__members=user)
            .distinct()
            .order_by(Case(When(state=TaskState.PLANNED, then=0), default=1), "planned_date", "pk")
        )
        self.fields["area"].queryset = _units(user)
        self.items = list(checklist.items.all()) if checklist else []
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=f"{item.position}. {item.text}",
                choices=AnswerResult.choices,
                widget=forms.RadioSelect,
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=_("说明"), max_length=200, required=False
            )
        for i in range(1, FINDING_SLOTS + 1):
            self.fields[f"finding_{i}_title"] = forms.CharField(
                label=_("发现问题 %(n)d") % {"n": i}, max_length=200, required=False
            )
            self.fields[f"finding_{i}_severity"] = forms.ChoiceField(
                label=_("严重程度"), choices=Severity.choices, initial=Severity.LOW
            )
            self.fields[f"finding_{i}_deadline"] = forms.DateField(
                label=_("整改期限"), widget=DateInput, required=False
            )
        style_form(self)

    def answers(self) -> dict[int, tuple[str, str]]:
        d = self.cleaned_data
        return {item.pk: (d[f"item_{item.pk}"], d[f"note_{item.pk}"]) for item in self.items}

    def findings(self) -> list[dict]:
        d = self.cleaned_data
        out = []
        for i in range(1, FINDING_SLOTS + 1):
            title = d.get(f"finding_{i}_title")
            if title:
                out.append(
                    {
                        "title": title,
                        "severity": d[f"finding_{i}_severity"],
                        "deadline": d.get(f"finding_{i}_deadline"),
                    }
                )
        return out

    def clean(self):
        data = super().clean()
        visited_on = data.get("visited_on")
        for i in range(1, FINDING_SLOTS + 1):
            if not data.get(f"finding_{i}_title"):
                continue
            deadline = data.get(f"finding_{i}_deadline")
            if not deadline:
                self.add_error(f"finding_{i}_deadline", _("请填写整改期限"))
            elif visited_on and deadline < visited_on:
                # The service refuses it too, but as one line for the whole form: here it
                # stands under the finding it is about (the form has three).
                self.add_error(f"finding_{i}_deadline", _("整改期限不能早于检查日期"))
        return data


class ProblemActionForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("整改照片"))
    deadline = forms.DateField(
        label=_("新整改期限"),
        required=False,
        widget=DateInput,
        help_text=_("退回重新整改时可重新设定；不填则沿用原整改期限"),
    )


class ProblemForm(StyledFormMixin, forms.Form):
    """A problem found outside a recorded visit (e.g. from a report or a phone call)."""

    needs_user = True
    area = AreaChoiceField(label=_("责任单位"), queryset=Area.objects.none())
    title = forms.CharField(label=_("问题"), max_length=200)
    description = forms.CharField(
        label=_("问题描述"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput)
    group = forms.ModelChoiceField(
        label=_("督导组"), queryset=InspectionGroup.objects.none(), required=False
    )
    photos = PhotosField(label=_("照片"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _units(user)
        self.fields["group"].queryset = InspectionGroup.objects.visible_to(user)


class SummaryForm(StyledFormMixin, forms.Form):
    date = forms.DateField(label=_("日期"), widget=DateInput)
    area = AreaChoiceField(label=_("汇总区域"), queryset=Area.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).filter(
            level__lt=AreaLevel.GRID
        )

    def clean_date(self):
        # As the stored summary (``generate_summary``): no figures exist yet for a day to come.
        day = self.cleaned_data["date"]
        if day > local_date(timezone.now()):
            raise forms.ValidationError(_("汇总日期不能晚于今天"))
        return day
