"""Forms of the screening pages. Rules live in ``screening.services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.forms import AreaChoiceField, DateInput, StyledFormMixin
from fangkong.registry.forms import ResidentImportForm
from fangkong.status.forms import DateTimeInput

from . import services
from .choices import FindingKind, VisitOutcome


def visible_areas(user):
    return Area.objects.visible_to(user).order_by("path")


class CampaignForm(StyledFormMixin, forms.Form):
    """发起摸排行动: the area subtree, the wording and the dates."""

    needs_user = True

    area = AreaChoiceField(label=_("范围"), queryset=Area.objects.none())
    title = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(
        label=_("说明与口径"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    origin_filter = forms.CharField(
        label=_("来源地"), max_length=100, required=False, help_text=_("如“湖北”，为空表示不限")
    )
    since = forms.DateField(label=_("抵达日期起"), required=False, widget=DateInput)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    due_on = forms.DateField(label=_("完成期限"), widget=DateInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible_areas(user)


class VisitForm(StyledFormMixin, forms.Form):
    """走访登记: one tap for the outcome, then the counts and a note."""

    outcome = forms.ChoiceField(
        label=_("走访结果"), choices=VisitOutcome.choices, widget=forms.RadioSelect
    )
    people_found = forms.IntegerField(
        label=_("在户人数"), min_value=0, max_value=services.MAX_PEOPLE, initial=0
    )
    new_people = forms.IntegerField(
        label=_("新发现人数"), min_value=0, max_value=services.MAX_PEOPLE, initial=0
    )
    notes = forms.CharField(
        label=_("备注"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    # 补录: a visit made in the field (no signal, paper list) and entered later counts on the
    # day it was made, not on the day it was typed in.
    visited_at = forms.DateTimeField(
        label=_("走访时间"),
        required=False,
        widget=DateTimeInput,
        help_text=_("补录时填写实际走访时间；留空为当前时间"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("people_found", "new_people"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})


class VisitCorrectionForm(VisitForm):
    """更正走访记录: the visit's values, changed where mis-tapped, and why."""

    reason = forms.CharField(
        label=_("更正原因"),
        max_length=300,
        help_text=_("如：误点“已搬离/空置”，实为无人在家"),
        error_messages={"required": _("请填写更正原因")},
    )

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.visit = visit
        self.fields["visited_at"].help_text = _("留空则保持原走访时间")

    def clean_visited_at(self):
        # The picker shows minutes only: the time sent back unchanged is the time recorded,
        # not a correction of its seconds.
        value = self.cleaned_data["visited_at"]
        recorded = self.visit.visited_at
        if value is None or value == recorded.replace(second=0, microsecond=0):
            return recorded
        return value


class VisitVoidForm(StyledFormMixin, forms.Form):
    """撤销走访记录: recorded by mistake (the wrong household, a visit never made)."""

    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=300,
        error_messages={"required": _("请填写撤销原因")},
    )


class FindingForm(forms.Form):
    """Mark a member of the visited household as a returnee / inflow person."""

    resident = forms.IntegerField(widget=forms.HiddenInput)
    # Blank: take back a finding recorded by mistake (only for a person already found).
    kind = forms.ChoiceField(choices=FindingKind.choices, required=False)


class FindingImportForm(ResidentImportForm):
    """导入摸排发现人员: the grid worker's list, into an area inside the campaign's."""

    def __init__(self, *args, user, campaign, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        area = self.fields["area"]
        area.queryset = area.queryset.filter(path__startswith=campaign.area.path)
        area.help_text = _(
            "未填写网格的行归入此区域（须为网格）；须在本次摸排范围内，所有行的网格都必须在此区域内"
        )
