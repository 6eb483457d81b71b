"""The API's filter backend: django-filter, but a malformed filter value is a 400.

django-filter quietly ignores ``?open=maybe`` or ``?ends_before=`` (no filter at all), so a
client's typo returns every row. Here a boolean must be true/false (or another spelling
``core.filtersets.yes_no`` knows, as the lists' forms) and a typed filter (date, number, id)
must not be empty; text filters stay lenient.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from fangkong.core.filtersets import bound_filter_form, yes_no


class StrictFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            bound_filter_form(filterset.form)
            errors = strict_errors(filterset.filters, request.query_params)
            if errors:
                raise ValidationError(errors)
        return filterset


def strict_errors(filters: dict, params) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, flt in filters.items():
        if name not in params or isinstance(flt, django_filters.CharFilter):
            continue
        for value in params.getlist(name):
            if isinstance(flt, django_filters.BooleanFilter):
                try:
                    yes_no(value)
                except ValueError:
                    errors[name] = [_("只能是 true 或 false")]
            elif value == "":
                errors[name] = [_("不能为空；不筛选时请去掉此参数")]
    return errors
