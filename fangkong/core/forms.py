"""Form helpers for the web UI: Bootstrap classes on widgets, so templates stay plain."""

from __future__ import annotations

from django import forms


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
