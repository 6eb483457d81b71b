"""One FilterSet per list: the web list and the API filter with the same code."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter

from .choices import Gender, ResidentCategory, ResidentTag
from .models import Building, Household, Resident
from .selectors import search_residents


class ResidentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    area = AreaSubtreeFilter(label=_("区域"))
    category = django_filters.ChoiceFilter(label=_("人员类别"), choices=ResidentCategory.choices)
    gender = django_filters.ChoiceFilter(label=_("性别"), choices=Gender.choices)
    tag = django_filters.ChoiceFilter(
        label=_("标签"), choices=ResidentTag.choices, method="filter_tag"
    )
    household = IdFilter(label=_("户"), field_name="household_id")
    arrival_after = django_filters.DateFilter(
        label=_("抵达日期起"), field_name="arrival_date", lookup_expr="gte"
    )
    arrival_before = django_filters.DateFilter(
        label=_("抵达日期止"), field_name="arrival_date", lookup_expr="lte"
    )

    class Meta:
        model = Resident
        fields = ["q", "area", "category", "gender", "tag", "household"]

    def filter_q(self, qs, name, value):
        return search_residents(qs, value)

    def filter_tag(self, qs, name, value):
        return qs.filter(tags__contains=f",{value},")


class HouseholdFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("户编号"), field_name="number", lookup_expr="contains")
    area = AreaSubtreeFilter(label=_("区域"))
    building = IdFilter(label=_("楼栋"), field_name="building_id")

    class Meta:
        model = Household
        fields = ["q", "area", "building"]


class BuildingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("楼栋"), field_name="name", lookup_expr="contains")
    area = AreaSubtreeFilter(label=_("区域"))

    class Meta:
        model = Building
        fields = ["q", "area"]
