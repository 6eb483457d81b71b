import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter

from .choices import AreaLevel
from .models import Area


class AreaFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("名称或代码"), method="filter_q")
    level = django_filters.ChoiceFilter(label=_("层级"), choices=AreaLevel.choices)
    parent = IdFilter(label=_("上级区域"), field_name="parent_id")
    within = AreaSubtreeFilter(label=_("所在区域"))

    class Meta:
        model = Area
        fields = ["q", "level", "parent", "within"]

    def filter_q(self, qs, name, value):
        from django.db.models import Q

        from fangkong.core.search import to_simplified

        return qs.filter(Q(name__contains=to_simplified(value)) | Q(code__startswith=value))
