"""One FilterSet per list: the web list and the API filter with the same code."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter

from .choices import MarketKind
from .models import Commodity, Market, PriceLine


class MarketFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="contains")
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=MarketKind.choices)

    class Meta:
        model = Market
        fields = ["q", "area", "kind"]


class PriceLineFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    commodity = django_filters.ModelChoiceFilter(label=_("品名"), queryset=Commodity.objects.all())
    date = django_filters.DateFilter(label=_("日期"))

    class Meta:
        model = PriceLine
        fields = ["area", "commodity", "date"]
