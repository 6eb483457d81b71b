"""Importing what a warehouse keeps in Excel: the supply catalogue (物资目录) and delivery
notes (入库单). Stock is never imported as a figure: a note's lines are received as lots whose
"in" rows the ledger services write, as the 入库 form's are."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.core.importing import Column, Importer, PendingRow, register
from fangkong.core.importing import parsers as p

from . import services
from .choices import ItemCategory, LotSource, Unit
from .models import Item, Lot, Warehouse
from .rules import QUANTUM


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

    def prepare_batch(self, rows: list[PendingRow]) -> None:
        """A name is one item's (as the form's 名称已存在): refuse a name another code has,
        in the catalogue or on an earlier row, which the unique index would otherwise refuse
        for the whole file."""
        names: dict[str, tuple[str, int]] = self.ctx.cache.setdefault("item_names", {})
        held = dict(
            Item.objects.filter(name__in={r.fields["name"] for r in rows}).values_list(
                "name", "code"
            )
        )
        for r in rows:
            name, code = r.fields["name"], r.fields["code"]
            if held.get(name, code) != code:
                r.reject(
                    "name", _("物资目录中已有同名品目（编码 %(code)s）") % {"code": held[name]}
                )
            elif (earlier := names.setdefault(name, (code, r.row)))[0] != code:
                r.reject(
                    "name",
                    _("与第 %(n)d 行名称相同而编码不同：一个名称只能对应一个编码")
                    % {"n": earlier[1]},
                )

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        if (
            old["unit"] != fields["unit"]
            and Item.objects.get(code=fields["code"]).movements.exists()
        ):
            raise ValidationError({"unit": _("已有库存流水，不能更改计量单位")})

    def object_repr(self, fields: dict[str, Any]) -> str:
        return fields["name"]


WAREHOUSE_NOT_FOUND = N_("未找到该库点（本区域内）")
# Sources a delivery note may name: a donation is registered with its donor and receipt
# (捐赠登记), a surplus found on the shelf is a count (盘点调整).
REFUSED_SOURCES = {
    LotSource.DONATION: N_("捐赠物资请通过“捐赠登记”录入，以便登记捐赠方、出具收据"),
    LotSource.ADJUSTMENT: N_("盘盈请通过“盘点调整”登记"),
}


@register
class ReceiptImporter(Importer):
    """入库单: one row per line of a delivery note, received as a lot and its "in" row.

    A line is identified by warehouse, note number and item (``Lot.document`` and the
    constraint on it): importing the note again receives nothing twice, and a line whose
    quantity changed since is refused, as received stock is corrected by a count.
    """

    key = "supplies.receipt"
    model = Lot
    label = gettext_lazy("入库单")
    permission = "supplies.add_movement"
    natural_key = ("document", "warehouse", "item")
    # An item twice on one note is the row the duplicate message names.
    key_column = "item"
    columns = (
        Column(
            "document",
            N_("入库单号"),
            ("单据号", "单号", "入库单编号", "单据编号", "入库单据号"),
            p.text(50),
            required=True,
            example="RK20200214001",
            as_text=True,
        ),
        Column(
            "received_at",
            N_("入库日期"),
            ("入库时间", "到货日期", "收货日期", "日期"),
            p.parse_datetime,
            required=True,
            help=N_("如 2020-02-14 或 2020-02-14 10:30，不能晚于当前时间"),
            example="2020-02-14",
        ),
        Column(
            "warehouse",
            N_("库点"),
            ("库点名称", "入库库点", "收货库点", "仓库", "仓库名称"),
            p.text(100),
            required=True,
            help=N_("本区域内库点的名称"),
            example="市应急物资仓库",
        ),
        Column(
            "item",
            N_("物资编码"),
            ("编码", "品目编码", "物资代码"),
            p.text(32),
            required=True,
            help=N_("物资目录中启用的品目编码"),
            example="KZ-001",
            as_text=True,
        ),
        Column(
            "quantity",
            N_("数量"),
            ("入库数量", "实收数量", "实收数"),
            parse_positive,
            required=True,
            example="20",
        ),
        Column(
            "unit",
            N_("单位"),
            ("计量单位",),
            p.choice(Unit, extra=UNIT_ALIASES),
            help=N_("品目的计量单位或辅助单位，按换算系数折算；不填为计量单位"),
            example="箱",
        ),
        Column(
            "source",
            N_("来源"),
            ("入库来源", "物资来源"),
            p.choice(LotSource),
            help=N_("采购或上级调拨，不填为采购；捐赠物资请通过捐赠登记录入"),
            example="采购",
        ),
        Column("note", N_("备注"), ("说明",), p.text(200)),
    )

    def __init__(self, ctx):
        super().__init__(ctx)
        self.matched: set[int] = set()  # lots a row of the file names that were received before

    # --- lookups, once per run -------------------------------------------------------------

    def _items(self) -> dict[str, Item]:
        items = self.ctx.cache.get("items")
        if items is None:
            items = self.ctx.cache["items"] = {i.code: i for i in Item.objects.all()}
        return items

    def _warehouses(self) -> dict[str, list[Warehouse]]:
        """The import area's places by name (names repeat across areas)."""
        places = self.ctx.cache.get("warehouses")
        if places is None:
            places = self.ctx.cache["warehouses"] = {}
            for w in Warehouse.objects.in_area(self.ctx.area).select_related("area"):
                places.setdefault(w.name, []).append(w)
        return places

    def _item(self, code: str) -> Item:
        item = self._items().get(code)
        if item is None:
            raise ValidationError(
                _("物资目录中没有编码为“%(code)s”的品目，请先在物资目录中登记") % {"code": code}
            )
        return item

    def _warehouse(self, name: str) -> Warehouse:
        # A place outside the import's area is "not found": the import does not reveal it.
        hits = self._warehouses().get(name, [])
        if not hits:
            raise ValidationError(_(WAREHOUSE_NOT_FOUND))
        if len(hits) > 1:
            raise ValidationError(
                _("本区域内有 %(n)d 个同名库点，请把导入区域选到该库点所在的区域")
                % {"n": len(hits)}
            )
        if not hits[0].active:
            raise ValidationError(_("该库点已停用"))
        return hits[0]

    # --- rows ------------------------------------------------------------------------------

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        try:
            warehouse = self._warehouse(values["warehouse"])
            item = self._item(values["item"])
        except (KeyError, ValidationError):
            return None  # a blank or unknown cell: ``build`` reports it
        if "document" not in values:
            return None
        return {"document": values["document"], "warehouse": warehouse.pk, "item": item.pk}

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        warehouse = item = None
        try:
            warehouse = self._warehouse(values["warehouse"])
        except ValidationError as e:
            errors["warehouse"] = e.messages[0]
        try:
            item = self._item(values["item"])
        except ValidationError as e:
            errors["item"] = e.messages[0]
        if values["received_at"] > self.ctx.now:
            errors["received_at"] = _("入库日期不能晚于当前时间")
        source = values.get("source", LotSource.PURCHASE)
        if source in REFUSED_SOURCES:
            errors["source"] = _(REFUSED_SOURCES[source])
        if errors:
            raise ValidationError(errors)
        try:
            entered, unit, base = services.check_receipt(
                actor=self.ctx.actor,
                warehouse=warehouse,
                item=item,
                quantity=values["quantity"],
                unit=values.get("unit", ""),
                source=source,
            )
        except PermissionDenied as e:
            raise ValidationError({"warehouse": str(e)}) from None
        return {
            "document": values["document"],
            "warehouse": warehouse.pk,
            # The place's area, for the audit entry's path (not a column of the model).
            "warehouse__area": warehouse.area_id,
            "item": item.pk,
            "source": source,
            "donation": None,
            "quantity": base,
            # As the ledger keeps it (four places), so that the same note compares equal.
            "entered_quantity": entered.quantize(QUANTUM),
            "entered_unit": unit,
            "note": values.get("note", ""),
            "received_at": values["received_at"],
        }

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        """A line received before stays as it is: the same line again changes nothing, another
        quantity is refused (lots are ledger rows, never updated)."""
        if (old["entered_quantity"], old["entered_unit"]) != (
            fields["entered_quantity"],
            fields["entered_unit"],
        ):
            raise ValidationError(
                {
                    "quantity": _(
                        "这一行已按 %(q)s %(unit)s 入库，不能通过重新导入更改；"
                        "如实收数量有误，请用盘点调整更正库存"
                    )
                    % {
                        "q": f"{old['entered_quantity'].normalize():f}",
                        "unit": Unit(old["entered_unit"]).label,
                    }
                }
            )
        self.matched.add(old["pk"])
        for name in [n for n in fields if n not in self.natural_key]:
            del fields[name]

    def prepare_batch(self, rows: list[PendingRow]) -> None:
        # As ``receive_stock``: the places are locked before their lots are written.
        by_pk = {w.pk: w for hits in self._warehouses().values() for w in hits}
        services.lock_warehouses(*(by_pk[r.fields["warehouse"]] for r in rows))

    def after_batch(self, rows: list[PendingRow]) -> None:
        """Each new lot's "in" row, through the ledger's one writer."""
        new = [r.pk for r in rows if r.pk not in self.matched]
        lots = Lot.objects.select_related("item", "warehouse").in_bulk(new)
        for pk in new:
            services.post_receipt(actor=self.ctx.actor, lot=lots[pk])

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("supplies:receipt_import")

    def object_repr(self, fields: dict[str, Any]) -> str:
        names = self.ctx.cache.get("item_names")
        if names is None:
            names = self.ctx.cache["item_names"] = {i.pk: i.name for i in self._items().values()}
        return f"{names[fields['item']]} · {fields['document']}"
