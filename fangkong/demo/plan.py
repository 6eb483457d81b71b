"""The demo city as plain data, before anything touches the database.

``plan_city`` turns the committed division table into areas and grids; ``iter_households``
is an endless, seeded stream of households spread over the grids. A plan for N residents is
the first N people of that stream, so a bigger run tops up a smaller one instead of replacing it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from stdnum.cn import ric

from fangkong.areas.choices import AreaLevel

from .generators import HOUSEHOLD_SIZE_WEIGHTS, HOUSEHOLD_SIZES, Person, make_household

DATA_FILE = Path(__file__).parent / "data" / "panzhihua.json"
HOUSEHOLDS_PER_BUILDING = 12


@cache
def division_data() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    level: int
    parent_code: str | None


@dataclass(frozen=True)
class GridSpec:
    """A grid with what its addresses and weights need."""

    code: str
    district_code: str
    place: str  # 攀枝花市仁和区仁和镇老街社区
    is_village: bool
    index: int  # 0-based position among its community's grids
    siblings: int  # number of grids in the community
    weight: int


@dataclass
class CityPlan:
    areas: list[AreaSpec]
    grids: list[GridSpec]

    @property
    def root_code(self) -> str:
        return self.areas[0].code


def plan_city(*, seed: int, communities_per_street: int = 4) -> CityPlan:
    """Areas parents-first: the city, its 5 districts, every street, up to
    ``communities_per_street`` communities per street (plus the seed reports' compounds),
    and 2–4 grids per community (codes: community code + ``G01``…)."""
    data = division_data()
    city = data["city"]
    areas = [AreaSpec(city["code"], city["name"], AreaLevel.CITY, None)]
    grids: list[GridSpec] = []
    for district in data["districts"]:
        areas.append(AreaSpec(district["code"], district["name"], AreaLevel.DISTRICT, city["code"]))
        for street in district["streets"]:
            areas.append(
                AreaSpec(street["code"], street["name"], AreaLevel.STREET, district["code"])
            )
            real = [c for c in street["communities"] if c.get("source") != "seed"]
            seeded = [c for c in street["communities"] if c.get("source") == "seed"]
            for community in real[:communities_per_street] + seeded:
                areas.append(
                    AreaSpec(
                        community["code"], community["name"], AreaLevel.COMMUNITY, street["code"]
                    )
                )
                is_village = community["name"].endswith("村")
                rng = random.Random(f"{seed}/grids/{community['code']}")
                count = rng.randint(2, 4)
                place = city["name"] + district["name"] + street["name"] + community["name"]
                for i in range(count):
                    code = f"{community['code']}G{i + 1:02d}"
                    areas.append(
                        AreaSpec(code, f"第{i + 1}网格", AreaLevel.GRID, community["code"])
                    )
                    grids.append(
                        GridSpec(
                            code=code,
                            district_code=district["code"],
                            place=place,
                            is_village=is_village,
                            index=i,
                            siblings=count,
                            # Town communities are denser than villages.
                            weight=1 if is_village else 3,
                        )
                    )
    return CityPlan(areas=areas, grids=grids)


@dataclass
class HouseholdSpec:
    grid_code: str
    number: str
    building: str
    address: str
    members: list[Person] = field(default_factory=list)


def _address(grid: GridSpec, n: int) -> tuple[str, str, str]:
    """(building name, household number, address) of the n-th (1-based) household of a grid.

    Building numbers interleave across a community's grids so they never repeat within it.
    """
    local_building, slot = divmod(n - 1, HOUSEHOLDS_PER_BUILDING)
    building_no = grid.index + 1 + local_building * grid.siblings
    if grid.is_village:
        building = f"{building_no}组"
        house = local_building * HOUSEHOLDS_PER_BUILDING + slot + 1
        return building, f"{building_no}-{house}", f"{grid.place}{building_no}组{house}号"
    unit, rest = divmod(slot, 6)
    floor, room = divmod(rest, 2)
    room_no = f"{floor + 1}{room + 1:02d}"
    return (
        f"{building_no}栋",
        f"{building_no}-{unit + 1}-{room_no}",
        f"{grid.place}{building_no}栋{unit + 1}单元{room_no}室",
    )


def iter_households(
    grids: list[GridSpec], *, seed: int, district_codes: tuple[str, ...] = ()
) -> Iterator[HouseholdSpec]:
    """Households forever; each one drawn from its own seeded generator."""
    weights = [g.weight for g in grids]
    per_grid: dict[str, int] = {}
    k = 0
    while True:
        rng = random.Random(f"{seed}/household/{k}")
        grid = rng.choices(grids, weights=weights)[0]
        per_grid[grid.code] = n = per_grid.get(grid.code, 0) + 1
        building, number, address = _address(grid, n)
        size = rng.choices(HOUSEHOLD_SIZES, weights=HOUSEHOLD_SIZE_WEIGHTS)[0]
        members = make_household(size, grid.district_code, rng, local_regions=district_codes)
        yield HouseholdSpec(grid.code, number, building, address, members)
        k += 1


def plan_households(plan: CityPlan, *, residents: int, seed: int) -> list[HouseholdSpec]:
    """The first ``residents`` people of the stream, in their households (the last one may
    be cut short). ID numbers are unique: a person whose generated number was already drawn
    gets the next order number."""
    districts = tuple(sorted({g.district_code for g in plan.grids}))
    out: list[HouseholdSpec] = []
    seen: set[str] = set()
    remaining = residents
    stream = iter_households(plan.grids, seed=seed, district_codes=districts)
    while remaining > 0:
        household = next(stream)
        household.members = household.members[:remaining]
        for person in household.members:
            while person.id_number in seen:
                person.id_number = _next_order(person.id_number)
            seen.add(person.id_number)
        out.append(household)
        remaining -= len(household.members)
    return out


def _next_order(id_number: str) -> str:
    """Same region, birth date and gender; the next free order number (wraps within 000–999)."""
    order = (int(id_number[14:17]) + 2) % 1000
    body = f"{id_number[:14]}{order:03d}"
    return body + ric.calc_check_digit(body + "0")
