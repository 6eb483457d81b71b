"""One FilterSet per list: the web list and the API filter with the same code."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter, YesNoFilter

from .choices import AssignmentState, HealthState, NeedKind, NeedState, PoolState, Skill, TeamKind
from .models import Assignment, DispatchBatch, Need, PartyReport, Shift, Team, Volunteer
from .selectors import search_volunteers, shifts_on_duty_at_end_of


def _has_value(field: str):
    def method(self, qs, name, value):
        return qs.filter(**{f"{field}__contains": f",{value},"}) if value else qs

    return method


class VolunteerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    area = AreaSubtreeFilter(label=_("区域"))
    state = django_filters.ChoiceFilter(label=_("状态"), choices=PoolState.choices)
    skill = django_filters.ChoiceFilter(
        label=_("技能"), choices=Skill.choices, method="filter_skill"
    )
    health = django_filters.ChoiceFilter(label=_("健康状况"), choices=HealthState.choices)
    is_party_member = YesNoFilter(label=_("中共党员"))

    class Meta:
        model = Volunteer
        fields = ["q", "area", "state", "skill", "health", "is_party_member"]

    def filter_q(self, qs, name, value):
        return search_volunteers(qs, value)

    filter_skill = _has_value("skills")


class PartyReportFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    reported_after = django_filters.DateFilter(
        label=_("报到日期起"), field_name="reported_on", lookup_expr="gte"
    )
    work_unit = django_filters.CharFilter(label=_("工作单位"), lookup_expr="contains")

    class Meta:
        model = PartyReport
        fields = ["area", "reported_after", "work_unit"]


class NeedFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("岗位名称"), field_name="title", lookup_expr="contains")
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("岗位类型"), choices=NeedKind.choices)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=NeedState.choices)
    skill = django_filters.ChoiceFilter(
        label=_("所需技能"), choices=Skill.choices, method="filter_skill"
    )

    class Meta:
        model = Need
        fields = ["q", "area", "kind", "state", "skill"]

    filter_skill = _has_value("required_skills")


class AssignmentFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    state = django_filters.ChoiceFilter(label=_("状态"), choices=AssignmentState.choices)
    need = IdFilter(label=_("岗位"), field_name="need_id")
    batch = IdFilter(label=_("派遣批次"), field_name="batch_id")

    class Meta:
        model = Assignment
        fields = ["area", "state", "need", "batch"]


class ShiftFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    started_after = django_filters.DateFilter(
        label=_("签到日期起"), field_name="started_at", lookup_expr="date__gte"
    )
    started_before = django_filters.DateFilter(
        label=_("签到日期止"), field_name="started_at", lookup_expr="date__lte"
    )
    open = YesNoFilter(label=_("服务中（未签退）"), field_name="ended_at", lookup_expr="isnull")
    on_duty_on = django_filters.DateFilter(label=_("服务日期"), method="filter_on_duty_on")

    class Meta:
        model = Shift
        fields = ["area", "started_after", "started_before", "open"]

    def filter_on_duty_on(self, qs, name, value):
        return qs.filter(shifts_on_duty_at_end_of(value)) if value else qs


class DispatchBatchFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("批次名称"), field_name="name", lookup_expr="contains")
    area = AreaSubtreeFilter(label=_("区域"))

    class Meta:
        model = DispatchBatch
        fields = ["q", "area"]


class TeamFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("队伍名称"), field_name="name", lookup_expr="contains")
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=TeamKind.choices)

    class Meta:
        model = Team
        fields = ["q", "area", "kind"]
