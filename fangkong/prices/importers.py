"""Importing the list of markets and supermarkets a commerce bureau keeps in Excel (市场名单)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.areas.choices import AreaLevel
from fangkong.core.importing import Column, Importer, register
from fangkong.core.importing import parsers as p

from .choices import MarketKind
from .models import Market


@register
class MarketImporter(Importer):
    """市场/超市: one row per place; the same name in the same area updates it."""

    key = "prices.market"
    model = Market
    label = gettext_lazy("市场名单")
    permission = "prices.add_market"
    natural_key = ("area", "name")
    key_column = "name"
    columns = (
        Column(
            "name",
            N_("名称"),
            ("市场名称", "超市名称", "门店名称", "单位名称"),
            p.text(100),
            required=True,
            example="吉靓轩超市中环天地店",
        ),
        Column(
            "kind",
            N_("类型"),
            ("市场类型", "业态"),
            p.choice(
                MarketKind,
                extra={
                    "菜市场": MarketKind.FARMERS_MARKET,
                    "农贸": MarketKind.FARMERS_MARKET,
                    "商超": MarketKind.SUPERMARKET,
                    "门店": MarketKind.STORE,
                    "便利店": MarketKind.STORE,
                },
            ),
            required=True,
            help=N_("农贸市场、超市或便利店/门店"),
            example="超市",
        ),
        Column(
            "area",
            N_("所属区域"),
            ("所在社区", "所属社区", "所属街道", "区域", "网格"),
            p.area_lookup((AreaLevel.STREET, AreaLevel.COMMUNITY, AreaLevel.GRID)),
            help=N_("街道、社区或网格的名称或代码；不填则归入导入时选择的区域"),
            example="老街社区",
        ),
        Column(
            "address",
            N_("地址"),
            ("详细地址", "经营地址"),
            p.text(200),
            example="仁和区中环路 1 号",
        ),
    )

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        if "name" not in values:
            return None
        return {"area": values.get("area", self.ctx.area.pk), "name": values["name"]}

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "area": values.get("area", self.ctx.area.pk),
            "name": values["name"],
            "kind": values["kind"],
            "address": values.get("address", ""),
        }

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("prices:market_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        return fields["name"]
