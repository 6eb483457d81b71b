"""FilterSets shared by the web lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, YesNoFilter

from .models import SubmittedReport


class SubmittedReportFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    day = django_filters.DateFilter(label=_("报表日期"))
    template_name = django_filters.CharFilter(label=_("报表模板"))

    class Meta:
        model = SubmittedReport
        fields = ["area", "day", "template_name"]


class SubmittedReportRevisionFilterSet(SubmittedReportFilterSet):
    """The API lists every revision: ``is_current=true`` keeps the reports as they stand.
    (The list page shows current ones only; a report's page lists its revisions.)"""

    is_current = YesNoFilter(label=_("当前版本"))

    class Meta(SubmittedReportFilterSet.Meta):
        fields = [*SubmittedReportFilterSet.Meta.fields, "is_current"]
