"""Importing the supply catalogue a warehouse keeps in Excel (物资目录). Stock itself is never
imported: it only changes through the ledger services, one movement at a time."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.core.importing import Column, Importer, register
from fangkong.core.importing import parsers as p

from .choices import ItemCategory, Unit
from .models import Item


def parse_positive(value, ctx=None) -> Decimal:
    try:
        d = Decimal(p.cell_text(value).replace(",", ""))
    except InvalidOperation:
        raise ValidationError(_("请填写数字")) from None
    if not d.is_finite() or d <= 0 or d >= Decimal("1e9"):
        raise ValidationError(_("请填写大于 0 的数字"))
    return d


UNIT_ALIASES = {
    "公斤": Unit.KG,
    "kg": Unit.KG,
    "t": Unit.TONNE,
    "副": Unit.PAIR,
    "件": Unit.ITEM,
    "l": Unit.LITRE,
}


@register
class ItemImporter(Importer):
    """物资品目: one row per item, matched by its code."""

    key = "supplies.item"
    model = Item
    label = gettext_lazy("物资目录")
    permission = "supplies.add_item"
    natural_key = ("code",)
    key_column = "code"
    columns = (
        Column(
            "code",
            N_("编码"),
            ("物资编码", "品目编码", "编号"),
            p.text(32),
            required=True,
            example="KZ-001",
            as_text=True,
        ),
        Column(
            "name",
            N_("名称"),
            ("物资名称", "品名"),
            p.text(100),
            required=True,
            example="医用外科口罩",
        ),
        Column(
            "category", N_("类别"), ("物资类别", "分类"), p.choice(ItemCategory), example="防护用品"
        ),
        Column("spec", N_("规格"), ("规格型号", "型号"), p.text(100), example="50只/盒"),
        Column(
            "unit",
            N_("计量单位"),
            ("单位",),
            p.choice(Unit, extra=UNIT_ALIASES),
            required=True,
            example="只",
        ),
        Column(
            "alt_unit",
            N_("辅助单位"),
            ("第二单位",),
            p.choice(Unit, extra=UNIT_ALIASES),
            example="箱",
        ),
        Column(
            "alt_factor",
            N_("换算系数"),
            ("折合",),
            parse_positive,
            help=N_("1 个辅助单位折合多少计量单位"),
            example="2000",
        ),
        Column(
            "alert_days", N_("预警天数"), (), p.whole_number(1, 365, units=("天",)), example="3"
        ),
    )

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        fields = {
            "code": values["code"],
            "name": values["name"],
            "unit": values["unit"],
            "category": values.get("category", ItemCategory.OTHER),
            "spec": values.get("spec", ""),
            "alt_unit": values.get("alt_unit", ""),
            "alt_factor": values.get("alt_factor"),
        }
        if "alert_days" in values:
            fields["alert_days"] = values["alert_days"]
        return fields

    def check(self, fields: dict[str, Any], values: dict[str, Any]) -> None:
        if fields["alt_unit"]:
            if fields["alt_unit"] == fields["unit"]:
                raise ValidationError({"alt_unit": _("辅助单位须不同于计量单位")})
            if fields["alt_factor"] is None:
                raise ValidationError({"alt_factor": _("请填写大于 0 的换算系数")})
        else:
            fields["alt_factor"] = None

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        if (
            old["unit"] != fields["unit"]
            and Item.objects.get(code=fields["code"]).movements.exists()
        ):
            raise ValidationError({"unit": _("已有库存流水，不能更改计量单位")})

    def object_repr(self, fields: dict[str, Any]) -> str:
        return fields["name"]
