"""Tracing benchmark steps (issue 5): the generated city, the platform's tracing, the oracle.

``tracing-generate`` writes the scans of a city as a CSV (person, venue, epoch second,
direction) — 10,000,000 by default, by 1,000,000 people at 10,000 venues over 14 days —
cached by its parameters. Each person keeps a handful of usual venues near home (a market,
a shop, the office) plus random ones; every visit has an entry scan, half of them an exit
scan 10–120 minutes later.

``tracing-fixture`` loads it into the configured database: residents (minimal, valid rows:
the personal fields of a fixture are not what is measured), venues spread over the bench
city's grids, the scans (driver ``executemany`` on SQLite, ``COPY`` on PostgreSQL), and 100
cases among people who scanned, confirmed at the end of the period.

``tracing-measure`` runs ``tracing.tracer`` for every case (close contacts, then the full
trace with secondary contacts) and prints the (case, person) pairs and timings as JSON.

``oracle`` answers the same question with DuckDB over the same CSV, in one plain SQL query
that states the rules of ``tracing.engine``.
"""

from __future__ import annotations

import csv
import datetime
import json
import random
import statistics
import time
from pathlib import Path

DAYS = 14
EPOCH0 = int(datetime.datetime(2022, 3, 1, tzinfo=datetime.UTC).timestamp())
USUAL_VENUES = 5
CASES = 100
BATCH = 20_000


def csv_path(cache_dir: Path, people: int, venues: int, scans: int, seed: int) -> Path:
    return cache_dir / f"scans-{people}-{venues}-{scans}-{seed}.csv"


def generate(path: Path, people: int, venues: int, scans: int, seed: int) -> dict:
    """Write the scans CSV (sorted by nothing in particular); returns the counts."""
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    written = visits = 0
    per_person = scans / people
    with tmp.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["person", "venue", "t", "dir"])
        for person in range(people):
            home = person * venues // people  # neighbours share venues
            usual = [(home + rng.randrange(-20, 21)) % venues for _ in range(USUAL_VENUES)]
            budget = int(per_person) + (1 if rng.random() < per_person % 1 else 0)
            while budget > 0:
                venue = rng.choice(usual) if rng.random() < 0.8 else rng.randrange(venues)
                day = rng.randrange(DAYS)
                start = EPOCH0 + day * 86400 + rng.randrange(6 * 3600, 22 * 3600)
                out.writerow([person, venue, start, "in"])
                written += 1
                visits += 1
                budget -= 1
                if budget > 0 and rng.random() < 0.5:
                    out.writerow([person, venue, start + rng.randrange(600, 7200), "out"])
                    written += 1
                    budget -= 1
    tmp.replace(path)
    return {"scans": written, "visits": visits}


def read_scans(path: Path, chunk: int = 50_000):
    """The scans in time order (DuckDB sorts the CSV): inserts then append to the
    ``(scanned_at, uuid)`` key instead of landing all over it."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads = 2")
    cur = con.execute(
        "SELECT person, venue, t, dir FROM read_csv($p, header = true, columns = {'person': "
        "'INTEGER', 'venue': 'INTEGER', 't': 'BIGINT', 'dir': 'VARCHAR'}) ORDER BY t",
        {"p": str(path)},
    )
    while rows := cur.fetchmany(chunk):
        yield from rows
    con.close()


# --- inside Django ---------------------------------------------------------------------------


def build_fixture(path: Path, people: int, venues: int, seed: int) -> dict:
    import secrets
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from fangkong.areas.models import Area
    from fangkong.registry.models import Resident
    from fangkong.tracing.models import Case
    from fangkong.venues.models import Scan, Venue

    from .dataset import grids
    from .status import _dt, insert_rows

    rng = random.Random(seed)
    now = timezone.now()
    ts = _dt(now)
    grid_ids = list(
        Area.objects.filter(code__in=[g.code for g in grids()])
        .order_by("path")
        .values_list("id", flat=True)
    )
    counts = {}
    if connection.vendor == "sqlite":
        with connection.cursor() as c:  # room for the scan indexes while they grow
            c.execute("PRAGMA cache_size = -1048576")
    with transaction.atomic():
        # Residents: valid rows with one shared ciphertext; tracing reads ids and areas only.
        from fangkong.core import crypto

        cipher = crypto.encrypt("510402199001011234")
        counts["residents"] = insert_rows(
            Resident._meta.db_table,
            (
                "created_at",
                "updated_at",
                "version",
                "area_id",
                "name",
                "gender",
                "id_number",
                "phone",
                "address",
                "category",
                "origin",
                "tags",
                "notes",
                "id_number_index",
                "id_number_last4",
                "phone_index",
                "phone_last4",
                "name_norm",
                "name_pinyin",
                "name_initials",
            ),
            (
                (
                    ts,
                    ts,
                    1,
                    grid_ids[i * len(grid_ids) // people],
                    f"居民{i}",
                    "M",
                    cipher,
                    "",
                    "",
                    "permanent",
                    "",
                    "",
                    "",
                    f"bench{i:027d}",
                    "1234",
                    None,
                    None,
                    f"居民{i}",
                    f"ju min {i}",
                    "jm",
                )
                for i in range(people)
            ),
        )
        first = Resident.objects.order_by("pk").values_list("pk", flat=True).first()
        counts["venues"] = insert_rows(
            Venue._meta.db_table,
            (
                "created_at",
                "updated_at",
                "version",
                "area_id",
                "name",
                "kind",
                "address",
                "measures_temperature",
                "active",
                "code",
                "notes",
                "name_norm",
                "name_pinyin",
                "name_initials",
            ),
            (
                (
                    ts,
                    ts,
                    1,
                    grid_ids[v * len(grid_ids) // venues],
                    f"场所{v}",
                    "market",
                    "",
                    False,
                    True,
                    secrets.token_urlsafe(12),
                    "",
                    f"场所{v}",
                    f"chang suo {v}",
                    "cs",
                )
                for v in range(venues)
            ),
        )
        venue0 = Venue.objects.order_by("pk").values_list("pk", flat=True).first()
        columns = (
            "scanned_at",
            "uuid",
            "venue_id",
            "resident_id",
            "direction",
            "colour",
            "admitted",
            "source",
            "visitor_name",
            "id_number",
            "phone",
            "recorded_at",
        )

        def rows():
            for person, venue, t, direction in read_scans(path):
                at = datetime.datetime.fromtimestamp(t, datetime.UTC)
                yield (
                    at,
                    uuid.UUID(int=rng.getrandbits(128)),
                    venue0 + venue,
                    first + person,
                    direction,
                    "green",
                    True,
                    "device",
                    "",
                    "",
                    "",
                    now,
                )

        if connection.vendor == "postgresql":
            import psycopg

            qn = connection.ops.quote_name
            cols = ", ".join(qn(c) for c in columns)
            cur = psycopg.Cursor(connection.connection)
            with cur.copy(f"COPY {qn(Scan._meta.db_table)} ({cols}) FROM STDIN") as copy:
                n = 0
                for row in rows():
                    copy.write_row(row)
                    n += 1
            counts["scans"] = n
        else:
            counts["scans"] = insert_rows(
                Scan._meta.db_table,
                columns,
                ((_dt(r[0]), r[1].hex, *r[2:11], _dt(r[11])) for r in rows()),
            )
        # 100 cases among people who scanned, confirmed at the end of the period.
        end = datetime.datetime.fromtimestamp(EPOCH0 + DAYS * 86400, datetime.UTC)
        persons = rng.sample(range(people), CASES)
        counts["cases"] = insert_rows(
            Case._meta.db_table,
            (
                "created_at",
                "updated_at",
                "version",
                "resident_id",
                "code",
                "kind",
                "confirmed_at",
                "status",
                "source",
                "notes",
            ),
            (
                (ts, ts, 1, first + p, f"B-{n:03d}", "confirmed", _dt(end), "active", "", "")
                for n, p in enumerate(persons)
            ),
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    counts["first_resident"] = first
    counts["case_people"] = [[f"B-{n:03d}", p] for n, p in enumerate(persons)]
    return counts


def measure(full_runs: int = 20) -> dict:
    """The platform's tracing for every case: close contacts (what the oracle checks), then
    the full trace (with secondary contacts) for ``full_runs`` of them."""
    from django.db import connection

    from fangkong.registry.models import Resident
    from fangkong.tracing.engine import Params
    from fangkong.tracing.models import Case
    from fangkong.tracing.tracer import close_contacts, trace

    params = Params.from_settings()
    first = Resident.objects.order_by("pk").values_list("pk", flat=True).first()
    cases = list(Case.objects.order_by("code"))
    pairs, per_case = [], []
    connection.ensure_connection()
    start_all = time.perf_counter()
    for case in cases:
        start = time.perf_counter()
        _visits, found = close_contacts(case, params)
        per_case.append((time.perf_counter() - start) * 1000)
        pairs += [[case.code, person - first] for person in found]
    total = time.perf_counter() - start_all
    full, sizes = [], []
    for case in cases[:full_runs]:
        start = time.perf_counter()
        result = trace(case, params, until=case.confirmed_at + datetime.timedelta(days=3))
        full.append((time.perf_counter() - start) * 1000)
        sizes.append(len(result.close) + len(result.secondary))
    return {
        "cases": len(cases),
        "pairs": sorted(pairs),
        "close_total_s": total,
        "close_ms_median": statistics.median(per_case),
        "close_ms_max": max(per_case),
        "full_ms_median": statistics.median(full),
        "full_ms_max": max(full),
        "full_contacts_median": statistics.median(sizes),
        "params": {
            "window": int(params.window.total_seconds()),
            "default_stay": int(params.default_stay.total_seconds()),
            "max_stay": int(params.max_stay.total_seconds()),
            "lookback": int(params.lookback.total_seconds()),
        },
    }


# --- the oracle ------------------------------------------------------------------------------

ORACLE_SQL = """
WITH visits AS (
    SELECT i.person, i.venue, i.t AS s,
           COALESCE(MIN(o.t), i.t + $default_stay) AS e
    FROM scans i
    LEFT JOIN scans o
      ON o.dir = 'out' AND o.person = i.person AND o.venue = i.venue
     AND o.t > i.t AND o.t <= i.t + $max_stay
    WHERE i.dir = 'in'
    GROUP BY i.person, i.venue, i.t
),
case_visits AS (
    SELECT c.code, v.person, v.venue, v.s, v.e
    FROM cases c JOIN visits v
      ON v.person = c.person AND v.s BETWEEN c.begin_t AND c.end_t
)
SELECT DISTINCT cv.code, v.person
FROM case_visits cv
JOIN visits v
  ON v.venue = cv.venue AND v.person <> cv.person
 AND v.s <= cv.e + $window AND v.e >= cv.s - $window
ORDER BY 1, 2
"""


def oracle(path: Path, cases: list[tuple[str, int]], params: dict, threads: int = 2) -> dict:
    """DuckDB's answer; ``cases`` are (code, person index), all confirmed at the period's end."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    start = time.perf_counter()
    con.execute(
        "CREATE TABLE scans AS SELECT * FROM read_csv($p, header = true, "
        "columns = {'person': 'INTEGER', 'venue': 'INTEGER', 't': 'BIGINT', 'dir': 'VARCHAR'})",
        {"p": str(path)},
    )
    load = time.perf_counter() - start
    end_t = EPOCH0 + DAYS * 86400
    con.execute("CREATE TABLE cases (code VARCHAR, person INTEGER, begin_t BIGINT, end_t BIGINT)")
    con.executemany(
        "INSERT INTO cases VALUES (?, ?, ?, ?)",
        [(code, p, end_t - params["lookback"], end_t) for code, p in cases],
    )
    start = time.perf_counter()
    names = ("window", "default_stay", "max_stay")
    pairs = con.execute(ORACLE_SQL, {k: params[k] for k in names}).fetchall()
    query = time.perf_counter() - start
    return {"pairs": [[c, p] for c, p in pairs], "load_s": load, "query_s": query}


def dump(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, default=str))
