"""Benchmark steps that run inside a Django process (``python -m bench setup-areas|floor``).

The orchestrator (``bench.cli``) never imports Django itself: every step runs in a child
process whose environment names the database under test, so each step sees exactly the
configuration a real ``fangkong`` command would.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from . import dataset


def setup_areas() -> int:
    """Create the bench city tree (through the model, so paths are computed as usual)."""
    from fangkong.areas.models import Area

    created = 0
    with transaction.atomic():
        by_code: dict[str, Area] = {}
        for spec in dataset.area_tree():
            area = Area.objects.create(
                code=spec.code,
                name=spec.name,
                level=spec.level,
                parent=by_code.get(spec.parent_code) if spec.parent_code else None,
            )
            by_code[spec.code] = area
            created += 1
    return created


FLOOR_COLUMNS = (
    "created_at",
    "updated_at",
    "version",
    "area_id",
    "household_id",
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "category",
    "origin",
    "arrival_date",
    "tags",
    "notes",
    "id_number_index",
    "id_number_last4",
    "phone_index",
    "phone_last4",
    "name_norm",
    "name_pinyin",
    "name_initials",
)


def floor_sql(placeholder: str = "%s") -> str:
    from fangkong.registry.models import Resident

    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in FLOOR_COLUMNS)
    marks = ", ".join([placeholder] * len(FLOOR_COLUMNS))
    return f"INSERT INTO {qn(Resident._meta.db_table)} ({cols}) VALUES ({marks})"  # noqa: S608


def floor_insert(path: Path) -> int:
    """The floor: the file's rows, read with ``csv``, inserted by ONE ``executemany``.

    Raw CSV strings go into the same columns of the same table (with all its indexes, the
    unique one included): the ID number string stands in for its blind index, the name for
    its search keys, and so on, so every index gets values of realistic cardinality. Nothing
    is validated, encrypted, hashed, converted or audited; the only work besides the insert
    is mapping the grid code to its area id.

    The insert goes through the driver's own DB-API cursor (``sqlite3`` / ``psycopg``, with
    its native parameter binding) inside Django's transaction on Django's connection, so the
    connection settings (WAL, ``synchronous=NORMAL``, cache size) are the platform's. Django's
    cursor wrapper is left out: on SQLite it ``tee()``s a generator and so holds every row
    in memory, and on PostgreSQL it binds parameters client-side.
    """
    from fangkong.areas.models import Area

    area_ids = dict(Area.objects.values_list("code", "id"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    count = 0

    def params():
        nonlocal count
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)  # header
            for (
                name,
                gender,
                id_number,
                phone,
                address,
                grid,
                category,
                origin,
                arrival,
                tags,
            ) in reader:
                count += 1
                yield (
                    now,
                    now,
                    1,
                    area_ids[grid],
                    None,
                    name,
                    gender,
                    None,
                    id_number,
                    phone,
                    address,
                    category,
                    origin,
                    arrival or None,
                    tags,
                    "",
                    id_number,
                    id_number[-4:],
                    phone or None,
                    phone[-4:] or None,
                    name,
                    name,
                    name,
                )

    with transaction.atomic():
        raw = connection.connection
        if connection.vendor == "postgresql":
            import psycopg

            cursor, sql = psycopg.Cursor(raw), floor_sql("%s")
        else:
            cursor, sql = raw.cursor(), floor_sql("?")
        try:
            cursor.executemany(sql, params())
        finally:
            cursor.close()
    return count
