"""FilterSets shared by the future web lists and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter, YesNoFilter

from .choices import (
    CATEGORY_KINDS,
    AlertKind,
    AssignmentCategory,
    AssignmentKind,
    AssignmentState,
    NatResult,
    Slot,
)
from .models import Alert, Assignment, CheckIn, HealthCertificate, NucleicAcidTest
from .selectors import assignments_running_on, source_voided


class AssignmentFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=AssignmentKind.choices)
    category = django_filters.ChoiceFilter(
        label=_("类别"), choices=AssignmentCategory.choices, method="filter_category"
    )
    # The states the list shows (``Assignment.state_label``): an unreleased assignment whose
    # period has not begun is 未开始, not 进行中.
    state = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[
            ("upcoming", _("未开始")),
            (AssignmentState.ACTIVE, AssignmentState.ACTIVE.label),
            (AssignmentState.RELEASED, AssignmentState.RELEASED.label),
        ],
        method="filter_state",
    )
    running_on = django_filters.DateFilter(label=_("在管日期"), method="filter_running_on")
    responsible = IdFilter(label=_("责任网格员"), field_name="responsible_id")
    ends_before = django_filters.DateFilter(
        label=_("结束日期止"), field_name="end_date", lookup_expr="lte"
    )
    source_voided = YesNoFilter(label=_("来源病例已撤销"), method="filter_source_voided")

    class Meta:
        model = Assignment
        fields = ["area", "kind", "category", "state", "running_on", "responsible"]

    def filter_source_voided(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(source_voided()) if value else qs.exclude(source_voided())

    def filter_category(self, qs, name, value):
        return qs.filter(kind__in=CATEGORY_KINDS[value]) if value else qs

    def filter_running_on(self, qs, name, value):
        return qs.filter(assignments_running_on(value)) if value else qs

    def filter_state(self, qs, name, value):
        today = timezone.localdate()
        if value == "upcoming":
            return qs.filter(state=AssignmentState.ACTIVE, start_date__gt=today)
        if value == AssignmentState.ACTIVE:
            return qs.filter(state=AssignmentState.ACTIVE, start_date__lte=today)
        return qs.filter(state=value) if value else qs


class CheckInFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    assignment = IdFilter(label=_("安排"), field_name="assignment_id")
    date = django_filters.DateFilter(label=_("日期"))
    slot = django_filters.ChoiceFilter(label=_("时段"), choices=Slot.choices)
    fever = YesNoFilter(label=_("发热"), method="filter_fever")

    class Meta:
        model = CheckIn
        fields = ["area", "assignment", "date", "slot"]

    def filter_fever(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(temperature__gte="37.3") if value else qs.filter(temperature__lt="37.3")


class AlertFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=AlertKind.choices)
    open = YesNoFilter(label=_("未处理"), field_name="acknowledged_at", lookup_expr="isnull")

    class Meta:
        model = Alert
        fields = ["area", "kind", "open"]


class NucleicAcidTestFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    result = django_filters.ChoiceFilter(label=_("结果"), choices=NatResult.choices)
    sampled_after = django_filters.DateTimeFilter(
        label=_("采样时间起"), field_name="sampled_at", lookup_expr="gte"
    )
    sampled_before = django_filters.DateTimeFilter(
        label=_("采样时间止"), field_name="sampled_at", lookup_expr="lte"
    )
    pending_review = YesNoFilter(label=_("阳性待复核"), method="filter_pending_review")

    class Meta:
        model = NucleicAcidTest
        fields = ["area", "result"]

    def filter_pending_review(self, queryset, name, value):
        pending = Q(result=NatResult.POSITIVE, review="")
        return queryset.filter(pending) if value else queryset.exclude(pending)


class HealthCertificateFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    revoked = YesNoFilter(label=_("已作废"))

    class Meta:
        model = HealthCertificate
        fields = ["area", "revoked"]
