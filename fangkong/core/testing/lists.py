"""Lists as people key them, for import tests: ``Place`` registers what a list's rows name
(residents, accounts, places, items), ``row`` makes a row an importer takes, ``spoiled``
keys a cell or a few wrong, ``save`` writes rows as .xlsx or CSV."""

from __future__ import annotations

import datetime
import random

import openpyxl
from django.utils import timezone

from fangkong.demo.enterprises import make_credit_code

from . import builders, factories

# What no column expects, as a spreadsheet can hold it.
ODD = (
    " ",
    "　",  # an ideographic space
    "-",
    "/",
    "无",
    "NULL",
    "#N/A",
    "#VALUE!",
    "=1+1",
    "@SUM(A1)",
    "见附件",
    "x" * 300,
    "测" * 5000,
    "😷",
    "１３８００１３８０００",  # full-width digits
    "２０２２年４月１０日",
    "2022-02-30",
    "2022/13/01",
    "25:61",
    "0",
    "-1",
    "3.5",
    "1e308",
    "9" * 40,
    0,
    -1,
    3.5,
    2**63,
    -(2**63),
    1e300,
    True,
    False,
    datetime.date(1900, 1, 1),
    datetime.date(2100, 12, 31),
    datetime.datetime(2022, 4, 10, 23, 59, 59),
    datetime.time(8, 30),
)


class Place:
    """What a list's rows name that must exist: residents, accounts, places, items."""

    def __init__(self, areas, users):
        from fangkong.registry.models import Building
        from fangkong.supplies.models import Item, Warehouse
        from fangkong.volunteers import services as volunteers

        actor = users["command"]
        # (name, ID number, the account of the grid worker responsible for them)
        self.residents = [
            (r.name, r.id_number, account)
            for grid, account in (("grid_a", "grid_a"), ("grid_b", "grid_b"))
            for r in factories.make_residents(actor, areas[grid], 12, prefix=grid)
        ]
        self.areas = ["第一网格", "第二网格", "510411001001G01", "海棠花语社区"]
        self.accounts = ["grid_a", "grid_b", "community"]
        self.buildings = [builders.build(Building, areas["grid_a"]).name for _ in range(4)]
        self.warehouses = [builders.build(Warehouse, areas["community"]).name]
        self.items = [builders.build(Item, areas["community"]).code for _ in range(4)]
        self.members = []
        for n in range(4):
            rng = random.Random(n)
            data = {
                "area": areas["grid_a"],
                "name": f"党员{n}",
                "id_number": factories.make_id_number(rng=rng),
                "phone": factories.make_phone(rng),
                "is_party_member": True,
                "state": "active",
            }
            self.members.append(volunteers.create_volunteer(actor=actor, data=data).name)


# Importers whose rows name a registered resident.
OF_RESIDENTS = {"health.assignment", "health.nucleic_acid_test", "tracing.named_contact"}


def row(key: str, importer, place: Place, n: int, rng: random.Random) -> list:
    """A row importer ``key`` takes, as a list would have it (``n``: its number, for values
    that tell records apart)."""
    day = timezone.localdate() - datetime.timedelta(days=rng.randrange(0, 20))
    name, ident, account = rng.choice(place.residents)
    if key not in OF_RESIDENTS and rng.random() < 0.4:
        ident = factories.make_id_number(rng=rng)  # someone new
    at = datetime.datetime.combine
    by_column = {
        "id_number": ident,
        "name": f"{importer.label}{n}" if key in {"prices.market", "venues.venue"} else name,
        "full_name": name,
        "phone": None if key == "pairing.pairing" else factories.make_phone(rng),
        "contact_phone": factories.make_phone(rng),
        "gender": None,  # the ID number's
        "birth_date": None,
        "area": rng.choice(place.areas),
        "community": rng.choice(place.areas),
        "grid": "第一网格" if key == "pairing.pairing" else rng.choice(place.areas[:3]),
        "username": f"user{n}" if rng.random() < 0.5 else None,
        "person": account,
        "responsible": account,
        "credit_code": make_credit_code(rng),
        "code": f"KZ-{n:03d}",
        "item": place.items[n % len(place.items)],
        "warehouse": place.warehouses[0],
        "document": f"RK{n // 3:04d}",
        "quantity": rng.randrange(1, 500),
        "unit": "只" if key == "supplies.item" else None,  # a note's: the item's own
        "volunteer": rng.choice(place.members),
        "building": rng.choice(place.buildings),
        "household": None,
        "place_name": f"湖北省武汉市第{n}区",
        "place_code": f"42{n:04d}",
        "date": day,
        "start": at(day, datetime.time(8)),
        "end": at(day, datetime.time(20)),
        "start_date": day,
        "end_date": day + datetime.timedelta(days=14),
        "sampled_at": at(day, datetime.time(10, 30)),
        "reported_at": at(day, datetime.time(20)),
        "received_at": day,
        "arrival_date": day,
        "last_exposure": day,
        "effective_from": None,  # the run's
    }
    return [by_column.get(c.key, c.example or None) for c in importer.columns]


def spoiled(cells: list, rng: random.Random) -> list:
    """Often, a cell or a few keyed wrong or left out."""
    cells = list(cells)
    if rng.random() < 0.6:
        for i in rng.sample(range(len(cells)), k=min(len(cells), rng.choice((1, 1, 2, 3)))):
            cells[i] = None if rng.random() < 0.3 else rng.choice(ODD)
    return cells


def listing(key: str, importer, place: Place, rng: random.Random, rows: int, spoil=True) -> list:
    """A list of ``rows`` below a title row and the header, as lists have them; with
    ``spoil``, cells keyed wrong and about one row in ten keyed twice."""
    out: list[list] = [["导入测试名单"], [str(c.header) for c in importer.columns]]
    for n in range(rows):
        if spoil and len(out) > 2 and rng.random() < 0.1:
            out.append(list(rng.choice(out[2:])))  # the same row keyed twice
        else:
            cells = row(key, importer, place, n, rng)
            out.append(spoiled(cells, rng) if spoil else cells)
    return out


def save(path, rows: list[list]):
    """As Excel keeps the cells, or as text in a CSV (what a list exported from another
    system is): dates, numbers and yes/no then reach the parsers as text."""
    if path.suffix == ".csv":
        text = (",".join(_csv_cell(v) for v in cells) for cells in rows)
        path.write_text("\r\n".join(text), encoding="utf-8-sig")
        return path
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text
