"""The API's filter backend: django-filter, but a malformed filter value is a 400.

django-filter quietly ignores ``?open=maybe`` or ``?ends_before=`` (no filter at all), so a
client's typo returns every row. Here a boolean must be true/false (or another spelling
``core.filtersets.yes_no`` knows, as the lists' forms) and a typed filter (date, number, id)
must not be empty; text filters stay lenient. A filter given twice is refused (django-filter
took the last value).

``StrictOrderingFilter`` is every list's ``ordering`` parameter, held to the same rule.
"""

from __future__ import annotations

from functools import cache

import django_filters
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

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
        if name not in params:
            continue
        values = params.getlist(name)
        multiple = isinstance(
            flt, django_filters.MultipleChoiceFilter | django_filters.ModelMultipleChoiceFilter
        )
        if len(values) > 1 and not multiple:
            # django-filter reads the last and ignores the rest: a client that meant "any
            # of them" would get one of them, silently.
            errors[name] = [_("只能给一个值")]
            continue
        if isinstance(flt, django_filters.CharFilter):
            continue
        for value in values:
            if isinstance(flt, django_filters.BooleanFilter):
                try:
                    yes_no(value)
                except ValueError:
                    errors[name] = [_("只能是 true 或 false")]
            elif value == "":
                errors[name] = [_("不能为空；不筛选时请去掉此参数")]
    return errors


class StrictOrderingFilter(OrderingFilter):
    """``?ordering=-id`` on every list: the fields the database orders fast (the
    id, indexed and unique columns, the leading column of an index, the model's own order),
    never a personal field. A viewset may name its own ``ordering_fields``. An unknown field
    is a 400 naming the ones allowed (DRF ignores it and answers in another order). The id
    ends every order, so pages never overlap or skip a row; without the parameter the list
    keeps its own order."""

    ordering_description = gettext_lazy(
        "排序字段，逗号分隔，前加“-”为倒序（例如 -id）；不传则按列表的默认顺序。可用字段"
    )

    def filter_queryset(self, request, queryset, view):
        if not request.query_params.get(self.ordering_param, "").strip():
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param, "").strip()
        if not raw:  # the list's own order (the browsable API asks for it to draw its menu)
            return []
        allowed = allowed_ordering(view, queryset.model)
        terms = [t.strip() for t in raw.split(",")]
        unknown = [t for t in terms if t.lstrip("-") not in allowed]
        if unknown or not all(terms):
            raise ValidationError(
                {
                    self.ordering_param: [
                        _("不能按“%(fields)s”排序；可用字段：%(allowed)s")
                        % {"fields": ", ".join(unknown), "allowed": ", ".join(allowed)}
                    ]
                }
            )
        # A relation orders by its id, not by the related model's own order (a join).
        ordering = [("-" if t.startswith("-") else "") + allowed[t.lstrip("-")] for t in terms]
        if not {"pk", "-pk"} & set(ordering):
            ordering.append("-pk" if ordering[0].startswith("-") else "pk")
        return ordering

    def get_schema_operation_parameters(self, view):
        model = getattr(view, "model", None) or view.get_serializer_class().Meta.model
        names = ", ".join(allowed_ordering(view, model))
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"{self.ordering_description}：{names}",
                "schema": {"type": "string"},
            }
        ]


def allowed_ordering(view, model) -> dict[str, str]:
    """The ``ordering`` names a list takes → what the queryset is ordered by: the fields its
    rows show (not a search key or blind index behind them) that the database orders fast."""
    declared = getattr(view, "ordering_fields", None)
    if declared is not None:
        return {name: name for name in declared}
    return _fast_order_fields(model, _shown(view.get_serializer_class()))


@cache
def _shown(serializer_class) -> tuple[tuple[str, str], ...]:
    """(name in the rows, model field behind it) of each field a list's rows show."""
    fields = serializer_class(context={}).fields.items()
    return tuple((name, f.source) for name, f in fields if not f.write_only and f.source != "*")


@cache
def _fast_order_fields(model, shown: tuple[tuple[str, str], ...]) -> dict[str, str]:
    from django.core.exceptions import FieldDoesNotExist

    from fangkong.core.personal import EncryptedTextField

    meta = model._meta
    leading = {
        name.lstrip("-")
        for name in [
            *(index.fields[0] for index in meta.indexes if index.fields),
            *(together[0] for together in meta.unique_together),
            *(o for o in meta.ordering if isinstance(o, str)),
        ]
    }
    names = {}
    for name, source in shown:
        try:
            field = meta.get_field(source)
        except FieldDoesNotExist:
            continue  # a path through a relation, or a computed value
        if not field.concrete or isinstance(field, (EncryptedTextField, models.JSONField)):
            continue
        if field.primary_key:
            names[name] = "pk"
        elif field.unique or field.db_index or {field.name, field.attname} & leading:
            names[name] = field.attname
    return names
