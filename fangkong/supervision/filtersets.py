"""FilterSets shared by the supervision lists and the API."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter, YesNoFilter
from fangkong.status.clock import local_date

from .choices import ProblemState, Severity, TargetKind, VisitMode
from .models import InspectionGroup, InspectionTask, Problem, ProblemSummary, Visit
from .selectors import problems_open_on, problems_overdue_on


class InspectionGroupFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="icontains")
    area = AreaSubtreeFilter(label=_("组建单位"))
    active = YesNoFilter(label=_("在岗"))

    class Meta:
        model = InspectionGroup
        fields = ["q", "area", "active"]


class InspectionTaskFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    group = IdFilter(label=_("督导组"), field_name="group_id")
    mode = django_filters.ChoiceFilter(label=_("方式"), choices=VisitMode.choices)

    class Meta:
        model = InspectionTask
        fields = ["area", "group", "mode", "state"]


class VisitFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    group = IdFilter(label=_("督导组"), field_name="group_id")
    mode = django_filters.ChoiceFilter(label=_("方式"), choices=VisitMode.choices)
    target_kind = django_filters.ChoiceFilter(label=_("检查对象类型"), choices=TargetKind.choices)
    since = django_filters.DateFilter(
        label=_("检查日期起"), field_name="visited_on", lookup_expr="gte"
    )

    class Meta:
        model = Visit
        fields = ["area", "group", "mode", "target_kind"]


class ProblemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("问题"), field_name="title", lookup_expr="icontains")
    area = AreaSubtreeFilter(label=_("责任单位"))
    state = django_filters.ChoiceFilter(label=_("状态"), choices=ProblemState.choices)
    severity = django_filters.ChoiceFilter(label=_("严重程度"), choices=Severity.choices)
    overdue = YesNoFilter(label=_("逾期"), method="filter_overdue")
    escalated = YesNoFilter(
        label=_("已升级"), field_name="escalated_to", lookup_expr="isnull", exclude=True
    )
    open_on = django_filters.DateFilter(label=_("未销号日期"), method="filter_open_on")
    overdue_on = django_filters.DateFilter(label=_("逾期未整改日期"), method="filter_overdue_on")
    group = IdFilter(label=_("督导组"), field_name="group_id")
    visit = IdFilter(label=_("检查记录"), field_name="visit_id")

    class Meta:
        model = Problem
        fields = ["q", "area", "state", "severity", "overdue", "escalated"]

    def filter_open_on(self, qs, name, value):
        return qs.filter(problems_open_on(value)) if value else qs

    def filter_overdue_on(self, qs, name, value):
        return qs.filter(problems_overdue_on(value)) if value else qs

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        late = qs.exclude(state=ProblemState.CLOSED).filter(deadline__lt=local_date(timezone.now()))
        return late if value else qs.exclude(pk__in=late.values("pk"))


class ProblemSummaryFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    date = django_filters.DateFilter(label=_("日期"))

    class Meta:
        model = ProblemSummary
        fields = ["area", "date"]
