import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from fangkong.supplies import services
from fangkong.supplies.choices import ItemCategory, Unit, WarehouseKind


@pytest.fixture
def catalogue(users):
    actor = users["command"]
    make = services.create_item
    return {
        "masks": make(
            actor=actor,
            data={
                "code": "KZ",
                "name": "医用口罩",
                "unit": Unit.PIECE,
                "alt_unit": Unit.BOX,
                "alt_factor": Decimal("50"),
                "category": ItemCategory.PROTECTIVE,
            },
        ),
        "gloves": make(
            actor=actor,
            data={
                "code": "ST",
                "name": "医用手套",
                "unit": Unit.PAIR,
                "category": ItemCategory.PROTECTIVE,
            },
        ),
        "alcohol": make(
            actor=actor,
            data={
                "code": "JJ",
                "name": "酒精",
                "unit": Unit.KG,
                "alt_unit": Unit.TONNE,
                "alt_factor": Decimal("1000"),
                "category": ItemCategory.DISINFECTION,
            },
        ),
        "disinfectant": make(
            actor=actor,
            data={
                "code": "XDY",
                "name": "消毒液",
                "unit": Unit.KG,
                "alt_unit": Unit.TONNE,
                "alt_factor": Decimal("1000"),
                "category": ItemCategory.DISINFECTION,
            },
        ),
    }


@pytest.fixture
def places(areas, users):
    actor = users["command"]

    def make(area, name, kind):
        return services.create_warehouse(
            actor=actor, data={"area": areas[area], "name": name, "kind": kind}
        )

    return {
        "city": make("city", "市应急物资仓库", WarehouseKind.WAREHOUSE),
        "community": make("community", "海棠花语社区", WarehouseKind.COMMUNITY),
        "checkpoint": make("grid_a", "仁和高速卡点", WarehouseKind.CHECKPOINT),
        "quarantine": make("street", "仁和集中隔离点", WarehouseKind.QUARANTINE_SITE),
        "miyi": make("miyi_community", "迷阳水岸社区", WarehouseKind.COMMUNITY),
    }


def days_ago(n: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() - datetime.timedelta(days=n)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
