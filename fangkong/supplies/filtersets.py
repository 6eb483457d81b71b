"""One FilterSet per list: the web list and the API filter with the same code."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter, YesNoFilter
from fangkong.status.clock import end_of_day

from .choices import (
    DonationKind,
    FundEntryKind,
    ItemCategory,
    MovementKind,
    RequestState,
    WarehouseKind,
)
from .models import (
    Allocation,
    Donation,
    Fund,
    FundEntry,
    Item,
    Movement,
    SupplyRequest,
    Warehouse,
)
from .selectors import fund_sums


class ItemFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="filter_q")
    category = django_filters.ChoiceFilter(label=_("类别"), choices=ItemCategory.choices)

    class Meta:
        model = Item
        fields = ["q", "category"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(name__contains=value) | Q(code__icontains=value))


class WarehouseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="contains")
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=WarehouseKind.choices)

    class Meta:
        model = Warehouse
        fields = ["q", "area", "kind"]


class MovementFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    warehouse = IdFilter(label=_("库点"), field_name="warehouse_id")
    item = django_filters.ModelChoiceFilter(label=_("物资"), queryset=Item.objects.all())
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=MovementKind.choices)
    since = django_filters.DateFilter(
        label=_("起始日期"), field_name="occurred_at__date", lookup_expr="gte"
    )
    until = django_filters.DateFilter(
        label=_("截止日期"), field_name="occurred_at__date", lookup_expr="lte"
    )

    class Meta:
        model = Movement
        fields = ["area", "warehouse", "item", "kind"]


class StockFilterSet(django_filters.FilterSet):
    """The stock page's area and day: the ledger up to the end of ``date`` (today when
    blank), and the low-stock alerts only. The view reads the day and ``low``."""

    area = AreaSubtreeFilter(label=_("区域"))
    date = django_filters.DateFilter(label=_("截至日期"), method="filter_date")
    low = YesNoFilter(label=_("只看低库存"), method="keep")

    class Meta:
        model = Movement
        fields = ["area", "date", "low"]

    def filter_date(self, qs, name, value):
        return qs.filter(occurred_at__lt=end_of_day(value)) if value else qs

    def keep(self, qs, name, value):
        return qs  # read by the view: alerts are picked from the computed rows


class DonationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("捐赠方"), field_name="donor_name", lookup_expr="contains"
    )
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("捐赠类型"), choices=DonationKind.choices)
    channel = django_filters.CharFilter(label=_("捐赠渠道"), lookup_expr="contains")
    # The dashboard's 其中经部门组织捐款: the donations made through a department.
    channelled = YesNoFilter(label=_("经部门组织"), method="filter_channelled")
    until = django_filters.DateFilter(label=_("捐赠日期止"), field_name="date", lookup_expr="lte")

    class Meta:
        model = Donation
        fields = ["q", "area", "kind", "channel"]

    def filter_channelled(self, qs, name, value):
        if value is None:
            return qs
        return qs.exclude(channel="") if value else qs.filter(channel="")


class SupplyRequestFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    item = django_filters.ModelChoiceFilter(label=_("物资"), queryset=Item.objects.all())
    state = django_filters.ChoiceFilter(label=_("状态"), choices=RequestState.choices)

    class Meta:
        model = SupplyRequest
        fields = ["area", "item", "state"]


class AllocationFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=Allocation._meta.get_field("state").choices
    )

    class Meta:
        model = Allocation
        fields = ["area", "state"]


class FundFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    # A past day's figures (the dashboard's 专项党费收入 looked back): entries up to the day.
    until = django_filters.DateFilter(label=_("截至日期"), method="filter_until")

    class Meta:
        model = Fund
        fields = ["area", "kind"]

    def filter_until(self, qs, name, value):
        return fund_sums(qs, until=value)


class FundEntryFilterSet(django_filters.FilterSet):
    """资金流水 of a fund (from its page) or of every fund in an area, by kind and dates."""

    area = AreaSubtreeFilter(label=_("区域"))
    fund = IdFilter(label=_("资金"), field_name="fund_id")
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=FundEntryKind.choices)
    since = django_filters.DateFilter(label=_("起始日期"), field_name="date", lookup_expr="gte")
    until = django_filters.DateFilter(label=_("截止日期"), field_name="date", lookup_expr="lte")

    class Meta:
        model = FundEntry
        fields = ["area", "fund", "kind"]
