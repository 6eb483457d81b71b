"""FilterSets shared by the risk lists and the API (designations are not area-scoped)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import IdFilter, YesNoFilter

from .models import RiskDesignation, RiskLevel


class RiskDesignationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("地区"), method="filter_q")
    level = django_filters.ModelChoiceFilter(label=_("风险等级"), queryset=RiskLevel.objects.all())
    current = YesNoFilter(label=_("当前有效"), field_name="effective_to", lookup_expr="isnull")
    area = IdFilter(label=_("本平台区域"), field_name="area_id")
    place_code = django_filters.CharFilter(label=_("区划代码"), field_name="place_code")
    place_name = django_filters.CharFilter(label=_("地区名称"), field_name="place_name")

    class Meta:
        model = RiskDesignation
        fields = ["q", "level", "current", "area", "place_code", "place_name"]

    def filter_q(self, qs, name, value):
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            Q(place_name__contains=value)
            | Q(place_code__startswith=value)
            | Q(area__name__contains=value)
        )
