"""Filters every app's FilterSets share."""

import django_filters
from django.apps import apps
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .forms import AreaSelect
from .scoping import subtree_ids


def visible_areas(request):
    """Choices of an area filter: only the areas the requesting user can see."""
    Area = apps.get_model("areas", "Area")
    if request is None:
        return Area.objects.none()
    return Area.objects.visible_to(request.user)


@extend_schema_field(OpenApiTypes.INT)  # an area id, for the API schema
class AreaSubtreeFilter(django_filters.ModelChoiceFilter):
    """Rows in the chosen area or anywhere below it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", visible_areas)
        kwargs.setdefault("widget", AreaSelect)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{qs.model.scope_field}__in": subtree_ids(value)})
