"""One FilterSet per list: the web list and the API filter with the same code."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, YesNoFilter

from .choices import MarketKind
from .models import Commodity, Market, PriceLine


class MarketFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称"), field_name="name", lookup_expr="contains")
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=MarketKind.choices)
    reported_on = django_filters.DateFilter(
        label=_("已填报日期"), field_name="reports__date", distinct=True
    )

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


class PriceAlertFilterSet(django_filters.FilterSet):
    """The alert list's area and day: alerts of the 7 days up to ``date`` (today when blank),
    or of that day alone. An alert depends on its own day and the days before it, so the
    lines after ``date`` are left out here and the view picks the window."""

    area = AreaSubtreeFilter(label=_("区域"))
    date = django_filters.DateFilter(label=_("截至日期"), field_name="date", lookup_expr="lte")
    day_only = YesNoFilter(label=_("只看当日"), method="keep")

    class Meta:
        model = PriceLine
        fields = ["area", "date", "day_only"]

    def keep(self, qs, name, value):
        return qs  # read by the view: it sets the window, not a filter on the lines
