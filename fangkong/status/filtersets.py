"""FilterSets shared by the future web lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, YesNoFilter

from .choices import Colour, OverrideState
from .models import PersonStatus, StatusOverride


class PersonStatusFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    colour = django_filters.ChoiceFilter(label=_("状态"), choices=Colour.choices)
    reason = django_filters.CharFilter(label=_("原因代码"), method="filter_reason")
    overridden = YesNoFilter(
        label=_("人工调整"), field_name="override", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = PersonStatus
        fields = ["area", "colour"]

    def filter_reason(self, qs, name, value):
        # Reason codes are plain identifiers stored in the JSON text, e.g. "close_contact".
        return qs.filter(reasons__icontains=f'"code": "{value}"') if value.isidentifier() else qs


class StatusOverrideFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    state = django_filters.ChoiceFilter(label=_("审批状态"), choices=OverrideState.choices)
    colour = django_filters.ChoiceFilter(label=_("调整为"), choices=Colour.choices)

    class Meta:
        model = StatusOverride
        fields = ["area", "state", "colour"]
