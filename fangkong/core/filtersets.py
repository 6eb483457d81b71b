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


# The spellings of yes and no a link, a bookmark or an API client may use (``overdue=yes``
# was ignored, listing every row): one rule for the lists' forms and the API.
YES = frozenset({"true", "1", "yes", "y", "on", "是"})
NO = frozenset({"false", "0", "no", "n", "off", "否"})


def yes_no(value) -> bool | None:
    """True or False for a spelling of yes or no, None when blank; ValueError otherwise."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("", "unknown"):  # "unknown": the blank choice of Django's own select
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(value)


class YesNoField(forms.NullBooleanField):
    """A yes-or-no filter's field: a spelling it does not know is an error on the field
    (like an unknown choice), never a silent "no filter"."""

    def to_python(self, value):
        try:
            return yes_no(value)
        except ValueError:
            raise forms.ValidationError(_("请选择“是”或“否”"), code="invalid") from None


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
        try:
            parsed = yes_no(value)
        except ValueError:
            parsed = None
        return ["" if parsed is None else str(parsed).lower()]

    def value_from_datadict(self, data, files, name):
        # As typed: the field tells a known spelling from a mistake (Django's select turns
        # both "yes" and "maybe" into "no filter").
        return data.get(name)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """A row's id (``field_name="case_id"``): a whole number, so 1.5 is an error rather than
    a list that quietly matches nothing."""

    field_class = forms.IntegerField


class YesNoFilter(django_filters.BooleanFilter):
    """Every yes-or-no filter of the lists (``AnyYesNoSelect``) and of the API: ``true`` /
    ``false`` and the other spellings of ``yes_no``; anything else is an error."""

    field_class = YesNoField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AnyYesNoSelect)
        super().__init__(*args, **kwargs)


# What a filter value may be before it reaches the database: SQLite's integers are 64-bit,
# and a date filter's day before or after (``date.min``/``date.max`` ± 1) overflows.
FILTER_YEARS = (1900, 2100)
_MAX_INTEGER = 2**63 - 1


def plausible_year(value) -> None:
    if value is not None and not FILTER_YEARS[0] <= value.year <= FILTER_YEARS[1]:
        raise forms.ValidationError(
            _("日期应在 %(a)d 至 %(b)d 年之间") % {"a": FILTER_YEARS[0], "b": FILTER_YEARS[1]},
            code="year",
        )


def _storable_number(value) -> None:
    if value is not None and abs(value) > _MAX_INTEGER:
        raise forms.ValidationError(_("数值过大"), code="too_large")


def bound_filter_form(form: forms.BaseForm) -> forms.BaseForm:
    """A filter form whose dates and numbers the database can take: out of range is the
    field's error (a 400 from the API, a message on a list) rather than a server error."""

    def bound(field: forms.Field) -> None:
        if isinstance(field, forms.MultiValueField):
            for part in field.fields:
                bound(part)
        elif isinstance(field, forms.DateField | forms.DateTimeField):
            field.validators.append(plausible_year)
        elif isinstance(field, forms.IntegerField | forms.DecimalField):
            field.validators.append(_storable_number)

    for field in form.fields.values():
        bound(field)
    return form
