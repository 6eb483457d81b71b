"""One FilterSet per list: the web list and the API filter with the same code."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter, YesNoFilter

from .choices import (
    ApplicationState,
    DifficultyCategory,
    DifficultyState,
    ProblemState,
    ResumptionState,
    ReturnState,
    Sector,
)
from .models import (
    DailyReport,
    Difficulty,
    Employee,
    Enterprise,
    IndustrialPark,
    Inspection,
    InspectionProblem,
    LiaisonAssignment,
    ReportReminder,
    ResumptionApplication,
)
from .scoping import active_assignment_q
from .selectors import problems_overdue, search_by_name


class NameSearchMixin:
    def filter_q(self, qs, name, value):
        return search_by_name(qs, value)


class EnterpriseFilterSet(NameSearchMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    area = AreaSubtreeFilter(label=_("区域"))
    sector = django_filters.ChoiceFilter(label=_("行业"), choices=Sector.choices)
    resumption_state = django_filters.ChoiceFilter(
        label=_("复工状态"), choices=ResumptionState.choices
    )
    applied = YesNoFilter(label=_("已申请复工"), method="filter_applied")
    resumed_by = django_filters.DateFilter(
        label=_("复工日期止"), field_name="resumed_on", lookup_expr="lte"
    )
    park = IdFilter(label=_("园区"), field_name="park_id")
    credit_code = django_filters.CharFilter(label=_("统一社会信用代码"), lookup_expr="iexact")

    class Meta:
        model = Enterprise
        fields = ["q", "area", "sector", "resumption_state", "park", "credit_code"]

    def filter_applied(self, qs, name, value):
        if value is None:
            return qs
        not_applied = Q(resumption_state=ResumptionState.NOT_APPLIED)
        return qs.filter(~not_applied if value else not_applied)


class IndustrialParkFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("园区名称"), field_name="name", lookup_expr="contains")
    area = AreaSubtreeFilter(label=_("区域"))

    class Meta:
        model = IndustrialPark
        fields = ["q", "area"]


class EnterpriseRecordFilterSet(django_filters.FilterSet):
    """Base of the lists of an enterprise's records: by area and by enterprise."""

    area = AreaSubtreeFilter(label=_("区域"))
    enterprise = IdFilter(label=_("企业"), field_name="enterprise_id")


class EmployeeFilterSet(NameSearchMixin, EnterpriseRecordFilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    return_state = django_filters.ChoiceFilter(
        label=_("返岗状态"), choices=ReturnState.choices, method="filter_return_state"
    )
    department = django_filters.CharFilter(label=_("部门/岗位"), lookup_expr="contains")

    class Meta:
        model = Employee
        fields = ["q", "area", "enterprise", "return_state", "department"]

    def filter_return_state(self, qs, name, value):
        # The list selector annotated ``return_state``; the API's queryset is the same.
        return qs.filter(return_state=value)


class ResumptionApplicationFilterSet(EnterpriseRecordFilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=ApplicationState.choices)

    class Meta:
        model = ResumptionApplication
        fields = ["area", "enterprise", "state"]


class LiaisonAssignmentFilterSet(EnterpriseRecordFilterSet):
    liaison = IdFilter(label=_("联络员"), field_name="liaison_id")
    current = YesNoFilter(label=_("派驻中"), method="filter_current")

    class Meta:
        model = LiaisonAssignment
        fields = ["area", "enterprise", "liaison", "current"]

    def filter_current(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(active_assignment_q()) if value else qs.exclude(active_assignment_q())


class DailyReportFilterSet(EnterpriseRecordFilterSet):
    date = django_filters.DateFilter(label=_("日期"))

    class Meta:
        model = DailyReport
        fields = ["area", "enterprise", "date"]


class ReportReminderFilterSet(EnterpriseRecordFilterSet):
    date = django_filters.DateFilter(label=_("日报日期"))

    class Meta:
        model = ReportReminder
        fields = ["area", "enterprise", "date"]


class InspectionFilterSet(EnterpriseRecordFilterSet):
    inspected_after = django_filters.DateFilter(
        label=_("检查日期起"), field_name="inspected_on", lookup_expr="gte"
    )

    class Meta:
        model = Inspection
        fields = ["area", "enterprise", "inspected_after"]


class InspectionProblemFilterSet(EnterpriseRecordFilterSet):
    state = django_filters.ChoiceFilter(label=_("状态"), choices=ProblemState.choices)
    overdue = YesNoFilter(label=_("逾期未整改"), method="filter_overdue")

    class Meta:
        model = InspectionProblem
        fields = ["area", "enterprise", "state", "overdue"]

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        late = problems_overdue(timezone.localdate())
        return qs.filter(late) if value else qs.exclude(late)


class DifficultyFilterSet(EnterpriseRecordFilterSet):
    category = django_filters.ChoiceFilter(label=_("类别"), choices=DifficultyCategory.choices)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=DifficultyState.choices)

    class Meta:
        model = Difficulty
        fields = ["area", "enterprise", "category", "state"]
