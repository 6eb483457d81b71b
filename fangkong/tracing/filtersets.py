"""FilterSets shared by the future web lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter

from .choices import CaseKind, CaseStatus, ContactDegree, ContactState
from .models import Case, Contact


class CaseFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=CaseKind.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=CaseStatus.choices)
    confirmed_after = django_filters.DateFilter(
        label=_("确诊日期起"), field_name="confirmed_at", lookup_expr="date__gte"
    )
    confirmed_before = django_filters.DateFilter(
        label=_("确诊日期止"), field_name="confirmed_at", lookup_expr="date__lte"
    )

    class Meta:
        model = Case
        fields = ["area", "kind", "status"]


class ContactFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    case = django_filters.NumberFilter(label=_("病例"), field_name="case_id")
    degree = django_filters.ChoiceFilter(label=_("接触类型"), choices=ContactDegree.choices)
    state = django_filters.ChoiceFilter(label=_("核实状态"), choices=ContactState.choices)

    class Meta:
        model = Contact
        fields = ["area", "case", "degree", "state"]
