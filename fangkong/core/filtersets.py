"""Filters every app's FilterSets share."""

import django_filters
from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django_filters.conf import settings as filter_settings
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
        # A row's kept copy of its resident's area (``core.kept_area``) where it has one:
        # the same area in SQL, without joining the residents — through the join SQLite
        # probed every area of a city's subtree once per row (1–2 s for a city's quarantines).
        model = qs.model
        field = getattr(model, "count_scope_field", None) or model.scope_field
        return qs.filter(**{f"{field}__in": subtree_ids(value)})


class AnyYesNoSelect(forms.NullBooleanSelect):
    """全部 / 是 / 否 for a yes-or-no filter. Django's own select calls its blank choice
    未知 ("unknown"), which reads as a value to filter by rather than "no filter"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [
            ("", filter_settings.EMPTY_CHOICE_LABEL),
            ("true", _("是")),
            ("false", _("否")),
        ]

    def format_value(self, value):
        # A list, as ``Select`` compares options to (Django's returns one string, in which
        # the blank choice "" would always be found).
        shown = super().format_value(value)
        return ["" if shown == "unknown" else shown]


class YesNoFilter(django_filters.BooleanFilter):
    """Every yes-or-no filter of the lists (``AnyYesNoSelect``); the API takes ``true`` or
    ``false`` as before."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AnyYesNoSelect)
        super().__init__(*args, **kwargs)
