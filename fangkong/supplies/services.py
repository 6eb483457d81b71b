"""Every write to items, warehouses, the stock ledger, donations, requests, allocations and
funds goes through these functions. Stock is never stored: it is the sum of ``Movement`` rows,
which only ``_post`` creates, under a lock of the warehouse row (no negative stock)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.services import (
    audited_create,
    audited_update,
    clean_named_in_area,
    create_cleaned,
    lock_versioned,
    require_area,
    require_perm,
    update_cleaned,
)
from fangkong.core.validators import validate_phone
from fangkong.formats import joined

from . import selectors
from .choices import (
    AllocationState,
    DonationKind,
    DonorKind,
    FundEntryKind,
    FundKind,
    ItemCategory,
    LotSource,
    MovementKind,
    RequestState,
    Unit,
    Urgency,
    WarehouseKind,
)
from .models import (
    Allocation,
    Donation,
    Fund,
    FundEntry,
    Item,
    Lot,
    Movement,
    SupplyRequest,
    Warehouse,
)
from .rules import allocation_key, clean_count, clean_quantity, to_base

# --- items and warehouses ----------------------------------------------------------------

ITEM_FIELDS = (
    "code",
    "name",
    "category",
    "spec",
    "unit",
    "alt_unit",
    "alt_factor",
    "alert_days",
    "active",
)


def _clean_item(data: dict, exclude_pk=None) -> dict:
    data = {k: data.get(k) for k in ITEM_FIELDS if k in data}
    data["active"] = data.get("active") is not False  # in use unless unticked
    data["code"] = (data.get("code") or "").strip()
    data["name"] = (data.get("name") or "").strip()
    if not data["code"]:
        raise ValidationError({"code": _("请填写编码")})
    if not data["name"]:
        raise ValidationError({"name": _("请填写名称")})
    if data.get("unit") not in Unit.values:
        raise ValidationError({"unit": _("请选择计量单位")})
    if data.get("category", ItemCategory.OTHER) not in ItemCategory.values:
        raise ValidationError({"category": _("请选择类别")})
    alt = data.get("alt_unit") or ""
    data["alt_unit"] = alt
    if alt:
        if alt not in Unit.values or alt == data["unit"]:
            raise ValidationError({"alt_unit": _("辅助单位须不同于计量单位")})
        factor = data.get("alt_factor")
        if factor is None or Decimal(factor) <= 0:
            raise ValidationError({"alt_factor": _("请填写大于 0 的换算系数")})
    else:
        data["alt_factor"] = None
    others = Item.objects.exclude(pk=exclude_pk) if exclude_pk else Item.objects.all()
    if others.filter(code=data["code"]).exists():
        raise ValidationError({"code": _("编码已存在")})
    if others.filter(name=data["name"]).exists():
        raise ValidationError({"name": _("名称已存在")})
    return data


def create_item(*, actor, data: dict) -> Item:
    return create_cleaned(actor, Item, data, perm="supplies.add_item", clean=_clean_item)


def _holding(movements, model, key: str, order: str) -> list[str]:
    """The names of the places (or items) of ``movements`` that still hold stock: what
    retiring an item (or a place) would strand."""
    levels = selectors.stock_levels(movements)
    return list(
        model.objects.filter(pk__in=[r[key] for r in levels])
        .order_by(order)
        .values_list("name", flat=True)
    )


def update_item(*, actor, item: Item, data: dict, expected_version: int | None) -> Item:
    require_perm(actor, "supplies.change_item")
    data = {**{f: getattr(item, f) for f in ITEM_FIELDS}, **data}  # PATCH: keep the rest
    fields = _clean_item(data, exclude_pk=item.pk)
    if fields["unit"] != item.unit and item.movements.exists():
        raise ValidationError({"unit": _("已有库存流水，不能更改计量单位")})
    # No posting takes a retired item: stock of it would be stranded where it lies.
    retiring = item.active and not fields["active"]
    if retiring and (held := _holding(item.movements.all(), Warehouse, "warehouse_id", "name")):
        raise ValidationError(
            {
                "active": _("%(places)s尚有该物资库存，请先出库或盘点清零后再停用")
                % {"places": joined(held)}
            }
        )
    return audited_update(actor, item, fields, expected_version=expected_version)


WAREHOUSE_FIELDS = ("area", "name", "kind", "address", "keeper", "active")


def _clean_warehouse(data: dict, exclude_pk=None) -> dict:
    return clean_named_in_area(
        data,
        WAREHOUSE_FIELDS,
        Warehouse,
        kinds=WarehouseKind,
        duplicate=_("该区域已有同名库点"),
        exclude_pk=exclude_pk,
        default_kind=WarehouseKind.WAREHOUSE,
    )


def create_warehouse(*, actor, data: dict) -> Warehouse:
    return create_cleaned(
        actor, Warehouse, data, perm="supplies.add_warehouse", clean=_clean_warehouse
    )


def _check_warehouse_change(warehouse: Warehouse, fields: dict) -> None:
    """The ledger's rows belong to the place's area: moving a place that has rows would
    move its history and stock to another area without a transfer, and retiring a place
    that still holds stock would strand it (no form offers a retired place)."""
    if getattr(fields["area"], "pk", fields["area"]) != warehouse.area_id and (
        warehouse.movements.exists()
    ):
        raise ValidationError(
            {
                "area": _(
                    "该库点已有库存流水，不能更改所属区域；请在新区域新建库点，再把库存调拨过去"
                )
            }
        )
    retiring = warehouse.active and not fields.get("active", True)
    if retiring and (held := _holding(warehouse.movements.all(), Item, "item_id", "code")):
        raise ValidationError(
            {
                "active": _("该库点尚有库存（%(items)s），请先调出或盘点清零后再停用")
                % {"items": joined(held)}
            }
        )


def update_warehouse(
    *, actor, warehouse: Warehouse, data: dict, expected_version: int | None
) -> Warehouse:
    def clean(merged: dict, exclude_pk=None) -> dict:
        fields = _clean_warehouse(merged, exclude_pk=exclude_pk)
        _check_warehouse_change(warehouse, fields)
        return fields

    return update_cleaned(
        actor,
        warehouse,
        data,
        perm="supplies.change_warehouse",
        clean=clean,
        field_names=WAREHOUSE_FIELDS,
        expected_version=expected_version,
    )


# --- the ledger --------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One ledger row to write: everything but the common fields of a posting."""

    warehouse: Warehouse
    kind: str
    lot: Lot
    quantity: Decimal  # signed, base unit
    counterpart: Warehouse | None = None


def lock_warehouses(*warehouses: Warehouse) -> None:
    """Serialise postings per warehouse (primary-key order: two transfers cannot deadlock)."""
    pks = sorted({w.pk for w in warehouses})
    list(Warehouse.objects.select_for_update().filter(pk__in=pks).order_by("pk").values("pk"))


def lot_balances(warehouse: Warehouse, item: Item) -> list[tuple[int, Decimal]]:
    """``[(lot id, quantity)]`` on hand, oldest lot first (the FIFO order of issues)."""
    rows = (
        Movement.objects.filter(warehouse=warehouse, item=item)
        .values("lot_id", "lot__received_at")
        .annotate(q=Sum("quantity"))
        .filter(q__gt=0)
        .order_by("lot__received_at", "lot_id")
    )
    return [(r["lot_id"], r["q"]) for r in rows]


def _fifo(
    warehouse: Warehouse, item: Item, quantity: Decimal, field: str
) -> list[tuple[Lot, Decimal]]:
    """Take ``quantity`` (positive, base unit) from the oldest lots; refuses to go negative."""
    taken, left = [], quantity
    balances = lot_balances(warehouse, item)
    on_hand = sum((q for _, q in balances), Decimal(0))
    if on_hand < quantity:
        raise ValidationError(
            {
                field: _(
                    "%(wh)s 的 %(item)s 库存不足：现有 %(have)s %(unit)s，需要 %(need)s %(unit)s"
                )
                % {
                    "wh": warehouse.name,
                    "item": item.name,
                    "have": _num(on_hand),
                    "need": _num(quantity),
                    "unit": item.get_unit_display(),
                }
            }
        )
    for lot_id, q in balances:
        if left <= 0:
            break
        use = min(q, left)
        taken.append((lot_id, use))
        left -= use
    lots = Lot.objects.in_bulk([lot_id for lot_id, _q in taken])
    return [(lots[lot_id], q) for lot_id, q in taken]


def _num(q: Decimal) -> str:
    return f"{q.normalize():f}"


def _post(
    *,
    actor,
    item: Item,
    lines: Iterable[Line],
    entered_quantity: Decimal,
    entered_unit: str,
    occurred_at: datetime.datetime,
    reason: str = "",
    recipient: str = "",
    allocation: Allocation | None = None,
) -> list[Movement]:
    """The only writer of ledger rows; call inside the transaction that locked the warehouses."""
    rows = [
        Movement(
            warehouse=line.warehouse,
            item=item,
            lot=line.lot,
            kind=line.kind,
            quantity=line.quantity,
            entered_quantity=entered_quantity,
            entered_unit=entered_unit,
            occurred_at=occurred_at,
            counterpart=line.counterpart,
            recipient=recipient,
            allocation=allocation,
            reason=reason,
            created_by=actor,
        )
        for line in lines
    ]
    Movement.objects.bulk_create(rows)
    audit.record_many(
        actor,
        [audit.event_for(m, audit.AuditAction.CREATE, changes=audit.snapshot(m)) for m in rows],
    )
    return rows


def _new_lot(
    *,
    actor,
    warehouse,
    item,
    source,
    quantity,
    entered,
    unit,
    at,
    note="",
    donation=None,
    document="",
):
    lot = Lot.objects.create(
        item=item,
        warehouse=warehouse,
        source=source,
        donation=donation,
        quantity=quantity,
        entered_quantity=entered,
        entered_unit=unit,
        note=note[:200],
        received_at=at,
        document=document,
    )
    audit.record_create(actor, lot)
    return lot


def _check_posting(actor, warehouse: Warehouse, item: Item) -> None:
    require_perm(actor, "supplies.add_movement")
    require_area(actor, warehouse.area)
    if not item.active:
        raise ValidationError({"item": _("该物资已停用")})


def check_receipt(
    *,
    actor,
    warehouse: Warehouse,
    item: Item,
    quantity,
    unit: str = "",
    source: str = LotSource.PURCHASE,
) -> tuple[Decimal, str, Decimal]:
    """What a receipt (入库) is checked for, typed into the form or a line of an imported
    入库单: ``(entered quantity, entered unit, quantity in the base unit)``."""
    _check_posting(actor, warehouse, item)
    entered = clean_quantity(quantity)
    unit = unit or item.unit
    base = to_base(item, entered, unit)
    if source not in LotSource.values:
        raise ValidationError({"source": _("请选择来源")})
    return entered, unit, base


def post_receipt(*, actor, lot: Lot) -> Movement:
    """The "in" row of a new lot, as it was received: how every receipt reaches the ledger
    (the 入库 form, a donation's goods, an imported 入库单). Call inside the transaction that
    locked the lot's warehouse before the lot was written."""
    (row,) = _post(
        actor=actor,
        item=lot.item,
        lines=[Line(lot.warehouse, MovementKind.IN, lot, lot.quantity)],
        entered_quantity=lot.entered_quantity,
        entered_unit=lot.entered_unit,
        occurred_at=lot.received_at,
        reason=lot.note,
    )
    return row


def receive_stock(
    *,
    actor,
    warehouse: Warehouse,
    item: Item,
    quantity,
    unit: str = "",
    source: str = LotSource.PURCHASE,
    note: str = "",
    occurred_at: datetime.datetime | None = None,
    donation: Donation | None = None,
    document: str = "",
) -> Movement:
    """入库: a new lot and its "in" row. A line of a delivery note (``document``, its 入库单号)
    is received once, by hand or by importing the note."""
    entered, unit, base = check_receipt(
        actor=actor, warehouse=warehouse, item=item, quantity=quantity, unit=unit, source=source
    )
    at = occurred_at or timezone.now()
    document = document.strip()
    with transaction.atomic():
        lock_warehouses(warehouse)  # the import locks it too: the check below cannot race
        lots = Lot.objects.filter(document=document, warehouse=warehouse, item=item)
        if document and lots.exists():
            raise ValidationError(
                {
                    "document": _("入库单“%(doc)s”的%(item)s已在%(wh)s入库，不能重复登记")
                    % {"doc": document, "item": item.name, "wh": warehouse.name}
                }
            )
        lot = _new_lot(
            actor=actor,
            warehouse=warehouse,
            item=item,
            source=source,
            quantity=base,
            entered=entered,
            unit=unit,
            at=at,
            note=note,
            donation=donation,
            document=document,
        )
        return post_receipt(actor=actor, lot=lot)


def issue_stock(
    *,
    actor,
    warehouse: Warehouse,
    item: Item,
    quantity,
    unit: str = "",
    recipient: str,
    reason: str = "",
    occurred_at: datetime.datetime | None = None,
) -> list[Movement]:
    """出库: hand out or use up stock, oldest lots first."""
    _check_posting(actor, warehouse, item)
    entered = clean_quantity(quantity)
    base = to_base(item, entered, unit or item.unit)
    recipient = (recipient or "").strip()
    if not recipient:
        raise ValidationError({"recipient": _("请填写领用单位/人")})
    at = occurred_at or timezone.now()
    with transaction.atomic():
        lock_warehouses(warehouse)
        taken = _fifo(warehouse, item, base, "quantity")
        return _post(
            actor=actor,
            item=item,
            lines=[Line(warehouse, MovementKind.OUT, lot, -q) for lot, q in taken],
            entered_quantity=entered,
            entered_unit=unit or item.unit,
            occurred_at=at,
            reason=reason,
            recipient=recipient,
        )


def _transfer_lines(source, destination, item, base, *, field="quantity"):
    taken = _fifo(source, item, base, field)
    out = [Line(source, MovementKind.TRANSFER_OUT, lot, -q, destination) for lot, q in taken]
    return out, taken


def transfer_stock(
    *,
    actor,
    source: Warehouse,
    destination: Warehouse,
    item: Item,
    quantity,
    unit: str = "",
    reason: str = "",
    occurred_at: datetime.datetime | None = None,
) -> list[Movement]:
    """调拨 between two places the actor manages: out of one and into the other, same lots.
    A place may also send an item back (退回) to a place that sent it that item, outside the
    actor's area: a community returns its surplus to the street's warehouse."""
    _check_posting(actor, source, item)
    returned = (
        selectors.suppliers_of(Movement.objects.filter(warehouse=source, item=item))
        .filter(pk=destination.pk)
        .exists()
    )
    if not returned:
        require_area(actor, destination.area)
    if source.pk == destination.pk:
        raise ValidationError({"destination": _("调入库点不能与调出库点相同")})
    entered = clean_quantity(quantity)
    base = to_base(item, entered, unit or item.unit)
    at = occurred_at or timezone.now()
    with transaction.atomic():
        lock_warehouses(source, destination)
        out, taken = _transfer_lines(source, destination, item, base)
        incoming = [Line(destination, MovementKind.TRANSFER_IN, lot, q, source) for lot, q in taken]
        return _post(
            actor=actor,
            item=item,
            lines=out + incoming,
            entered_quantity=entered,
            entered_unit=unit or item.unit,
            occurred_at=at,
            reason=reason,
        )


def adjust_stock(
    *,
    actor,
    warehouse: Warehouse,
    item: Item,
    quantity=None,
    unit: str = "",
    reason: str,
    counted=None,
    occurred_at: datetime.datetime | None = None,
) -> list[Movement]:
    """盘点调整: a signed correction with a reason; a surplus opens a lot, a loss uses FIFO.
    Given ``counted`` (the figure found on the shelf, in ``unit``) instead of ``quantity``,
    the correction is the count minus the book stock, read under the warehouse's lock."""
    _check_posting(actor, warehouse, item)
    unit = unit or item.unit
    by_count = counted not in (None, "")
    if by_count:
        found = clean_count(counted)
        found_base = to_base(item, found, unit)
    else:
        entered = clean_quantity(quantity, allow_negative=True)
        base = to_base(item, entered, unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("盘点调整须填写原因")})
    at = occurred_at or timezone.now()
    with transaction.atomic():
        lock_warehouses(warehouse)
        if by_count:
            book = selectors.stock_of(Movement.objects.all(), warehouse=warehouse, item=item)
            base = found_base - book
            figures = {"book": _num(book), "unit": item.get_unit_display()}
            if not base:
                raise ValidationError(
                    {"counted": _("实盘数与账面库存一致（%(book)s %(unit)s），无需调整") % figures}
                )
            entered, unit = base, item.unit
            reason = _("%(reason)s（实盘 %(found)s %(unit)s，账面 %(book)s %(unit)s）") % {
                "reason": reason,
                "found": _num(found_base),
                **figures,
            }
        if base > 0:
            lot = _new_lot(
                actor=actor,
                warehouse=warehouse,
                item=item,
                source=LotSource.ADJUSTMENT,
                quantity=base,
                entered=entered,
                unit=unit,
                at=at,
                note=reason,
            )
            lines = [Line(warehouse, MovementKind.ADJUST, lot, base)]
        else:
            taken = _fifo(warehouse, item, -base, "quantity")
            lines = [Line(warehouse, MovementKind.ADJUST, lot, -q) for lot, q in taken]
        return _post(
            actor=actor,
            item=item,
            lines=lines,
            entered_quantity=entered,
            entered_unit=unit,
            occurred_at=at,
            reason=reason[:200],
        )


# --- funds -------------------------------------------------------------------------------


def create_fund(*, actor, area, name: str, kind: str, notes: str = "") -> Fund:
    require_perm(actor, "supplies.add_fund")
    require_area(actor, area)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写名称")})
    if kind not in FundKind.values:
        raise ValidationError({"kind": _("请选择资金类型")})
    if Fund.objects.filter(area=area, name=name).exists():
        raise ValidationError({"name": _("该区域已有同名资金")})
    with transaction.atomic():
        return audited_create(actor, Fund, area=area, name=name, kind=kind, notes=notes)


def _fund_entry(*, actor, fund, kind, amount, date, counterpart="", purpose="", donation=None):
    entry = FundEntry.objects.create(
        fund=fund,
        kind=kind,
        amount=amount,
        date=date,
        counterpart=counterpart[:100],
        purpose=purpose[:200],
        donation=donation,
        created_by=actor,
    )
    audit.record_create(actor, entry)
    return entry


def record_fund_entry(
    *,
    actor,
    fund: Fund,
    kind: str,
    amount,
    date: datetime.date,
    counterpart: str = "",
    purpose: str = "",
) -> FundEntry:
    """拨入 (+), 下拨 or 支出 (−, never beyond the balance). ``amount`` is given positive."""
    require_perm(actor, "supplies.add_fundentry")
    require_area(actor, fund.area)
    if kind not in FundEntryKind.values:
        raise ValidationError({"kind": _("请选择类型")})
    value = clean_quantity(amount, "amount")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("金额最多两位小数")})
    if date is None:
        raise ValidationError({"date": _("请填写日期")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("日期不能晚于今天")})
    if kind != FundEntryKind.INCOME and not (counterpart or "").strip():
        raise ValidationError({"counterpart": _("下拨或支出须填写去向单位")})
    with transaction.atomic():
        list(Fund.objects.select_for_update().filter(pk=fund.pk).values("pk"))
        signed = value if kind == FundEntryKind.INCOME else -value
        if signed < 0:
            balance = fund.entries.aggregate(s=Sum("amount"))["s"] or Decimal(0)
            if balance + signed < 0:
                raise ValidationError(
                    {"amount": _("余额不足：当前余额 %(b)s 元") % {"b": f"{balance:.2f}"}}
                )
        return _fund_entry(
            actor=actor,
            fund=fund,
            kind=kind,
            amount=signed,
            date=date,
            counterpart=(counterpart or "").strip(),
            purpose=(purpose or "").strip(),
        )


# --- donations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GoodsLine:
    item: Item
    quantity: Decimal
    unit: str = ""


def create_donation(
    *,
    actor,
    area,
    kind: str,
    donor_kind: str,
    donor_name: str,
    date: datetime.date,
    donor_contact: str = "",
    channel: str = "",
    intended_use: str = "",
    amount=None,
    fund: Fund | None = None,
    warehouse: Warehouse | None = None,
    goods: Iterable[GoodsLine] = (),
    notes: str = "",
) -> Donation:
    """Money goes into ``fund`` as income; goods go into ``warehouse`` as lots tagged with the
    donation (that tag is how every unit is traced)."""
    require_perm(actor, "supplies.add_donation")
    require_area(actor, area)
    donor_name = (donor_name or "").strip()
    if not donor_name:
        raise ValidationError({"donor_name": _("请填写捐赠方")})
    if donor_kind not in DonorKind.values:
        raise ValidationError({"donor_kind": _("请选择捐赠方类型")})
    if date is None:
        raise ValidationError({"date": _("请填写捐赠日期")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("捐赠日期不能晚于今天")})
    donor_contact = (donor_contact or "").strip()
    if donor_contact:
        try:
            validate_phone(donor_contact)
        except ValidationError as e:
            raise ValidationError({"donor_contact": e.messages}) from None
    goods = list(goods)
    if kind == DonationKind.MONEY:
        amount = clean_quantity(amount, "amount")
        if fund is None:
            raise ValidationError({"fund": _("请选择入账资金")})
        require_area(actor, fund.area)
        if goods:
            raise ValidationError({"kind": _("捐款不能同时登记物品，请分开登记")})
    elif kind == DonationKind.GOODS:
        amount = None
        if warehouse is None:
            raise ValidationError({"warehouse": _("请选择入库库点")})
        require_area(actor, warehouse.area)
        if not goods:
            raise ValidationError({"goods": _("请至少填写一项捐赠物品")})
        goods = [
            GoodsLine(g.item, clean_quantity(g.quantity, "goods"), g.unit or g.item.unit)
            for g in goods
        ]
        for g in goods:
            to_base(g.item, g.quantity, g.unit, "goods")
    else:
        raise ValidationError({"kind": _("请选择捐赠类型")})
    with transaction.atomic():
        donation = audited_create(
            actor,
            Donation,
            area=area,
            kind=kind,
            donor_kind=donor_kind,
            donor_name=donor_name,
            donor_contact=donor_contact,
            channel=(channel or "").strip(),
            intended_use=(intended_use or "").strip(),
            date=date,
            amount=amount,
            fund=fund if kind == DonationKind.MONEY else None,
            warehouse=warehouse if kind == DonationKind.GOODS else None,
            notes=notes,
            created_by=actor,
        )
        if kind == DonationKind.MONEY:
            _fund_entry(
                actor=actor,
                fund=fund,
                kind=FundEntryKind.INCOME,
                amount=amount,
                date=date,
                counterpart=donor_name,
                purpose=donation.intended_use or _("捐款"),
                donation=donation,
            )
        at = timezone.now()
        for g in goods:
            receive_stock(
                actor=actor,
                warehouse=warehouse,
                item=g.item,
                quantity=g.quantity,
                unit=g.unit,
                source=LotSource.DONATION,
                note=_("捐赠：%(d)s") % {"d": donor_name},
                occurred_at=at,
                donation=donation,
            )
    return donation


def void_donation(
    *, actor, donation: Donation, reason: str, expected_version: int | None = None
) -> Donation:
    """撤销 a donation recorded in error: its money is reversed out of the fund (a negative
    income, 红字冲销) and its goods out of the warehouse, and it counts in no total; its
    receipt no longer verifies. Refused once any of it was spent or issued: what happened
    to it since stays in the ledger and is corrected there."""
    require_perm(actor, "supplies.change_donation")
    require_area(actor, donation.area)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("撤销捐赠须填写原因")})
    with transaction.atomic():
        before = lock_versioned(donation, expected_version)
        if before.voided_at is not None:
            raise ValidationError(_("该捐赠登记已撤销"))
        note = _("撤销捐赠：%(r)s") % {"r": reason}
        if donation.kind == DonationKind.MONEY:
            fund = donation.fund
            list(Fund.objects.select_for_update().filter(pk=fund.pk).values("pk"))
            balance = fund.entries.aggregate(s=Sum("amount"))["s"] or Decimal(0)
            if balance < donation.amount:
                raise ValidationError(
                    _("“%(fund)s”余额 %(b)s 元，不足以冲销这笔 %(a)s 元的捐款：请先核对其支出")
                    % {"fund": fund.name, "b": f"{balance:.2f}", "a": f"{donation.amount:.2f}"}
                )
            _fund_entry(
                actor=actor,
                fund=fund,
                kind=FundEntryKind.INCOME,
                amount=-donation.amount,
                date=timezone.localdate(),
                counterpart=donation.donor_name,
                purpose=note,
                donation=donation,
            )
        else:
            lock_warehouses(donation.warehouse)
            at = timezone.now()
            for lot in Lot.objects.filter(donation=donation).select_related("item", "warehouse"):
                on_hand = Movement.objects.filter(lot=lot).aggregate(q=Sum("quantity"))["q"]
                if on_hand != lot.quantity:
                    raise ValidationError(
                        _("捐赠的%(item)s已有出库或调拨，不能撤销；如登记有误，请用盘点调整更正")
                        % {"item": lot.item.name}
                    )
                _post(
                    actor=actor,
                    item=lot.item,
                    lines=[Line(lot.warehouse, MovementKind.ADJUST, lot, -lot.quantity)],
                    entered_quantity=-lot.entered_quantity,
                    entered_unit=lot.entered_unit,
                    occurred_at=at,
                    reason=note,
                )
        donation.voided_at = timezone.now()
        donation.void_reason = reason[:300]
        donation.version = before.version + 1
        donation.save()
        audit.record_update(actor, before, donation, reason=reason)
    return donation


# --- requests, allocation by priority, dispatch and receipt ------------------------------


def submit_request(
    *,
    actor,
    unit: Warehouse,
    item: Item,
    quantity,
    unit_of_measure: str = "",
    urgency: str = Urgency.NORMAL,
    reason: str = "",
) -> SupplyRequest:
    require_perm(actor, "supplies.add_supplyrequest")
    require_area(actor, unit.area)
    if urgency not in Urgency.values:
        raise ValidationError({"urgency": _("请选择紧急程度")})
    base = to_base(item, clean_quantity(quantity), unit_of_measure or item.unit, "quantity")
    with transaction.atomic():
        return audited_create(
            actor,
            SupplyRequest,
            unit=unit,
            item=item,
            quantity=base,
            urgency=urgency,
            reason=(reason or "").strip(),
            requested_by=actor,
        )


def decide_request(
    *,
    actor,
    request: SupplyRequest,
    approve: bool,
    approved_quantity=None,
    note: str = "",
    expected_version: int | None = None,
) -> SupplyRequest:
    require_perm(actor, "supplies.approve_supplyrequest")
    require_area(actor, request.unit.area)
    if approve:
        qty = (
            request.quantity
            if approved_quantity in (None, "")
            else clean_quantity(approved_quantity, "approved_quantity")
        )
        if qty > request.quantity:
            raise ValidationError({"approved_quantity": _("批准数量不能超过申领数量")})
    elif not (note or "").strip():
        raise ValidationError({"decision_note": _("驳回须填写审批意见")})
    with transaction.atomic():
        before = lock_versioned(request, expected_version)
        if before.state != RequestState.SUBMITTED:
            raise ValidationError({"state": _("该申领已审批")})
        request.state = RequestState.APPROVED if approve else RequestState.REJECTED
        request.approved_quantity = qty if approve else None
        request.decision_note = (note or "").strip()
        request.decided_by, request.decided_at = actor, timezone.now()
        request.version = before.version + 1
        request.save()
        audit.record_update(actor, before, request, reason=request.decision_note)
    return request


def outstanding(request: SupplyRequest, dispatched: Decimal) -> Decimal:
    return max((request.approved_quantity or Decimal(0)) - dispatched, Decimal(0))


@dataclass(frozen=True)
class PlannedAllocation:
    request: SupplyRequest
    quantity: Decimal
    rank: int


def plan_allocation(
    requests: Iterable[SupplyRequest], available: Decimal, dispatched: dict[int, Decimal]
) -> list[PlannedAllocation]:
    """Serve approved requests in ``allocation_key`` order until stock runs out: each gets
    what it still lacks, the last one served may get part of it, the rest wait."""
    plan, left = [], available
    for rank, req in enumerate(sorted(requests, key=allocation_key), start=1):
        if left <= 0:
            break
        need = outstanding(req, dispatched.get(req.pk, Decimal(0)))
        if need <= 0:
            continue
        give = min(need, left)
        plan.append(PlannedAllocation(req, give, rank))
        left -= give
    return plan


def allocate_item(
    *, actor, source: Warehouse, item: Item, now: datetime.datetime | None = None
) -> list[Allocation]:
    """按优先级分配: dispatch ``source``'s stock of ``item`` to the approved requests the actor
    can see, front line first (``rules.allocation_key``). Stock leaves as transfer-out rows and
    is in transit until the receiving unit signs for it."""
    require_perm(actor, "supplies.add_allocation")
    require_area(actor, source.area)
    now = now or timezone.now()
    with transaction.atomic():
        lock_warehouses(source)
        requests = list(
            SupplyRequest.objects.visible_to(actor)
            .select_for_update()
            .filter(item=item, state=RequestState.APPROVED)
            .select_related("unit", "unit__area")
        )
        dispatched = dict(
            Allocation.objects.filter(request__in=requests)
            .values_list("request_id")
            .annotate(s=Sum("quantity"))
        )
        available = sum((q for _, q in lot_balances(source, item)), Decimal(0))
        plan = plan_allocation(requests, available, dispatched)
        if not plan:
            raise ValidationError(_("没有可分配的库存或待发放的申领"))
        created = []
        for p in plan:
            allocation = audited_create(
                actor,
                Allocation,
                request=p.request,
                source=source,
                quantity=p.quantity,
                rank=p.rank,
                dispatched_by=actor,
                dispatched_at=now,
            )
            out, _taken = _transfer_lines(source, p.request.unit, item, p.quantity)
            _post(
                actor=actor,
                item=item,
                lines=out,
                entered_quantity=p.quantity,
                entered_unit=item.unit,
                occurred_at=now,
                reason=_("按申领调拨"),
                recipient=p.request.unit.name,
                allocation=allocation,
            )
            if outstanding(p.request, dispatched.get(p.request.pk, Decimal(0)) + p.quantity) <= 0:
                before = SupplyRequest.objects.get(pk=p.request.pk)
                p.request.state = RequestState.FULFILLED
                p.request.version = before.version + 1
                p.request.save(update_fields=["state", "version", "updated_at"])
                audit.record_update(actor, before, p.request)
            created.append(allocation)
    return created


def confirm_receipt(
    *, actor, allocation: Allocation, note: str = "", now: datetime.datetime | None = None
) -> Allocation:
    """签收: the receiving unit confirms; the same lots enter its stock (transfer-in rows)."""
    require_perm(actor, "supplies.receive_allocation")
    unit = allocation.request.unit
    require_area(actor, unit.area)
    now = now or timezone.now()
    with transaction.atomic():
        lock_warehouses(unit)
        before = lock_versioned(allocation, None)
        if before.state != AllocationState.DISPATCHED:
            raise ValidationError({"state": _("该批物资已签收")})
        sent = list(
            allocation.movements.filter(kind=MovementKind.TRANSFER_OUT).select_related("lot")
        )
        _post(
            actor=actor,
            item=allocation.request.item,
            lines=[
                Line(unit, MovementKind.TRANSFER_IN, m.lot, -m.quantity, allocation.source)
                for m in sent
            ],
            entered_quantity=allocation.quantity,
            entered_unit=allocation.request.item.unit,
            occurred_at=now,
            reason=_("签收调拨物资"),
            allocation=allocation,
        )
        allocation.state = AllocationState.RECEIVED
        allocation.received_by, allocation.received_at = actor, now
        allocation.receipt_note = (note or "").strip()[:200]
        allocation.version = before.version + 1
        allocation.save()
        audit.record_update(actor, before, allocation)
    return allocation


def donation_receipt_pdf(*, actor, donation: Donation, base_url: str = "") -> bytes:
    from .pdf import render_receipt

    require_perm(actor, "supplies.view_donation")
    if not Donation.objects.visible_to(actor).filter(pk=donation.pk).exists():
        raise PermissionDenied(_("该区域不在您的管辖范围内"))
    if donation.voided_at is not None:
        raise ValidationError(_("该捐赠登记已撤销，不能打印收据"))
    return render_receipt(donation, base_url=base_url)
