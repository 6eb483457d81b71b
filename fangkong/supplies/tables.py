"""Columns of the supplies lists; the same definitions drive the HTML tables and the exports."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns

FEN = Decimal("0.01")


# Quantities and amounts stay numbers, so an export's cells add up in Excel (text that looks
# like a number does not); a page shows them as written here (``Cell.text``).


def _qty(value: Decimal | None) -> Decimal | None:
    """A quantity without trailing zeros (500, not 500.0000)."""
    return None if value is None else value.normalize()


def _rate(value: Decimal) -> Decimal:
    """A daily rate to the hundredth (11.14, not 11.142857…); a small non-zero rate keeps
    the ledger's four places rather than reading 0."""
    rounded = value.quantize(FEN)
    return _qty(rounded if rounded or not value else value.quantize(Decimal("0.0001")))


def _money(value: Decimal | None) -> Decimal | None:
    """An amount in yuan to the fen (1680000.00)."""
    return None if value is None else value.quantize(FEN)


def _movement_qty(row) -> Decimal | None:
    return _qty(row.quantity)


def _entered(row) -> str:
    # A unit no longer offered shows as stored rather than failing the whole list.
    return f"{_qty(row.entered_quantity):f} {row.get_entered_unit_display()}"


def _request_qty(row) -> str:
    return f"{_qty(row.quantity):f} {row.item.get_unit_display()}"


def _approved_qty(row) -> Decimal | None:
    return _qty(row.approved_quantity)


class ItemTable(Table):
    detail_url_name = "supplies:item_edit"
    link_permission = "supplies.change_item"
    columns = (
        Column("code", _("编码"), link=True),
        Column("name", _("名称"), link=True),
        Column("category", _("类别"), choices=True),
        Column("spec", _("规格")),
        Column("unit", _("计量单位"), choices=True),
        Column("alt_unit", _("辅助单位"), choices=True),
        Column("alt_factor", _("换算系数"), render=lambda r: _qty(r.alt_factor)),
        Column("alert_days", _("预警天数")),
        Column("active", _("启用")),
    )


class WarehouseTable(Table):
    detail_url_name = "supplies:warehouse_detail"
    columns = (
        Column("name", _("名称"), link=True),
        Column("kind", _("类型"), choices=True),
        *area_columns("area", _("所属区域")),
        Column("address", _("地址")),
        Column("keeper", _("负责人")),
        Column("active", _("启用")),
    )


class MovementTable(Table):
    columns = (
        Column("occurred_at", _("发生时间")),
        Column("warehouse", _("库点"), accessor="warehouse.name"),
        Column("item", _("物资"), accessor="item.name"),
        Column("kind", _("类型"), choices=True),
        Column("quantity", _("数量(计量单位)"), render=_movement_qty),
        Column("entered", _("填报数量"), render=_entered),
        Column("lot", _("批次"), accessor="lot_id"),
        Column("document", _("入库单号"), accessor="lot.document"),
        Column("counterpart", _("对方库点"), accessor="counterpart.name"),
        Column("recipient", _("领用单位/人")),
        Column("reason", _("事由")),
        Column("created_by", _("经办人"), accessor="created_by.display_name"),
    )


class StockTable(Table):
    columns = (
        Column("warehouse", _("库点"), accessor="warehouse.name"),
        *area_columns("area", _("所属区域"), "warehouse.area"),
        Column("item", _("物资"), accessor="item.name"),
        Column("quantity", _("库存"), render=lambda r: _qty(r.quantity)),
        Column("unit", _("单位"), accessor="unit_label"),
        Column("daily", _("日均消耗"), render=lambda r: _rate(r.daily_outflow)),
        Column("cover", _("可用天数"), render=lambda r: _qty(r.days_of_cover)),
        Column("low", _("低库存预警"), accessor="low"),
    )


def _donated_goods(row) -> str:
    """What a goods donation brought, item by item in its unit (the lots it opened)."""
    return "；".join(
        f"{lot.item.name} {_qty(lot.quantity):f} {lot.item.get_unit_display()}"
        for lot in row.lots.all()
    )


class DonationTable(Table):
    detail_url_name = "supplies:donation_detail"
    columns = (
        Column("date", _("捐赠日期"), link=True),
        Column("donor_name", _("捐赠方"), link=True),
        Column("donor_kind", _("捐赠方类型"), choices=True),
        Column("donor_contact", _("联系电话"), personal="phone"),
        Column("kind", _("捐赠类型"), choices=True),
        Column("amount", _("金额(元)")),
        Column("goods", _("捐赠物品"), render=_donated_goods),
        Column("channel", _("捐赠渠道")),
        Column("intended_use", _("指定用途")),
        *area_columns("area", _("受赠区域")),
        Column("receipt_code", _("收据编号")),
        Column("void_reason", _("撤销原因")),
    )


class SupplyRequestTable(Table):
    detail_url_name = "supplies:request_detail"
    columns = (
        Column("created_at", _("申领时间"), link=True),
        Column("unit", _("申领单位"), accessor="unit.name", link=True),
        Column("unit_kind", _("单位类型"), accessor="unit.kind", choices=True),
        Column("item", _("物资"), accessor="item.name"),
        Column("quantity", _("申领数量"), render=_request_qty),
        Column("urgency", _("紧急程度"), choices=True),
        Column("state", _("状态"), choices=True),
        Column("approved_quantity", _("批准数量"), render=_approved_qty),
    )


class AllocationTable(Table):
    columns = (
        Column("dispatched_at", _("发出时间")),
        Column("rank", _("分配顺位")),
        Column("source", _("发出库点"), accessor="source.name"),
        Column("unit", _("申领单位"), accessor="request.unit.name"),
        Column("item", _("物资"), accessor="request.item.name"),
        Column("quantity", _("发放数量"), render=lambda r: _qty(r.quantity)),
        Column("state", _("状态"), choices=True),
        Column("received_at", _("签收时间")),
        Column("received_by", _("签收人"), accessor="received_by.display_name"),
    )


class FundTable(Table):
    detail_url_name = "supplies:fund_detail"
    columns = (
        Column("name", _("名称"), link=True),
        Column("kind", _("资金类型"), choices=True),
        *area_columns("area", _("管理区域")),
        Column("income", _("拨入/收入"), render=lambda r: _money(r.income)),
        Column("allocated", _("下拨"), render=lambda r: _money(-r.allocated)),
        Column("spent", _("支出"), render=lambda r: _money(-r.spent)),
        Column("balance", _("余额"), render=lambda r: _money(r.balance)),
    )


class FundEntryTable(Table):
    columns = (
        Column("date", _("日期")),
        Column("fund", _("资金"), accessor="fund.name"),
        Column("kind", _("类型"), choices=True),
        Column("amount", _("金额(元)")),
        Column("counterpart", _("来源/去向单位")),
        Column("purpose", _("用途/说明")),
    )
