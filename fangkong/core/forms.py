"""Form helpers for the web UI: Bootstrap classes on widgets, so templates stay plain."""

from __future__ import annotations

from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


def style_widget(widget: forms.Widget) -> None:
    if isinstance(widget, forms.HiddenInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
        return
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    existing = widget.attrs.get("class", "")
    if css not in existing.split():
        widget.attrs["class"] = f"{existing} {css}".strip()


def style_form(form: forms.BaseForm) -> forms.BaseForm:
    for field in form.fields.values():
        style_widget(field.widget)
    return form


class StyledFormMixin:
    """Adds Bootstrap classes to every widget of a form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class DateInput(forms.DateInput):
    """A native date picker where the browser has one; plain yyyy-mm-dd text elsewhere."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class IdNumberInput(forms.TextInput):
    """An ID number typed on a phone: the letter keyboard, because one number in eleven ends
    in X and a numeric keypad has no X; capitals, and no autocorrect or autofill."""

    def __init__(self, attrs=None):
        base = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        super().__init__(attrs=base | (attrs or {}))


class PhoneInput(forms.TextInput):
    """A phone number: the phone's dial pad."""

    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "tel", "autocomplete": "off"} | (attrs or {}))


INDENT = "\u3000"  # a full-width space per level: the tree reads in a phone's native picker


class AreaSelect(forms.Select):
    """The drop-down of an area field: the areas in tree order, each indented by its level
    under the highest one shown, so that the many 第一网格 read under their communities.
    Written as one string from the areas' id, name and depth: Django's template per option
    (and a model instance per area) took ~90 ms of every city-level list page for its
    1,126 areas.

    ``context_parents``: a field that offers only some levels (grids only, communities
    only) also shows each offered area's parent, when that is not offered itself, as a
    greyed-out heading (``disabled``: it cannot be chosen, and the field's queryset
    refuses it if sent anyway), so the twenty 第一网格 of a street stay apart."""

    context_parents = False

    def __init__(self, attrs=None, choices=(), *, context_parents: bool | None = None):
        super().__init__(attrs, choices)
        if context_parents is not None:
            self.context_parents = context_parents

    def render(self, name, value, attrs=None, renderer=None):
        choices = self.choices
        queryset = getattr(choices, "queryset", None)
        if queryset is None:  # plain choices given: Django's own rendering
            return super().render(name, value, attrs, renderer)
        field = choices.field
        selected = set(self.format_value(value))
        options = []
        if field.empty_label is not None:
            options.append(("", field.empty_label, 0, False))
        null_label = getattr(field, "null_label", None)  # django-filter's "none" choice
        if null_label is not None:
            options.append((str(field.null_value), null_label, 0, False))
        rows = self.render_rows(queryset)
        top = min((depth for _path, _pk, _name, depth, _off in rows), default=0)
        options += [(str(pk), label, depth - top, off) for _path, pk, label, depth, off in rows]
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        parts = [format_html('<select name="{}"{}>', name, flatatt(final))]
        # Plain string building: format_html per option cost more than the rest of the page.
        parts += [
            f'<option value="{escape(key)}"'
            f"{' disabled' if off else ' selected' if key in selected else ''}>"
            f"{INDENT * indent}{escape(str(label))}</option>"
            for key, label, indent, off in options
        ]
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value escaped above

    def render_rows(self, queryset) -> list[tuple]:
        """(path, pk, name, depth, disabled) of every option after the empty ones: the
        offered areas and, with ``context_parents``, their parents that are not offered."""
        offered = list(queryset.order_by().values_list("pk", "name", "depth", "path", "parent"))
        rows = [(path, pk, name, depth, False) for pk, name, depth, path, _p in offered]
        if self.context_parents:
            pks = {pk for pk, *_rest in offered}
            missing = {parent for *_rest, parent in offered if parent and parent not in pks}
            if missing:
                parents = queryset.model.objects.filter(pk__in=missing).values_list(
                    "pk", "name", "depth", "path"
                )
                rows += [(path, pk, name, depth, True) for pk, name, depth, path in parents]
        rows.sort()
        return rows


class AreaSelectMultiple(AreaSelect, forms.SelectMultiple):
    """``AreaSelect`` where several areas may be chosen (a notice's 接收单位)."""


class AreaChoiceField(forms.ModelChoiceField):
    """A choice of area (``AreaSelect``); its label outside the drop-down is the name.
    ``context_parents=True`` for a field that offers only some levels (see ``AreaSelect``)."""

    widget = AreaSelect

    def __init__(self, queryset, *, context_parents: bool = False, **kwargs):
        kwargs.setdefault("widget", AreaSelect(context_parents=context_parents))
        super().__init__(queryset, **kwargs)
