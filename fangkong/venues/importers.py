"""Importing the venue and checkpoint list a street or a market bureau keeps in Excel (场所名单).

Each new venue gets its own random scan code (场所码); a re-import updates a venue found by
its name in its area and never changes its code, so printed posters stay valid.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.areas.choices import AreaLevel
from fangkong.core.importing import Column, Importer, register
from fangkong.core.importing import parsers as p
from fangkong.volunteers.importers import parse_yes_no

from .choices import VenueKind
from .models import Venue

KIND_ALIASES = {
    "菜市场": VenueKind.MARKET,
    "农贸": VenueKind.MARKET,
    "超市": VenueKind.SUPERMARKET,
    "商场": VenueKind.SUPERMARKET,
    "办公": VenueKind.OFFICE,
    "机关": VenueKind.OFFICE,
    "小区": VenueKind.COMPOUND,
    "卡点": VenueKind.CHECKPOINT,
    "检查站": VenueKind.CHECKPOINT,
    "其他": VenueKind.OTHER,
}


# How the list's export (``tables.capacity_text``) and people write "no limit".
NO_LIMIT = {"不限", "不限流", "无", "无限制"}


@register
class VenueImporter(Importer):
    """场所/卡点: one row per place; the same name in the same area updates it."""

    key = "venues.venue"
    model = Venue
    label = gettext_lazy("场所名单")
    permission = "venues.add_venue"
    natural_key = ("area", "name")
    key_column = "name"
    columns = (
        Column(
            "name",
            N_("场所名称"),
            ("名称", "卡点名称", "单位名称", "场所"),
            p.text(100),
            required=True,
            example="老街农贸市场",
        ),
        Column(
            "kind",
            N_("场所类型"),
            ("类型", "类别"),
            p.choice(VenueKind, extra=KIND_ALIASES),
            required=True,
            help=N_("农贸市场、商超、办公场所、居民小区、道路卡点或其他场所"),
            example="农贸市场",
        ),
        Column(
            "area",
            N_("所属区域"),
            ("所在社区", "所属社区", "所属街道", "区域", "网格"),
            p.area_lookup((AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID)),
            help=N_("街道、社区或网格的名称或代码；不填则归入导入时选择的区域"),
            example="老街社区",
        ),
        Column("address", N_("场所地址"), ("地址", "详细地址"), p.text(200), example="老街 8 号"),
        Column(
            "capacity",
            N_("限流人数"),
            ("最大容纳人数", "限流"),
            p.whole_number(1, 1_000_000, none_words=NO_LIMIT),
            help=N_("同时在场的最多人数；不填或填“不限”表示不限流"),
            example="200",
        ),
        Column("measures_temperature", N_("测温"), ("是否测温",), parse_yes_no, example="是"),
        Column(
            "nat_hours",
            N_("核酸查验时限（小时）"),
            ("核酸查验时限", "核酸时限"),
            p.whole_number(1, 24 * 14),
            help=N_("要求该时限内的核酸阴性结果，如 48；不填表示不作准入条件"),
            example="48",
        ),
        Column("active", N_("启用"), ("是否启用",), parse_yes_no, example="是"),
        Column("notes", N_("备注"), (), p.text(1000)),
    )

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        if "name" not in values:
            return None
        return {"area": values.get("area", self.ctx.area.pk), "name": values["name"]}

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        fields = {
            "area": values.get("area", self.ctx.area.pk),
            "name": values["name"],
            "kind": values["kind"],
        }
        for key in ("address", "notes", "capacity", "nat_hours", "measures_temperature", "active"):
            if key in values:
                fields[key] = values[key]
        return fields

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("venues:venue_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        return fields["name"]
