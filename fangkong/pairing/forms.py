from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.forms import AreaChoiceField, StyledFormMixin
from fangkong.registry.forms.model_forms import ResidentImportForm

from .services import pairable_volunteers


class VolunteerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name}（{obj.area.name}）"


class PairingForm(StyledFormMixin, forms.Form):
    """新增包联: a party member, a grid, and the building or household number in it."""

    needs_user = True

    volunteer = VolunteerChoice(label=gettext_lazy("包联党员"), queryset=None)
    area = AreaChoiceField(label=gettext_lazy("网格"), queryset=Area.objects.none())
    building = forms.CharField(
        label=gettext_lazy("楼栋"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("只填楼栋：包联整栋楼的所有住户"),
    )
    household = forms.CharField(
        label=gettext_lazy("户编号"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("填户编号：只包联这一户"),
    )
    notes = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = pairable_volunteers(user)
        self.fields["area"].queryset = (
            Area.objects.visible_to(user).filter(level=AreaLevel.GRID).order_by("path")
        )
        if user.area is not None and user.area.level == AreaLevel.GRID:
            self.fields["area"].initial = user.area.pk


class PairingImportForm(ResidentImportForm):
    """批量导入包联: rows naming no grid belong to the chosen grid."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["area"].help_text = gettext_lazy(
            "未填写网格的行归入此区域；所有行的网格都必须在此区域内"
        )
