"""One FilterSet per list: the web list and the API filter with the same code."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter, YesNoFilter
from fangkong.core.search import classify_query

from .choices import ApprovalState, Direction, ScanColour, ScanSource, VenueKind
from .models import OutingApproval, Scan, Venue
from .selectors import awaiting_decision_by


def search_venues(qs, value: str):
    """Venue names in either script, by pinyin or initials."""
    kind, q = classify_query(value)
    if not q:
        return qs
    if kind == "pinyin":
        return qs.filter(Q(name_initials__startswith=q) | Q(name_pinyin__startswith=q))
    return qs.filter(name_norm__contains=q)


class VenueFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("场所类型"), choices=VenueKind.choices)
    active = YesNoFilter(label=_("启用"))

    class Meta:
        model = Venue
        fields = ["q", "area", "kind", "active"]

    def filter_q(self, qs, name, value):
        return search_venues(qs, value)


class ScanFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    venue = IdFilter(label=_("场所"), field_name="venue_id")
    since = django_filters.DateTimeFilter(
        label=_("扫码时间起"), field_name="scanned_at", lookup_expr="gte"
    )
    until = django_filters.DateTimeFilter(
        label=_("扫码时间止"), field_name="scanned_at", lookup_expr="lt"
    )
    direction = django_filters.ChoiceFilter(label=_("进出"), choices=Direction.choices)
    colour = django_filters.ChoiceFilter(label=_("扫码时状态"), choices=ScanColour.choices)
    admitted = YesNoFilter(label=_("准入"))
    source = django_filters.ChoiceFilter(label=_("登记方式"), choices=ScanSource.choices)

    class Meta:
        model = Scan
        fields = ["area", "venue", "since", "until", "direction", "colour", "admitted", "source"]


class OutingApprovalFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    state = django_filters.ChoiceFilter(label=_("审批状态"), choices=ApprovalState.choices)
    resident = IdFilter(label=_("居民"), field_name="resident_id")
    to_decide = YesNoFilter(label=_("待我审批"), method="filter_to_decide")

    class Meta:
        model = OutingApproval
        fields = ["area", "state", "resident", "to_decide"]

    def filter_to_decide(self, queryset, name, value):
        """Pending requests someone else registered (nobody approves their own): what the
        home page's 待办 counts as 外出申请待审批."""
        awaiting = awaiting_decision_by(self.request.user)
        return queryset.filter(awaiting) if value else queryset.exclude(awaiting)
