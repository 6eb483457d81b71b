"""The reference: the same rows through django-import-export, as a Django developer would.

A ``ModelResource`` for ``Resident`` mapping the same Chinese columns. Rows are cleaned with
the project's own rules (``clean_identity``, ``validate_phone``, ``encode_tags``) in
``before_import_row`` and widgets, the grid is found by code with a ``ForeignKeyWidget``, and
the model's fields do the encrypting, blind-indexing and pinyin on save. Existing residents
are matched by the ID number's blind index (the encrypted column cannot be filtered), which is
what makes a re-import idempotent, as on the platform.

Two variants:

- ``default``: the library's defaults (one ``save()`` per row, diffs kept per row).
- ``bulk``: what its docs advise for large files: ``use_bulk=True`` (``bulk_create`` per
  1,000 rows), ``skip_diff=True``, and a ``CachedForeignKeyWidget`` for the grid.

It writes no audit entries (the platform writes one per row plus one per file).
"""

from __future__ import annotations

from pathlib import Path

import tablib
from django.utils import translation
from import_export import resources, widgets
from import_export.fields import Field

from fangkong.areas.models import Area
from fangkong.core.personal import index_value
from fangkong.core.validators import validate_phone
from fangkong.registry.choices import Gender, ResidentCategory
from fangkong.registry.models import Resident
from fangkong.registry.rules import clean_identity, encode_tags


class LabelChoiceWidget(widgets.Widget):
    """A choice column typed as its Chinese label (男, 流入) or its stored value."""

    def __init__(self, choices, default: str = ""):
        with translation.override("zh-hans"):
            self.by_label = {str(label): value for value, label in choices}
        self.values = set(self.by_label.values())
        self.default = default
        super().__init__()

    def clean(self, value, row=None, **kwargs):
        value = (value or "").strip()
        if not value:
            return self.default
        if value in self.values:
            return value
        if value in self.by_label:
            return self.by_label[value]
        raise ValueError(f"未知选项“{value}”")


class TagsWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return encode_tags(value or "")


def resident_resource(variant: str) -> type[resources.ModelResource]:
    if variant not in ("default", "bulk"):
        raise ValueError(variant)
    bulk = variant == "bulk"
    fk_widget = widgets.CachedForeignKeyWidget if bulk else widgets.ForeignKeyWidget

    class ResidentResource(resources.ModelResource):
        name = Field(attribute="name", column_name="姓名")
        gender = Field(
            attribute="gender", column_name="性别", widget=LabelChoiceWidget(Gender.choices)
        )
        id_number = Field(attribute="id_number", column_name="身份证号")
        birth_date = Field(
            attribute="birth_date", column_name="出生日期", widget=widgets.DateWidget("%Y-%m-%d")
        )
        phone = Field(attribute="phone", column_name="联系电话")
        address = Field(attribute="address", column_name="现住址")
        area = Field(attribute="area", column_name="网格", widget=fk_widget(Area, field="code"))
        category = Field(
            attribute="category",
            column_name="人员类别",
            widget=LabelChoiceWidget(ResidentCategory.choices, default=ResidentCategory.PERMANENT),
        )
        origin = Field(attribute="origin", column_name="来源地")
        arrival_date = Field(
            attribute="arrival_date", column_name="抵达日期", widget=widgets.DateWidget("%Y-%m-%d")
        )
        tags = Field(attribute="tags", column_name="标签", widget=TagsWidget())

        class Meta:
            model = Resident
            fields = (
                "name",
                "gender",
                "id_number",
                "birth_date",
                "phone",
                "address",
                "area",
                "category",
                "origin",
                "arrival_date",
                "tags",
            )
            import_id_fields = ("id_number",)
            use_bulk = bulk
            skip_diff = bulk
            batch_size = 1000

        def before_import_row(self, row, **kwargs):
            gender = self.fields["gender"].widget.clean(row.get("性别"))
            number, gender, birth = clean_identity(row.get("身份证号"), gender, None)
            row["身份证号"] = number
            row["性别"] = gender
            row["出生日期"] = birth.isoformat()
            row["联系电话"] = validate_phone(row.get("联系电话"))

        def get_instance(self, instance_loader, row):
            key = index_value(row["身份证号"], kind="id_number", purpose="id")
            return Resident.objects.filter(id_number_index=key).first()

    return ResidentResource


def load_dataset(path: Path) -> tablib.Dataset:
    return tablib.Dataset().load(path.read_text(encoding="utf-8-sig"), format="csv")


def run_reference(path: Path, variant: str) -> dict:
    resource = resident_resource(variant)()
    result = resource.import_data(load_dataset(path), dry_run=False)
    totals = {k.lower(): v for k, v in result.totals.items()}
    return {
        "variant": variant,
        "created": totals.get("new", 0),
        "updated": totals.get("update", 0),
        "invalid": len(result.invalid_rows),
        "errors": len(result.row_errors()) + len(result.base_errors),
    }
