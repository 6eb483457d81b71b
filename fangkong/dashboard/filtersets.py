"""FilterSets shared by the web lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, YesNoFilter

from .models import SubmittedReport


class SubmittedReportFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    day = django_filters.DateFilter(label=_("报表日期"))
    template_name = django_filters.CharFilter(label=_("报表模板"))
    is_current = YesNoFilter(label=_("当前版本"))

    class Meta:
        model = SubmittedReport
        fields = ["area", "day", "template_name", "is_current"]
