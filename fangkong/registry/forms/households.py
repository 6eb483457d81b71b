"""Forms for households and buildings. Rules live in ``registry.services``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.forms import AreaChoiceField, StyledFormMixin
from fangkong.core.personal import mask

from ..models import Building
from .model_forms import visible_grids


class BuildingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Building) -> str:
        return f"{obj.area.name} · {obj.name}"


class HouseholdForm(StyledFormMixin, forms.Form):
    """登记/编辑户. On edit, an empty address keeps the stored one."""

    needs_user = True

    area = AreaChoiceField(label=gettext_lazy("网格"), queryset=None, context_parents=True)
    number = forms.CharField(label=gettext_lazy("户编号"), max_length=64)
    building = BuildingChoiceField(label=gettext_lazy("楼栋"), queryset=None, required=False)
    address = forms.CharField(
        label=gettext_lazy("地址"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    notes = forms.CharField(
        label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None and not kwargs.get("data"):
            kwargs["initial"] = {
                "area": instance.area_id,
                "number": instance.number,
                "building": instance.building_id,
                "notes": instance.notes,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["area"].queryset = visible_grids(user)
        self.fields["building"].queryset = (
            Building.objects.visible_to(user).select_related("area").order_by("area__path", "name")
        )
        if instance is not None and instance.address:
            self.fields["address"].help_text = _("已登记：%(masked)s（留空则不修改）") % {
                "masked": mask("address", instance.address)
            }

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance is not None and not data.get("address"):
            data["address"] = self.instance.address
        return data


class BuildingForm(StyledFormMixin, forms.Form):
    """登记/编辑楼栋."""

    needs_user = True

    area = AreaChoiceField(label=gettext_lazy("网格"), queryset=None, context_parents=True)
    name = forms.CharField(label=gettext_lazy("楼栋名称"), max_length=100)
    notes = forms.CharField(
        label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None and not kwargs.get("data"):
            kwargs["initial"] = {
                "area": instance.area_id,
                "name": instance.name,
                "notes": instance.notes,
            }
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = visible_grids(user)
