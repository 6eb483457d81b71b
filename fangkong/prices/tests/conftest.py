import pytest

from fangkong.prices import services
from fangkong.prices.choices import CommodityCategory, MarketKind


@pytest.fixture
def necessities(users):
    actor = users["command"]
    rows = [
        ("大白菜", CommodityCategory.VEGETABLE),
        ("猪肉", CommodityCategory.MEAT),
        ("大米", CommodityCategory.GRAIN),
        ("鸡蛋", CommodityCategory.EGG),
    ]
    return {
        name: services.create_commodity(
            actor=actor, data={"name": name, "category": cat, "sort_order": i}
        )
        for i, (name, cat) in enumerate(rows)
    }


@pytest.fixture
def markets(areas, users):
    actor = users["command"]
    return {
        "super": services.create_market(
            actor=actor,
            data={
                "area": areas["grid_a"],
                "name": "吉靓轩超市中环天地店",
                "kind": MarketKind.SUPERMARKET,
            },
        ),
        "market": services.create_market(
            actor=actor,
            data={
                "area": areas["grid_c"],
                "name": "攀莲农贸市场",
                "kind": MarketKind.FARMERS_MARKET,
            },
        ),
    }
