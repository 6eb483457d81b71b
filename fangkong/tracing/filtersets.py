"""FilterSets shared by the future web lists and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter, IdFilter

from .choices import CaseKind, CaseStatus, ContactDegree, ContactState
from .models import Case, Contact
from .selectors import (
    cases_active_on,
    cases_counted,
    contacts_counted_on,
    contacts_registered_by,
)


class CaseFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=CaseKind.choices)
    status = django_filters.ChoiceFilter(label=_("状态"), choices=CaseStatus.choices)
    confirmed_after = django_filters.DateFilter(
        label=_("确诊日期起"), field_name="confirmed_at", lookup_expr="date__gte"
    )
    confirmed_before = django_filters.DateFilter(
        label=_("确诊日期止"), field_name="confirmed_at", lookup_expr="date__lte"
    )

    active_on = django_filters.DateFilter(label=_("在治日期"), method="filter_active_on")

    class Meta:
        model = Case
        fields = ["area", "kind", "status"]

    def filter_active_on(self, qs, name, value):
        return qs.filter(cases_active_on(value)) if value else qs

    @property
    def qs(self):
        # A voided case (recorded in error) is listed only when its status is asked for; an
        # unbound filter set (a list opened without parameters) filters nothing by itself.
        if not hasattr(self, "_counted_qs"):
            asked = self.is_bound and self.form.is_valid() and self.form.cleaned_data["status"]
            self._counted_qs = super().qs if asked else super().qs.filter(cases_counted())
        return self._counted_qs


class ContactFilterSet(django_filters.FilterSet):
    area = AreaSubtreeFilter(label=_("区域"))
    case = IdFilter(label=_("病例"), field_name="case_id")
    degree = django_filters.ChoiceFilter(label=_("接触类型"), choices=ContactDegree.choices)
    state = django_filters.ChoiceFilter(label=_("核实状态"), choices=ContactState.choices)

    registered_by = django_filters.DateFilter(label=_("登记日期止"), method="filter_registered_by")
    counted_on = django_filters.DateFilter(label=_("统计日期"), method="filter_counted_on")

    class Meta:
        model = Contact
        fields = ["area", "case", "degree", "state"]

    def filter_registered_by(self, qs, name, value):
        return qs.filter(contacts_registered_by(value)) if value else qs

    def filter_counted_on(self, qs, name, value):
        # The dashboard's 密接 figures of that day: not yet dismissed then.
        return qs.filter(contacts_counted_on(value)) if value else qs
