"""Columns of the price lists; the same definitions drive the HTML tables and the exports."""

from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns


class MarketTable(Table):
    detail_url_name = "prices:report"
    link_permission = "prices.add_pricereport"
    columns = (
        Column("name", _("名称"), link=True),
        Column("kind", _("类型"), choices=True),
        *area_columns("area", _("所属区域")),
        Column("address", _("地址")),
        Column("active", _("启用")),
    )


class CommodityTable(Table):
    detail_url_name = "prices:commodity_edit"
    link_permission = "prices.change_commodity"
    columns = (
        Column("name", _("品名"), link=True),
        Column("category", _("类别"), choices=True),
        Column("price_unit", _("价格单位")),
        Column("stock_unit", _("库存单位")),
        Column("alert_percent", _("涨价预警阈值(%)")),
        Column("baseline_days", _("基准天数")),
        Column("active", _("启用")),
    )


class PriceLineTable(Table):
    columns = (
        Column("date", _("日期")),
        Column("market", _("市场"), accessor="market.name"),
        *area_columns("area", _("所属区域"), "market.area"),
        Column("commodity", _("品名"), accessor="commodity.name"),
        Column("price", _("价格")),
        Column("price_unit", _("价格单位"), accessor="commodity.price_unit"),
        Column("stock", _("库存")),
        Column("stock_unit", _("库存单位"), accessor="commodity.stock_unit"),
    )


class TrendTable(Table):
    columns = (
        Column("date", _("日期")),
        Column("average", _("均价")),
        Column("low", _("最低价")),
        Column("high", _("最高价")),
        Column("markets", _("填报市场数")),
    )


class PriceAlertTable(Table):
    columns = (
        Column("date", _("日期")),
        Column("market", _("市场"), accessor="market.name"),
        Column("area", _("所属区域"), accessor="area_name"),
        Column("commodity", _("品名"), accessor="commodity.name"),
        Column("price", _("价格")),
        Column("baseline", _("基准价(中位数)")),
        Column("rise_percent", _("涨幅(%)")),
    )
