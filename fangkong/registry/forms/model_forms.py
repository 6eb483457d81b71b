"""Forms of the registry UI. Field rules live in ``registry.rules`` and the services."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.forms import (
    AreaChoiceField,
    DateInput,
    IdNumberInput,
    PhoneInput,
    StyledFormMixin,
    style_widget,
)
from fangkong.core.personal import mask

from ..choices import ResidentTag
from ..models import Household, Resident
from ..rules import clean_arrival_date, clean_identity, encode_tags

PERSONAL_FIELDS = ("id_number", "phone", "address")


class HouseholdChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Household) -> str:
        return obj.number


def visible_grids(user):
    return Area.objects.visible_to(user).filter(level=AreaLevel.GRID).order_by("path")


class ResidentForm(StyledFormMixin, forms.ModelForm):
    """登记/编辑居民. On edit, personal fields left empty keep their stored value."""

    needs_user = True

    area = AreaChoiceField(
        label=gettext_lazy("网格"), queryset=Area.objects.none(), context_parents=True
    )
    household = HouseholdChoiceField(
        label=gettext_lazy("户"), queryset=Household.objects.none(), required=False
    )
    id_number = forms.CharField(
        label=gettext_lazy("身份证号"), max_length=32, required=False, widget=IdNumberInput
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话"), max_length=32, required=False, widget=PhoneInput
    )
    address = forms.CharField(label=gettext_lazy("现住址"), max_length=200, required=False)
    tags = forms.MultipleChoiceField(
        label=gettext_lazy("标签"),
        choices=ResidentTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Resident
        fields = [
            "area",
            "household",
            "name",
            "gender",
            "birth_date",
            "category",
            "origin",
            "arrival_date",
            "notes",
        ]
        widgets = {
            "birth_date": DateInput,
            "arrival_date": DateInput,
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "gender": gettext_lazy("可留空，按身份证号自动识别"),
            "birth_date": gettext_lazy("可留空，按身份证号自动识别"),
        }

    field_order = [
        "area",
        "household",
        "name",
        "id_number",
        "gender",
        "birth_date",
        "phone",
        "address",
        "category",
        "origin",
        "arrival_date",
        "tags",
        "notes",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["area"].queryset = visible_grids(user)
        self.fields["area"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("registry:household_options"),
                "hx-target": "#id_household",
                "hx-trigger": "change",
                "hx-include": "this",
            }
        )
        area_id = self.data.get("area") if self.is_bound else self.initial.get("area")
        if self.instance.pk and not self.is_bound:
            area_id = self.instance.area_id
        area_id = getattr(area_id, "pk", area_id)
        try:
            area_id = int(area_id)
        except (TypeError, ValueError):
            area_id = None
        households = Household.objects.visible_to(user)
        self.fields["household"].queryset = (
            households.filter(area_id=area_id) if area_id else households.none()
        )
        if self.instance.pk:
            self.initial["tags"] = self.instance.tag_list
            for name in PERSONAL_FIELDS:
                stored = getattr(self.instance, name)
                field = self.fields[name]
                if stored:
                    field.help_text = _("已登记：%(masked)s（留空则不修改）") % {
                        "masked": mask(Resident._meta.get_field(name).kind, stored)
                    }
                self.initial[name] = ""
        else:
            self.fields["id_number"].required = True
        for name in PERSONAL_FIELDS:
            self.fields[name].widget.attrs["autocomplete"] = "off"
            style_widget(self.fields[name].widget)

    def clean(self):
        data = super().clean()
        id_number = data.get("id_number") or (self.instance.id_number if self.instance.pk else "")
        if id_number and not self.has_error("id_number"):
            try:
                number, gender, birth = clean_identity(
                    id_number, data.get("gender"), data.get("birth_date")
                )
            except ValidationError as e:
                for field, messages in e.message_dict.items():
                    self.add_error(field if field in self.fields else None, messages)
            else:
                if data.get("id_number"):
                    data["id_number"] = number
                data["gender"], data["birth_date"] = gender, birth
        if not self.has_error("arrival_date"):
            try:
                clean_arrival_date(
                    data.get("arrival_date"), data.get("birth_date"), timezone.localdate()
                )
            except ValidationError as e:
                self.add_error("arrival_date", e.message_dict["arrival_date"])
        try:
            data["tags"] = encode_tags(data.get("tags") or [])
        except ValidationError as e:
            self.add_error("tags", e.message_dict.get("tags", e.messages))
        return data

    def service_data(self) -> dict:
        """What the create/update service receives; empty personal fields mean "unchanged"."""
        data = dict(self.cleaned_data)
        if self.instance.pk:
            for name in PERSONAL_FIELDS:
                if not data.get(name):
                    data.pop(name, None)
        return data


ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")


class ResidentImportForm(StyledFormMixin, forms.Form):
    """批量导入居民: the file, the area its rows belong to, and how to treat bad rows."""

    file = forms.FileField(
        label=gettext_lazy("文件"),
        help_text=gettext_lazy("支持 .xlsx、.xls、.csv（UTF-8 或 GBK 编码）"),
    )
    area = AreaChoiceField(
        label=gettext_lazy("导入到区域"),
        queryset=Area.objects.none(),
        help_text=gettext_lazy(
            "未填写网格的行归入此区域（须为网格）；所有行的网格都必须在此区域内"
        ),
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("跳过有错误的行，只导入正确的行"), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user).order_by("path")
        # Most files are the user's own area's (a grid worker's grid): chosen to start with,
        # not a blank in a list of a city's areas.
        self.fields["area"].initial = getattr(user, "area_id", None)
        self.fields["file"].widget.attrs["accept"] = ",".join(ALLOWED_SUFFIXES)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in ALLOWED_SUFFIXES:
            raise ValidationError(_("只能导入 .xlsx、.xls 或 .csv 文件"))
        if upload.size > settings.FANGKONG_MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("文件太大（上限 %(mb)s MB）")
                % {"mb": settings.FANGKONG_MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload
