"""FilterSets shared by the tip lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, YesNoFilter

from .choices import TipCategory, TipState
from .models import Reward, Tip
from .selectors import tips_received_by


class TipFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("回执码"), method="filter_q")
    area = AreaSubtreeFilter(label=_("区域"))
    category = django_filters.ChoiceFilter(label=_("线索类别"), choices=TipCategory.choices)
    state = django_filters.ChoiceFilter(label=_("状态"), choices=TipState.choices)
    received_by = django_filters.DateFilter(label=_("收到日期止"), method="filter_received_by")

    class Meta:
        model = Tip
        fields = ["q", "area", "category", "state"]

    def filter_received_by(self, qs, name, value):
        return qs.filter(tips_received_by(value)) if value else qs

    def filter_q(self, qs, name, value):
        from .services import normalize_receipt_code

        code = normalize_receipt_code(value)
        return qs.filter(receipt_code__startswith=code) if code else qs


class RewardFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    paid = YesNoFilter(label=_("已发放"), field_name="paid_on", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Reward
        fields = ["area", "paid"]
