"""One FilterSet per list: the web list and the API filter with the same code."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, YesNoFilter
from fangkong.volunteers.selectors import search_volunteers

from .models import Pairing


class PairingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("包联党员"), method="filter_q")
    area = AreaSubtreeFilter(label=_("区域"))
    whole_building = YesNoFilter(label=_("整栋包联"), field_name="building", method="filter_whole")
    has_account = YesNoFilter(label=_("已开通账号"), method="filter_account")

    class Meta:
        model = Pairing
        fields = ["q", "area", "whole_building", "has_account"]

    def filter_q(self, qs, name, value):
        from fangkong.volunteers.models import Volunteer

        if not value:
            return qs
        found = search_volunteers(Volunteer._base_manager.all(), value).values("pk")
        return qs.filter(volunteer__in=found)

    def filter_whole(self, qs, name, value):
        return qs if value is None else qs.filter(building__isnull=not value)

    def filter_account(self, qs, name, value):
        return qs if value is None else qs.filter(volunteer__user__isnull=not value)
