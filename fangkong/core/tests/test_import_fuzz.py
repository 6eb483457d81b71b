"""Every importer against lists as people really key them, and worse: each registered
importer gets a workbook whose cells are, at random, what its template suggests, blank, or
something no column expects (long text, numbers where text belongs, impossible dates,
formulas, full-width digits, spreadsheet error values…), with rows repeated. The check, the
import that skips bad rows, and the same file again must each end with every row either
written or refused with a message: never an exception, and the audit chain intact.

It found an item list naming one 名称 under two codes failing the whole file on the unique
index, and a staff list imported twice opening a second account for each blank 登录名.
The suite runs 40 rows an importer; ``make bench`` runs 2,000 (``FANGKONG_IMPORT_FUZZ_ROWS``,
and ``FANGKONG_IMPORT_FUZZ_SEED`` for other rows)."""

from __future__ import annotations

import datetime
import os
import random

import openpyxl
import pytest
from django.utils import timezone

from fangkong.core.audit import verify_chain
from fangkong.core.importing import run_import
from fangkong.core.importing.base import importers
from fangkong.core.testing import builders, factories
from fangkong.demo.enterprises import make_credit_code

pytestmark = pytest.mark.django_db

ROWS = int(os.environ.get("FANGKONG_IMPORT_FUZZ_ROWS", "40"))
SEED = int(os.environ.get("FANGKONG_IMPORT_FUZZ_SEED", "20200124"))
REASON = "指挥部通知（导入测试）"

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


def _row(key: str, importer, place: Place, n: int, rng: random.Random) -> list:
    """A row as a list would have it (``n``: its number, for values that tell records apart),
    then, often, a cell or a few keyed wrong or left out."""
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
    row = [by_column.get(c.key, c.example or None) for c in importer.columns]
    if rng.random() < 0.6:
        for i in rng.sample(range(len(row)), k=min(len(row), rng.choice((1, 1, 2, 3)))):
            row[i] = None if rng.random() < 0.3 else rng.choice(ODD)
    return row


def _rows(key: str, importer, place: Place, rng: random.Random) -> list[list]:
    rows: list[list] = [["导入测试名单"], [str(c.header) for c in importer.columns]]
    for n in range(ROWS):  # below a title row and the header, as lists have them
        if len(rows) > 2 and rng.random() < 0.1:
            rows.append(list(rng.choice(rows[2:])))  # the same row keyed twice
        else:
            rows.append(_row(key, importer, place, n, rng))
    return rows


def _save(path, rows: list[list]):
    """As Excel keeps the cells, or as text in a CSV (what a list exported from another
    system is): dates, numbers and yes/no then reach the parsers as text."""
    if path.suffix == ".csv":
        text = (",".join(csv_cell(v) for v in row) for row in rows)
        path.write_text("\r\n".join(text), encoding="utf-8-sig")
        return path
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\r\n') else text


def _accounted(result) -> None:
    assert result.created + result.updated + result.unchanged + result.rejected == result.total
    for e in result.errors:
        assert e.message and isinstance(e.message, str), e


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("key", sorted(importers()))
def test_any_list_is_checked_imported_and_imported_again_without_an_error(
    key, suffix, areas, users, tmp_path
):
    importer = importers()[key]
    actor, area = users["command"], areas["community"]
    place = Place(areas, users)
    rng = random.Random(f"{SEED}:{key}")
    path = _save(tmp_path / f"名单{suffix}", _rows(key, importer, place, rng))
    kw = {"actor": actor, "area": area, "options": factories.import_options(key, actor, area)}

    dry = run_import(key, path, dry_run=True, **kw)
    _accounted(dry)
    assert dry.total >= ROWS * 0.5  # the header was found and the rows read
    done = run_import(key, path, skip_invalid=True, **kw)
    _accounted(done)
    assert done.committed
    again = run_import(key, path, skip_invalid=True, **kw)
    _accounted(again)
    assert again.created == 0
    chain = verify_chain()
    assert chain.ok, chain.problem
