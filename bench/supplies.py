"""``python -m bench.supplies``: how fast stock is derived from a large ledger (issue 7).

Stock is never stored; the dashboard asks ``supplies.selectors`` for it. This writes a fresh
database with ``--movements`` ledger rows (200 places × 20 items, 60 days of daily issues after
one receipt each, written with ``bulk_create``, bypassing the services: no audit entries) and
times the selectors as a city user and as a district user: first call and median of 5.

    .venv/bin/python -m bench.supplies --movements 1000000             # SQLite, var/bench/
    .venv/bin/python -m fangkong.core.testing.postgres run -- \\
        .venv/bin/python -m bench.supplies --movements 1000000          # PostgreSQL
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PLACES, ITEMS, DAYS = 200, 20, 60


def _setup(var_dir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings.dev")
    os.environ["FANGKONG_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("FANGKONG_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _fixture(movements: int) -> dict:
    import random
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from fangkong.accounts.choices import Role
    from fangkong.accounts.models import User
    from fangkong.areas.choices import AreaLevel
    from fangkong.areas.models import Area
    from fangkong.supplies.models import Item, Lot, Movement, Warehouse

    rng = random.Random(2020)
    now = timezone.now()
    with transaction.atomic():
        city = Area.objects.create(code="510400", name="攀枝花市", level=AreaLevel.CITY)
        districts = [
            Area.objects.create(
                code=f"5104{i:02d}", name=f"区{i}", level=AreaLevel.DISTRICT, parent=city
            )
            for i in range(1, 11)
        ]
        items = Item.objects.bulk_create(
            Item(code=f"I{i:03d}", name=f"物资{i}", unit="piece", alert_days=3)
            for i in range(ITEMS)
        )
        places = Warehouse.objects.bulk_create(
            Warehouse(area=districts[i % 10], name=f"库点{i}", kind="community")
            for i in range(PLACES)
        )
        per_pair = max(2, movements // (PLACES * ITEMS))
        start = now - datetime.timedelta(days=DAYS)
        lots = Lot.objects.bulk_create(
            Lot(
                item=it,
                warehouse=wh,
                source="purchase",
                quantity=Decimal(10**7),
                entered_quantity=Decimal(10**7),
                entered_unit="piece",
                received_at=start,
            )
            for wh in places
            for it in items
        )
        rows, written = [], 0
        for lot in lots:
            rows.append(
                Movement(
                    warehouse_id=lot.warehouse_id,
                    item_id=lot.item_id,
                    lot=lot,
                    kind="in",
                    quantity=lot.quantity,
                    entered_quantity=lot.quantity,
                    entered_unit="piece",
                    occurred_at=start,
                )
            )
            for _ in range(per_pair - 1):
                q = Decimal(rng.randint(1, 500))
                at = start + datetime.timedelta(minutes=rng.randint(0, DAYS * 1440 - 1))
                rows.append(
                    Movement(
                        warehouse_id=lot.warehouse_id,
                        item_id=lot.item_id,
                        lot=lot,
                        kind="out",
                        quantity=-q,
                        entered_quantity=q,
                        entered_unit="piece",
                        occurred_at=at,
                        recipient="领用",
                    )
                )
            if len(rows) >= 20_000:
                Movement.objects.bulk_create(rows, batch_size=5000)
                written += len(rows)
                rows = []
        Movement.objects.bulk_create(rows, batch_size=5000)
        written += len(rows)
        command = User.objects.create_user(username="bench-city", role=Role.COMMAND, area=city)
        district = User.objects.create_user(
            username="bench-district", role=Role.COMMAND, area=districts[0]
        )
    return {
        "rows": written,
        "city": command,
        "district": district,
        "place": places[0],
        "item": items[0],
    }


def _time(fn, repeat: int = 5) -> tuple[float, float]:
    t0 = time.perf_counter()
    fn()
    first = (time.perf_counter() - t0) * 1000
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return first, statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--movements", type=int, default=1_000_000)
    args = parser.parse_args()
    var_dir = REPO / "var" / "bench" / "supplies"
    if "DATABASE_URL" not in os.environ and var_dir.exists():
        shutil.rmtree(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    _setup(var_dir)
    from django.db import connection

    from fangkong.supplies import selectors
    from fangkong.supplies.models import Movement

    t0 = time.perf_counter()
    f = _fixture(args.movements)
    print(f"fixture: {f['rows']:,} ledger rows in {time.perf_counter() - t0:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    city = Movement.objects.visible_to(f["city"])
    district = Movement.objects.visible_to(f["district"])
    steps = [
        (
            "stock_of(one place, one item)",
            lambda: selectors.stock_of(city, warehouse=f["place"], item=f["item"]),
        ),
        ("stock_by_item, city", lambda: selectors.stock_by_item(city)),
        ("stock_by_item_and_area, city", lambda: selectors.stock_by_item_and_area(city)),
        ("stock_table (days of cover), city", lambda: selectors.stock_table(city)),
        ("stock_table (days of cover), one district", lambda: selectors.stock_table(district)),
        ("low_stock_alerts, city", lambda: selectors.low_stock_alerts(city)),
    ]
    print("| Database | Step | First | Median of 5 |\n|---|---|---:|---:|")
    for name, fn in steps:
        first, median = _time(fn)
        print(f"| {connection.vendor} | {name} | {first:.1f} ms | {median:.1f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
