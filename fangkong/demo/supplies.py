"""Demo supplies, donations, funds and market prices for ``load-demo`` (issue 7).

Written through the supplies and prices services as the demo command account, so the data
obeys every rule (ledger-only stock, FIFO lots, priority allocation) and is audited. The
seed 003 figures are entered as they were reported. Deterministic for a seed; a second run
adds nothing (the catalogue's first code marks a loaded demo).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.prices import services as prices
from fangkong.prices.choices import CommodityCategory, MarketKind
from fangkong.status.clock import at_local
from fangkong.supplies import services as supplies
from fangkong.supplies.choices import (
    DonationKind,
    DonorKind,
    FundEntryKind,
    FundKind,
    ItemCategory,
    Unit,
    Urgency,
    WarehouseKind,
)
from fangkong.supplies.models import Item

ITEMS = (  # code, name, category, unit, second unit, factor, daily use at a warehouse
    ("KZ-001", "医用外科口罩", ItemCategory.PROTECTIVE, Unit.PIECE, Unit.BOX, 2000, 900),
    ("KZ-095", "N95口罩", ItemCategory.PROTECTIVE, Unit.PIECE, Unit.BOX, 400, 120),
    ("ST-001", "医用手套", ItemCategory.PROTECTIVE, Unit.PAIR, Unit.BOX, 1000, 400),
    ("FH-001", "医用防护服", ItemCategory.PROTECTIVE, Unit.SET, Unit.BOX, 50, 40),
    ("MJ-001", "护目镜", ItemCategory.PROTECTIVE, Unit.PIECE, "", None, 15),
    ("JJ-075", "75%酒精", ItemCategory.DISINFECTION, Unit.KG, Unit.TONNE, 1000, 60),
    ("XD-084", "84消毒液", ItemCategory.DISINFECTION, Unit.KG, Unit.TONNE, 1000, 80),
    ("TW-001", "红外体温枪", ItemCategory.MEDICAL, Unit.ITEM, "", None, 2),
)
NECESSITIES = (  # name, category, usual price (元/斤)
    ("大白菜", CommodityCategory.VEGETABLE, "1.20"),
    ("土豆", CommodityCategory.VEGETABLE, "1.50"),
    ("青椒", CommodityCategory.VEGETABLE, "3.50"),
    ("猪肉", CommodityCategory.MEAT, "26.00"),
    ("鸡蛋", CommodityCategory.EGG, "5.20"),
    ("大米", CommodityCategory.GRAIN, "2.60"),
    ("面粉", CommodityCategory.GRAIN, "2.20"),
    ("食用油", CommodityCategory.OIL, "7.50"),
)
SEED_DAY = datetime.date(2020, 2, 14)
HISTORY_DAYS = 10


def load_supplies(*, actor, root: Area, seed: int = 2020) -> dict[str, int]:
    """Create the demo supplies and prices under ``root``; ``{}`` when already loaded."""
    if Item.objects.filter(code=ITEMS[0][0]).exists():
        return {}
    rng = random.Random(f"{seed}/supplies")
    today = timezone.localdate()
    items = {
        code: supplies.create_item(
            actor=actor,
            data={
                "code": code,
                "name": name,
                "category": cat,
                "unit": unit,
                "alt_unit": alt,
                "alt_factor": factor,
            },
        )
        for code, name, cat, unit, alt, factor, _use in ITEMS
    }
    districts = list(Area.objects.in_area(root).filter(level=AreaLevel.DISTRICT)[:3])
    communities = list(Area.objects.in_area(root).filter(level=AreaLevel.COMMUNITY)[:6])
    city_wh = supplies.create_warehouse(
        actor=actor,
        data={"area": root, "name": "市应急物资储备库", "kind": WarehouseKind.WAREHOUSE},
    )
    places = [city_wh]
    units = []
    for d in districts:
        places.append(
            supplies.create_warehouse(actor=actor, data={"area": d, "name": f"{d.name}物资仓库"})
        )
        units.append(
            supplies.create_warehouse(
                actor=actor,
                data={
                    "area": d,
                    "name": f"{d.name}集中隔离点",
                    "kind": WarehouseKind.QUARANTINE_SITE,
                },
            )
        )
    for i, c in enumerate(communities):
        kind = WarehouseKind.CHECKPOINT if i % 2 else WarehouseKind.COMMUNITY
        name = f"{c.name}{'防控卡点' if i % 2 else '物资点'}"
        units.append(
            supplies.create_warehouse(actor=actor, data={"area": c, "name": name, "kind": kind})
        )

    # Stock received three weeks ago, used every day since: burn rates and a few low covers.
    start = today - datetime.timedelta(days=HISTORY_DAYS + 7)
    for wh in places:
        for code, _n, _c, _u, _a, _f, use in ITEMS:
            days = rng.randint(6, 30)
            supplies.receive_stock(
                actor=actor,
                warehouse=wh,
                item=items[code],
                quantity=use * days,
                occurred_at=at_local(start, 9),
            )
    for n in range(HISTORY_DAYS, 0, -1):
        day = today - datetime.timedelta(days=n)
        for wh in places[:2]:  # the city and one district warehouse carry the daily issues
            for code, _n, _c, _u, _a, _f, use in ITEMS:
                q = max(1, int(use * rng.uniform(0.1, 0.5)))
                try:
                    supplies.issue_stock(
                        actor=actor,
                        warehouse=wh,
                        item=items[code],
                        quantity=q,
                        recipient=rng.choice(units).name,
                        occurred_at=at_local(day, rng.randint(8, 18)),
                    )
                except ValidationError:  # a place that ran out stops issuing
                    continue

    # Seed 003: 捐款 168 万 (107.4 万 via 市住建局), 物品 10 吨, 手套 10000 双, 党费 58 万.
    donated = supplies.create_fund(
        actor=actor, area=root, name="市直机关捐款", kind=FundKind.DONATION
    )
    party = supplies.create_fund(
        actor=actor, area=root, name="抗疫专项党费", kind=FundKind.PARTY_FEE
    )
    for donor, amount, channel in (
        ("市建工集团", "520000", "市住建局"),
        ("市城建投资公司", "354000", "市住建局"),
        ("市房地产开发公司", "200000", "市住建局"),
        ("市直机关党员干部", "406000", "市直机关工委"),
        ("市委编办", "200000", "市直机关工委"),
    ):
        supplies.create_donation(
            actor=actor,
            area=root,
            kind=DonationKind.MONEY,
            donor_kind=DonorKind.ORGANISATION,
            donor_name=donor,
            date=SEED_DAY,
            amount=amount,
            fund=donated,
            channel=channel,
            intended_use="疫情防控",
        )
    supplies.create_donation(
        actor=actor,
        area=root,
        kind=DonationKind.GOODS,
        donor_kind=DonorKind.ORGANISATION,
        donor_name="市直机关各单位",
        date=SEED_DAY,
        warehouse=city_wh,
        channel="市直机关工委",
        intended_use="支援一线",
        goods=[
            supplies.GoodsLine(items["JJ-075"], Decimal(6), Unit.TONNE),
            supplies.GoodsLine(items["XD-084"], Decimal(4), Unit.TONNE),
            supplies.GoodsLine(items["ST-001"], Decimal(10000)),
        ],
    )
    supplies.record_fund_entry(
        actor=actor,
        fund=party,
        kind=FundEntryKind.INCOME,
        amount="400000",
        date=SEED_DAY,
        counterpart="市委组织部",
        purpose="转拨专项党费",
    )
    supplies.record_fund_entry(
        actor=actor,
        fund=party,
        kind=FundEntryKind.INCOME,
        amount="180000",
        date=SEED_DAY,
        counterpart="市直机关工委",
        purpose="工委本级管理党费配套",
    )
    for unit in units[:4]:
        supplies.record_fund_entry(
            actor=actor,
            fund=party,
            kind=FundEntryKind.ALLOCATION,
            amount="50000",
            date=SEED_DAY,
            counterpart=unit.name,
            purpose="支持一线防控",
        )

    # Front-line requests, approved and allocated by priority; half signed for.
    requests = []
    for unit in units:
        code = rng.choice(("KZ-001", "ST-001", "FH-001"))
        r = supplies.submit_request(
            actor=actor,
            unit=unit,
            item=items[code],
            quantity=rng.randint(1, 5) * 100,
            urgency=rng.choice(list(Urgency.values)),
            reason="日常防控",
        )
        requests.append(supplies.decide_request(actor=actor, request=r, approve=True))
    allocations = []
    for code in ("KZ-001", "ST-001", "FH-001"):
        try:
            allocations += supplies.allocate_item(actor=actor, source=city_wh, item=items[code])
        except ValidationError:  # nothing to allocate for this item
            continue
    for a in allocations[::2]:
        supplies.confirm_receipt(actor=actor, allocation=a, note="已清点")

    # Markets: two weeks of daily prices around the usual price, pork rising at the end.
    commodities = [
        prices.create_commodity(actor=actor, data={"name": name, "category": cat, "sort_order": i})
        for i, (name, cat, _p) in enumerate(NECESSITIES)
    ]
    markets = []
    for i, c in enumerate(communities[:3]):
        kind = MarketKind.SUPERMARKET if i % 2 else MarketKind.FARMERS_MARKET
        label = "超市" if i % 2 else "农贸市场"
        markets.append(
            prices.create_market(
                actor=actor, data={"area": c, "name": f"{c.name}{label}", "kind": kind}
            )
        )
    for n in range(HISTORY_DAYS, -1, -1):
        day = today - datetime.timedelta(days=n)
        for m in markets:
            values = {}
            for c, (_name, _cat, usual) in zip(commodities, NECESSITIES, strict=True):
                price = Decimal(usual) * Decimal(str(rng.uniform(0.95, 1.05)))
                if c.name == "猪肉" and n <= 1 and m is markets[0]:
                    price *= Decimal("1.18")
                values[c.pk] = (price.quantize(Decimal("0.01")), rng.randint(50, 800))
            prices.submit_price_report(actor=actor, market=m, date=day, today=day, prices=values)
    return {
        "supply_items": len(items),
        "supply_places": len(places) + len(units),
        "supply_requests": len(requests),
        "markets": len(markets),
        "price_reports": len(markets) * (HISTORY_DAYS + 1),
    }
