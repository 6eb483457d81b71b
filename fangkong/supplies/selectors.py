"""Read queries of the supplies module: stock (derived from the ledger), low-stock alerts by
days of cover, donation totals and traceability, fund balances. Each takes a queryset that
already went through ``visible_to(user)``; the command dashboard calls these."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from fangkong.status.clock import start_of_day

from .choices import KG_PER_UNIT, OUTFLOW_KINDS, DonationKind, FundEntryKind, MovementKind, Unit
from .models import Donation, Fund, FundEntry, Item, Lot, Movement, Warehouse

ZERO = Decimal(0)
UNIT_LABELS = dict(Unit.choices)
BURN_WINDOW_DAYS = 7


def _sum(field: str, **extra):
    return Coalesce(
        Sum(field, **extra), Value(ZERO), output_field=DecimalField(max_digits=20, decimal_places=4)
    )


# --- stock -------------------------------------------------------------------------------


def stock_of(movements: QuerySet, *, warehouse: Warehouse, item: Item) -> Decimal:
    """Stock of one item at one place, in the item's base unit: the sum of its ledger rows."""
    return movements.filter(warehouse=warehouse, item=item).aggregate(q=_sum("quantity"))["q"]


def stock_levels(movements: QuerySet) -> QuerySet:
    """One row per (warehouse, item) with stock ≠ 0: ``warehouse_id, item_id, quantity``."""
    return (
        movements.values("warehouse_id", "item_id")
        .annotate(quantity=Sum("quantity"))
        .exclude(quantity=0)
        .order_by("warehouse_id", "item_id")
    )


def stock_by_item(movements: QuerySet) -> dict[int, Decimal]:
    """``{item id: stock}`` over every place in ``movements`` (in transit excluded)."""
    rows = movements.values("item_id").annotate(q=Sum("quantity")).order_by("item_id")
    return {r["item_id"]: r["q"] for r in rows if r["q"]}


def stock_by_item_and_area(movements: QuerySet) -> dict[tuple[int, int], Decimal]:
    """``{(item id, area id of the place): stock}`` for the dashboard's per-area figures."""
    rows = (
        movements.values("item_id", "warehouse__area_id")
        .annotate(q=Sum("quantity"))
        .order_by("item_id", "warehouse__area_id")
    )
    return {(r["item_id"], r["warehouse__area_id"]): r["q"] for r in rows if r["q"]}


def in_transit(allocations: QuerySet) -> dict[int, Decimal]:
    """``{item id: quantity}`` dispatched but not yet signed for."""
    rows = (
        allocations.filter(state="dispatched")
        .values("request__item_id")
        .annotate(q=Sum("quantity"))
        .order_by("request__item_id")
    )
    return {r["request__item_id"]: r["q"] for r in rows}


def suppliers_of(movements: QuerySet) -> QuerySet:
    """The places that transferred stock into the places of ``movements``: where a unit
    may send a surplus back (退回) though the place is outside its own area."""
    return Warehouse.objects.filter(
        pk__in=movements.filter(kind=MovementKind.TRANSFER_IN).values("counterpart")
    )


# --- low stock by days of cover ----------------------------------------------------------


@dataclass(frozen=True)
class StockRow:
    """One place's stock of one item with its burn rate and days of cover."""

    warehouse: Warehouse
    item: Item
    quantity: Decimal
    daily_outflow: Decimal  # exact: the alert compares with it, pages round it

    @property
    def days_of_cover(self) -> Decimal | None:
        """Stock ÷ daily outflow to a tenth of a day, for display; None: nothing went out."""
        if not self.daily_outflow:
            return None
        return (self.quantity / self.daily_outflow).quantize(Decimal("0.1"))

    @property
    def low(self) -> bool:
        """Emptied, or fewer days of cover than the item's alert days — compared on the
        exact rate (a rounded 2.96 days would read 3.0 and miss an alert at 3)."""
        if self.quantity <= 0:
            return True
        return self.quantity < self.item.alert_days * self.daily_outflow

    @property
    def unit_label(self) -> str:
        return str(self.item.get_unit_display())


def stock_table(
    movements: QuerySet,
    *,
    today: datetime.date | None = None,
    window_days: int = BURN_WINDOW_DAYS,
) -> list[StockRow]:
    """Stock per (place, item) with the average daily outflow (out + transfer-out) over the
    last ``window_days`` days up to the end of ``today``, and days of cover = stock ÷ rate.

    The window includes today: stock issued this morning is consumption now, and a place it
    emptied must alert today, not tomorrow (today's part-day counts as a day, so the rate is
    if anything low early in the day). A place × item is listed while it holds stock or has
    moved in the window, so an item emptied in the window stays as a row with stock 0."""
    today = today or timezone.localdate()
    since = start_of_day(today - datetime.timedelta(days=window_days - 1))
    until = start_of_day(today + datetime.timedelta(days=1))
    window = Q(occurred_at__gte=since, occurred_at__lt=until)
    rows = list(
        movements.values("warehouse_id", "item_id")
        .annotate(
            on_hand=_sum("quantity"),
            out=_sum("quantity", filter=window & Q(kind__in=OUTFLOW_KINDS)),
            moved=Count("pk", filter=window),
        )
        .order_by("warehouse_id", "item_id")
    )
    warehouses = Warehouse.objects.select_related("area").in_bulk({r["warehouse_id"] for r in rows})
    items = Item.objects.in_bulk({r["item_id"] for r in rows})
    result = []
    for r in rows:
        if not r["on_hand"] and not r["moved"]:
            continue
        daily = (-r["out"] / window_days) if r["out"] else ZERO
        result.append(
            StockRow(warehouses[r["warehouse_id"]], items[r["item_id"]], r["on_hand"], daily)
        )
    result.sort(key=lambda s: (s.warehouse.area.path, s.warehouse.name, s.item.code))
    return result


def low_stock_alerts(movements: QuerySet, **kwargs) -> list[StockRow]:
    """Places whose days of cover fall below the item's ``alert_days``, fewest days first."""
    rows = [r for r in stock_table(movements, **kwargs) if r.low]
    # Exact days left (an emptied place first), not the rounded figure the page shows.
    rows.sort(
        key=lambda r: (
            r.quantity / r.daily_outflow if r.quantity > 0 else ZERO,
            r.warehouse.pk,
            r.item.pk,
        )
    )
    return rows


# --- donations ---------------------------------------------------------------------------


def _tonnes(quantity: Decimal, unit: str) -> Decimal:
    return quantity * KG_PER_UNIT[unit] / 1000


def _add_goods(by_unit: dict, unit: str, quantity: Decimal) -> None:
    """Goods add up per unit; every mass in tonnes."""
    if unit in KG_PER_UNIT:
        by_unit[Unit.TONNE] += _tonnes(quantity, unit)
    else:
        by_unit[unit] += quantity


def donation_totals_by_area(donations: QuerySet) -> dict[int, dict]:
    """``donation_totals``' money (in total and by channel) and goods per unit for each
    area of ``donations`` (the command dashboard's comparison): two grouped queries."""
    out: dict[int, dict] = defaultdict(
        lambda: {"money_total": ZERO, "money_by_channel": {}, "goods_by_unit": defaultdict(Decimal)}
    )
    donations = donations.filter(voided_at__isnull=True)
    money = (
        donations.filter(kind=DonationKind.MONEY)
        .values("area_id", "channel")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    for r in money:
        out[r["area_id"]]["money_total"] += r["s"]
        out[r["area_id"]]["money_by_channel"][r["channel"]] = r["s"]
    lots = (
        Lot.objects.filter(donation__in=donations.filter(kind=DonationKind.GOODS))
        .values("donation__area_id", "item__unit")
        .annotate(q=Sum("quantity"))
        .order_by()
    )
    for r in lots:
        _add_goods(out[r["donation__area_id"]]["goods_by_unit"], r["item__unit"], r["q"])
    return dict(out)


def donation_totals(donations: QuerySet) -> dict:
    """Money in total and by channel; goods per item and per unit (mass summed in tonnes).
    A voided donation (recorded in error) counts in none of them."""
    donations = donations.filter(voided_at__isnull=True)
    money = donations.filter(kind=DonationKind.MONEY)
    total = money.aggregate(s=_sum("amount"))["s"]
    by_channel = {
        r["channel"]: r["s"]
        for r in money.values("channel").annotate(s=Sum("amount")).order_by("-s", "channel")
    }
    lots = (
        Lot.objects.filter(donation__in=donations.filter(kind=DonationKind.GOODS))
        .values("item_id", "item__name", "item__unit")
        .annotate(q=Sum("quantity"))
        .order_by("item_id")
    )
    goods, by_unit = [], defaultdict(lambda: ZERO)
    for r in lots:
        goods.append(
            {
                "item_id": r["item_id"],
                "item": r["item__name"],
                "quantity": r["q"],
                "unit": r["item__unit"],
                "unit_label": UNIT_LABELS.get(r["item__unit"], r["item__unit"]),
            }
        )
        _add_goods(by_unit, r["item__unit"], r["q"])
    return {
        "money_total": total,
        "money_by_channel": by_channel,
        "donation_count": donations.count(),
        "goods": goods,
        "goods_by_unit": dict(by_unit),
    }


@dataclass(frozen=True)
class TraceRow:
    """Where part of a donated lot is: on hand at a place, given out to someone, or in transit."""

    item: Item
    lot_id: int
    place: str
    status: str  # "on_hand" | "issued" | "in_transit"
    quantity: Decimal


def trace_donation(donation: Donation) -> list[TraceRow]:
    """Follow every unit of a goods donation through the ledger by its lot tag.

    A donated lot keeps its id through every transfer (the FIFO of ``services._fifo`` picks
    lots; the rows carry them), so: on hand = the lot's sum at each place; issued = its "out"
    rows per recipient (and losses at counts); in transit = dispatched minus signed for. The
    three add up to the donated quantity.
    """
    rows: list[TraceRow] = []
    lots = {lot.pk: lot for lot in Lot.objects.filter(donation=donation).select_related("item")}
    movements = Movement.objects.filter(lot__in=lots)
    on_hand = (
        movements.values("lot_id", "warehouse__name", "warehouse_id")
        .annotate(q=Sum("quantity"))
        .order_by("lot_id", "warehouse_id")
    )
    for r in on_hand:
        if r["q"]:
            rows.append(
                TraceRow(
                    lots[r["lot_id"]].item, r["lot_id"], r["warehouse__name"], "on_hand", r["q"]
                )
            )
    issued = (
        movements.filter(Q(kind=MovementKind.OUT) | Q(kind=MovementKind.ADJUST, quantity__lt=0))
        .values("lot_id", "recipient", "kind")
        .annotate(q=Sum("quantity"))
        .order_by("lot_id", "recipient")
    )
    for r in issued:
        place = r["recipient"] or str(MovementKind(r["kind"]).label)
        rows.append(TraceRow(lots[r["lot_id"]].item, r["lot_id"], place, "issued", -r["q"]))
    transit = (
        movements.filter(
            kind__in=(MovementKind.TRANSFER_OUT, MovementKind.TRANSFER_IN),
            allocation__state="dispatched",
        )
        .values("lot_id", "allocation__request__unit__name")
        .annotate(q=Sum("quantity"))
        .order_by("lot_id")
    )
    for r in transit:
        if r["q"]:
            rows.append(
                TraceRow(
                    lots[r["lot_id"]].item,
                    r["lot_id"],
                    r["allocation__request__unit__name"],
                    "in_transit",
                    -r["q"],
                )
            )
    return rows


# --- funds -------------------------------------------------------------------------------


def fund_list(funds: QuerySet) -> QuerySet:
    """Funds with ``income``, ``allocated``, ``spent`` and ``balance`` from their entries."""
    return fund_sums(funds.select_related("area")).order_by("area__path", "name", "pk")


def fund_sums(funds: QuerySet, *, until: datetime.date | None = None) -> QuerySet:
    """``fund_list``'s sums, of the entries dated up to ``until`` when given (the figures of a
    past day: a later call replaces the earlier sums)."""
    dated = Q(entries__date__lte=until) if until is not None else Q()
    return funds.annotate(
        income=_sum("entries__amount", filter=dated & Q(entries__kind=FundEntryKind.INCOME)),
        allocated=_sum("entries__amount", filter=dated & Q(entries__kind=FundEntryKind.ALLOCATION)),
        spent=_sum("entries__amount", filter=dated & Q(entries__kind=FundEntryKind.SPENDING)),
        balance=_sum("entries__amount", filter=dated or None),
    )


def fund_totals_by_kind(funds: QuerySet) -> dict[str, dict[str, Decimal]]:
    """``{fund kind: {"income": …, "balance": …}}`` (e.g. the 党费 received and left)."""
    rows = (
        FundEntry.objects.filter(fund__in=funds)
        .values("fund__kind")
        .annotate(income=_sum("amount", filter=Q(kind=FundEntryKind.INCOME)), balance=Sum("amount"))
        .order_by("fund__kind")
    )
    return {r["fund__kind"]: {"income": r["income"], "balance": r["balance"]} for r in rows}


def fund_balance(fund: Fund) -> Decimal:
    return fund.entries.aggregate(s=_sum("amount"))["s"]


def dispatched_by_request(allocations: QuerySet) -> dict[int, Decimal]:
    rows = allocations.values("request_id").annotate(s=Sum("quantity")).order_by("request_id")
    return {r["request_id"]: r["s"] for r in rows}
