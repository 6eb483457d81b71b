"""FilterSets shared by the future web lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter, YesNoFilter
from fangkong.status.clock import end_of_day

from .choices import FindingKind, VisitOutcome
from .models import Campaign, Finding, Visit
from .selectors import active_campaigns, findings_in_running_campaigns


class CampaignAreaFilter(AreaSubtreeFilter):
    """Campaigns over the chosen area: launched in it or below, or by an area above it."""

    def filter(self, qs, value):
        return qs.covering(value) if value else qs


class CampaignFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称"), field_name="title", lookup_expr="contains")
    area = CampaignAreaFilter(label=_("区域"))
    closed = YesNoFilter(label=_("已结束"))
    running_on = django_filters.DateFilter(label=_("进行中日期"), method="filter_running_on")

    class Meta:
        model = Campaign
        fields = ["q", "area", "closed"]

    def filter_running_on(self, qs, name, value):
        return active_campaigns(qs, value, end_of_day(value)) if value else qs


class VisitFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    campaign = IdFilter(label=_("摸排行动"), field_name="campaign_id")
    outcome = django_filters.ChoiceFilter(label=_("结果"), choices=VisitOutcome.choices)
    visited_by = IdFilter(label=_("走访人"), field_name="visited_by_id")

    class Meta:
        model = Visit
        fields = ["area", "campaign", "outcome", "visited_by"]


class FindingFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    campaign = IdFilter(label=_("摸排行动"), field_name="campaign_id")
    kind = django_filters.ChoiceFilter(label=_("类别"), choices=FindingKind.choices)
    running_on = django_filters.DateFilter(label=_("摸排进行中日期"), method="filter_running_on")

    class Meta:
        model = Finding
        fields = ["area", "campaign", "kind"]

    def filter_running_on(self, qs, name, value):
        return qs.filter(findings_in_running_campaigns(value)) if value else qs
