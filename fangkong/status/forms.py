"""Forms of the status pages, and two helpers the health and risk forms share: a local
date-time picker and the “which resident” field (fixed from a link, or an ID number typed)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.forms import IdNumberInput, StyledFormMixin
from fangkong.core.personal import index_value
from fangkong.core.validators import validate_id_number
from fangkong.registry.models import Resident

from .choices import Colour


class DateTimeInput(forms.DateTimeInput):
    """A native date-time picker; plain ``yyyy-mm-dd hh:mm`` text where there is none."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class ResidentFormMixin:
    """A ``resident`` chosen on the resident's page (passed in) or found by ID number.

    The lookup is the blind index inside the user's scope, so a number outside it reads
    as “not registered”, exactly like a number nobody registered.
    """

    def setup_resident(self, user, resident: Resident | None) -> None:
        self.user = user
        self.resident = resident
        if resident is None:
            self.fields["id_number"] = forms.CharField(
                label=gettext_lazy("身份证号"),
                max_length=32,
                widget=IdNumberInput(attrs={"class": "form-control"}),
            )
            self.order_fields(["id_number", *[f for f in self.fields if f != "id_number"]])

    def clean_id_number(self):
        raw = self.cleaned_data["id_number"]
        number, _birth, _gender = validate_id_number(raw)
        found = (
            Resident.objects.visible_to(self.user)
            .filter(id_number_index=index_value(number, kind="id_number", purpose="id"))
            .select_related("area")
            .first()
        )
        if found is None:
            raise ValidationError(_("您的管辖范围内没有登记该身份证号的居民"))
        self.resident = found
        return number


class OverrideRequestForm(ResidentFormMixin, StyledFormMixin, forms.Form):
    """申请人工调整: the colour, a written reason and when it expires."""

    colour = forms.ChoiceField(
        label=gettext_lazy("调整为"), choices=Colour.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=gettext_lazy("调整原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_at = forms.DateTimeField(label=gettext_lazy("有效至"), widget=DateTimeInput)

    def __init__(self, *args, user, resident=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_resident(user, resident)


class RejectForm(StyledFormMixin, forms.Form):
    note = forms.CharField(
        label=gettext_lazy("驳回说明"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerifyForm(StyledFormMixin, forms.Form):
    """核验个人码: the scanned link or the token typed in."""

    token = forms.CharField(
        label=gettext_lazy("个人码"),
        max_length=500,
        help_text=gettext_lazy("扫码得到的链接或码文均可"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )

    def clean_token(self) -> str:
        """A whole scanned URL (``…/status/code/<token>/``) or the bare token."""
        value = self.cleaned_data["token"].strip()
        marker = "/status/code/"
        if marker in value:
            value = value.split(marker, 1)[1].split("?", 1)[0].strip("/")
        return value
