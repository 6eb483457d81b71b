"""FilterSets shared by the web lists and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter, YesNoFilter

from .choices import DutyRole, NoticeKind
from .models import Handover, Notice, Shift, WorkingGroup


class WorkingGroupFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    area = AreaSubtreeFilter(label=_("区域"))

    class Meta:
        model = WorkingGroup
        fields = ["q", "area"]

    def search(self, qs, name, value):
        return qs.filter(name__icontains=value.strip()) if value.strip() else qs


class ShiftFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    person = IdFilter(label=_("值班人员"), field_name="person_id")
    role = django_filters.ChoiceFilter(label=_("值班角色"), choices=DutyRole.choices)
    date_from = django_filters.DateFilter(label=_("日期起"), method="filter_from")
    date_to = django_filters.DateFilter(label=_("日期止"), method="filter_to")
    on_duty_now = YesNoFilter(label=_("正在值班"), method="filter_on_duty_now")

    class Meta:
        model = Shift
        fields = ["area", "person", "role", "date_from", "date_to", "on_duty_now"]

    def filter_on_duty_now(self, qs, name, value):
        if value is None:
            return qs
        moment = timezone.now()
        on_duty = Q(start__lte=moment, end__gt=moment)
        return qs.filter(on_duty) if value else qs.exclude(on_duty)

    def filter_from(self, qs, name, value):
        from fangkong.status.clock import start_of_day

        return qs.filter(end__gt=start_of_day(value))

    def filter_to(self, qs, name, value):
        import datetime

        from fangkong.status.clock import start_of_day

        return qs.filter(start__lt=start_of_day(value + datetime.timedelta(days=1)))


class HandoverFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    pending = YesNoFilter(label=_("待接班确认"), field_name="acknowledged_at", lookup_expr="isnull")

    class Meta:
        model = Handover
        fields = ["area", "pending"]


class NoticeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("搜索"), method="search")
    area = AreaSubtreeFilter(label=_("发文单位"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=NoticeKind.choices)

    class Meta:
        model = Notice
        fields = ["q", "area", "kind"]

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(title__icontains=value) | Q(body__icontains=value)) if value else qs
