"""Tracing benchmark steps (issue 5): the generated city, the platform's tracing, the oracle.

Public API — the city as a loaded database (``python -m bench dashboard`` builds on it)::

    from bench.databases import postgres_database, sqlite_database
    from bench.tracing import load_city

    db = sqlite_database(work_dir)        # or: db, why = postgres_database(work_dir)
    city = load_city(db, people=1_000_000, venues=10_000, scans=10_000_000, seed=20200123)
    city.env      # environment of a child process on that database (DJANGO_SETTINGS_MODULE,
                  # FANGKONG_VAR_DIR with its secrets, DATABASE_URL on PostgreSQL)
    city.counts   # residents, venues, scans, cases, first_resident, first_venue, case_people
    city.seconds  # the load's wall time (0 when SQLite came from the cache)
    db.close()    # stops a throw-away PostgreSQL cluster

``load_city`` loads a fresh migrated copy of the bench city (areas as ``setup-areas``): the
first ``people`` residents of the bench residents CSV (encrypted, blind-indexed and
search-keyed in bulk, as ``status-fixture`` does), ``venues`` venues spread over the grids,
``scans`` entry/exit scans over 14 days from 2022-03-01 (UTC), and 100 confirmed cases
(``B-000``…) at the period's end. Resident ids and venue ids are contiguous: person ``i`` of
the scans is resident ``first_resident + i``. SQLite: the loaded database (with its secrets)
is cached under ``var/bench/tracing/cities/`` keyed by the parameters and the migrations, and
copied for each run. PostgreSQL (a throw-away cluster the bench started): the stopped
cluster's data directory is cached the same way (``postgres15-…``, with the run's secrets) and
each run starts a cluster on a copy of it, or on it when the run writes nothing
(``load_city(…, writes=False)``: the tracing measurement).

Steps (each a ``python -m bench`` subcommand run in a child process):

``tracing-generate`` writes the scans of a city as a CSV (person, venue, epoch second,
direction), cached by its parameters; ``scans_parquet`` keeps it sorted by time as Parquet.
Each person keeps a handful of usual venues near home (a market, a shop, the office) plus
random ones; every visit has an entry scan, half of them an exit scan 10–120 minutes later.
The load stores one person in 25's scans before their registration (day 11–13) as a
visitor's (``ARRIVAL_EVERY``); the CSV and the oracle keep them as the person's.

``tracing-fixture`` loads the city into the configured database (``build_fixture``) with
the secondary indexes dropped during the load and built after it: SQLite by ``executemany``
in one transaction without journal or fsync, PostgreSQL by ``COPY`` into the month's
partition, then ``VACUUM ANALYZE``.

``tracing-measure`` runs ``tracing.tracer`` for the cases (all at once, then one by one, then
the full trace with secondary contacts) and prints the (case, person) pairs and timings.

``oracle`` answers the same question with DuckDB over the same scans, in one plain SQL query
that states the rules of ``tracing.engine``.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import itertools
import json
import random
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .dataset import DEFAULT_SEED

if TYPE_CHECKING:
    from .databases import Database

DAYS = 14
EPOCH0 = int(datetime.datetime(2022, 3, 1, tzinfo=datetime.UTC).timestamp())
USUAL_VENUES = 5
CASES = 100
# One person in 25 arrived shortly before the period's last days and was registered on one
# of them: until then the checkpoints kept their scans as a visitor's, under their ID
# number's blind index (``tracing.tracer.former_visitor_scans``). The oracle knows nothing
# of it: they are the same people.
ARRIVAL_EVERY = 25
BATCH = 50_000
FIXTURE_VERSION = 4  # bump when build_fixture writes different rows
# Older fixture versions that ``migrate`` brings to the current one: v3 only added the scans'
# per-day counts, which venues migration 0005 counts from the stored scans.
MIGRATABLE_VERSIONS = ("v2",)
SCAN_COLUMNS = (
    "scanned_at",
    "uuid",
    "venue_id",
    "resident_id",
    "direction",
    "colour",
    "id_number_index",
    "admitted",
    "source",
    "visitor_name",
    "id_number",
    "phone",
    "recorded_at",
)


def csv_path(cache_dir: Path, people: int, venues: int, scans: int, seed: int) -> Path:
    return cache_dir / f"scans-{people}-{venues}-{scans}-{seed}.csv"


def generate(path: Path, people: int, venues: int, scans: int, seed: int) -> dict:
    """Write the scans CSV (sorted by nothing in particular); returns the counts."""
    import csv

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


def scans_parquet(csv_file: Path) -> Path:
    """The scans CSV as Parquet sorted by time (cached beside it): the loads append to the
    ``(scanned_at, uuid)`` key in order, and DuckDB reads it in a second."""
    import duckdb

    path = csv_file.with_suffix(".parquet")
    if path.exists():
        return path
    tmp = path.with_suffix(".parquet.tmp")
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(
        f"COPY (SELECT person, venue, t, dir FROM read_csv('{csv_file}', header = true, "  # noqa: S608
        "columns = {'person': 'INTEGER', 'venue': 'INTEGER', 't': 'BIGINT', 'dir': 'VARCHAR'}) "
        f"ORDER BY t, person, venue, dir) TO '{tmp}' (FORMAT parquet)"
    )
    con.close()
    tmp.replace(path)
    return path


def registered_at(person: int) -> int:
    """When an arrival (``ARRIVAL_EVERY``) was registered: the start of day 11, 12 or 13."""
    return EPOCH0 + (DAYS - 3 + person % 3) * 86400


def _scan_query(path: Path, first: int, venue0: int) -> str:
    """DuckDB: the scan table's own values, in time order. The uuid is the row number (a
    unique, repeatable key), times are UTC as Django stores them. An arrival's scans before
    their registration (the ``arrivals`` table: person, blind index, registered at) are a
    visitor's: no resident, their ID number's blind index, colour unknown."""
    return (
        "SELECT strftime(epoch_ms(s.t * 1000), '%Y-%m-%d %H:%M:%S') AS scanned_at, "  # noqa: S608
        "printf('%032x', row_number() OVER (ORDER BY s.t, s.person, s.venue, s.dir)) AS uuid, "
        f"s.venue + {int(venue0)} AS venue_id, "
        f"CASE WHEN a.idx IS NULL THEN s.person + {int(first)} END AS resident_id, s.dir, "
        "CASE WHEN a.idx IS NULL THEN 'green' ELSE 'unknown' END AS colour, "
        "a.idx AS id_number_index "
        f"FROM read_parquet('{path}') s "
        "LEFT JOIN arrivals a ON a.person = s.person AND s.t < a.registered "
        "ORDER BY s.t, s.person, s.venue, s.dir"
    )


def _arrivals(con, first: int) -> None:
    """The ``arrivals`` table in DuckDB, from the loaded residents' blind indexes."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT id, id_number_index FROM registry_resident "
            "WHERE (id - %s) %% %s = 0 AND id_number_index IS NOT NULL",
            [first, ARRIVAL_EVERY],
        )
        rows = [(pk - first, idx, registered_at(pk - first)) for pk, idx in cur.fetchall()]
    con.execute("CREATE TABLE arrivals (person INTEGER, idx VARCHAR, registered BIGINT)")
    con.executemany("INSERT INTO arrivals VALUES (?, ?, ?)", rows)


# --- the city as a loaded database (public; see the module docstring) ------------------------


@dataclass
class City:
    env: dict[str, str]
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    cached: bool = False
    log: str = ""


def _schema_key() -> str:
    """Changes when any migration changes: a cached database must match the code."""
    from .databases import REPO

    digest = hashlib.sha1(usedforsecurity=False)
    for f in sorted((REPO / "fangkong").glob("*/migrations/*.py")):
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:10]


def load_city(
    db: Database,
    people: int = 1_000_000,
    venues: int = 10_000,
    scans: int = 10_000_000,
    seed: int = DEFAULT_SEED,
    *,
    work_dir: Path | None = None,
    writes: bool = True,
) -> City:
    """A fresh copy of the generated city in ``db`` (a ``bench.databases.Database``); a run
    that ``writes`` nothing may get the cached PostgreSQL city itself instead of a copy."""
    from .cli import WORK_DIR, _json_out, ensure_csv
    from .databases import REPO, SetupError
    from .measure import run_measured

    work = work_dir or WORK_DIR / "tracing"
    kind = db.cache_kind
    key = f"{kind}-{people}-{venues}-{scans}-{seed}-v{FIXTURE_VERSION}-{_schema_key()}"
    cache = work / "cities" / key
    if kind and (cache / "counts.json").exists():
        _say(f"{db.label} city from the cache {cache.name}")
        env = db.restore(cache, writes=writes)
        return City(env, json.loads((cache / "counts.json").read_text()), cached=True)
    if kind and (older := older_cache(cache, MIGRATABLE_VERSIONS)) is not None:
        return City(*migrate_forward(db, older, cache, work / "logs", writes=writes), cached=True)
    scans_file = scans_parquet(ensure_scans(work / "data", people, venues, scans, seed))
    residents_csv = ensure_csv(people, seed)
    _say(f"{db.label} {db.version}: template …")
    clock = time.perf_counter()
    db.build_template()
    env = db.fresh()
    template_s = time.perf_counter() - clock
    argv = [sys.executable, "-m", "bench", "tracing-fixture", str(scans_file), str(residents_csv)]
    argv += ["--people", str(people), "--venues", str(venues), "--seed", str(seed)]
    _say(f"{db.label}: loading {people:,} people, {venues:,} venues, {scans:,} scans …")
    m = run_measured(argv, env=env, cwd=REPO, log_dir=work / "logs", name=f"fixture-{db.kind}")
    counts = _json_out(m) if m.returncode == 0 else None
    if not counts:
        raise SetupError(f"{db.label} fixture failed (exit {m.returncode}):\n{m.stderr_tail()}")
    counts.setdefault("timings", {})["template_s"] = round(template_s, 1)
    _say(
        f"{db.label} city loaded in {m.seconds:.1f} s (peak {m.peak_mb:.0f} MB; "
        f"template {template_s:.1f} s before)"
    )
    if kind:
        clock = time.perf_counter()
        db.save(cache, counts)
        if db.kind != "sqlite":  # the cluster moved into the cache: start it there again
            env = db.restore(cache, writes=writes)
        _say(f"{db.label} city cached as {cache.name} in {time.perf_counter() - clock:.1f} s")
    return City(env, counts, seconds=m.seconds + template_s, log=m.stderr_tail(40))


def older_cache(cache: Path, versions: tuple[str, ...] = ()) -> Path | None:
    """The newest cached database of the same parameters as ``cache`` (its name up to the
    schema key; or with its fixture version, the name's last part before the key, replaced
    by one of ``versions``) saved under another migration set, if any."""
    stem = cache.name.rsplit("-", 1)[0]
    base = stem.rsplit("-", 1)[0]
    stems = {stem} | {f"{base}-{v}" for v in versions}
    found = [
        p
        for p in cache.parent.glob(f"{base}-*")
        if p != cache
        and p.name.rsplit("-", 1)[0] in stems
        and p.name.rsplit("-", 1)[1].isalnum()  # not a copy or save in progress (…key.tmp)
        and (p / "counts.json").exists()
    ]
    return max(found, key=lambda p: (p / "counts.json").stat().st_mtime, default=None)


def migrate_forward(
    db: Database, older: Path, cache: Path, log_dir: Path, *, writes: bool = True
) -> tuple[dict[str, str], dict, float]:
    """The cached database ``older`` brought to the current migrations by ``migrate`` and
    saved as ``cache`` (the current key); the older cache is then removed. SQLite migrates a
    copy; PostgreSQL migrates the saved data directory in place (it is removed anyway; each
    migration is a transaction, so a failed run leaves it resumable) and then starts a cluster
    on the new cache as ``restore(…, writes=writes)`` does. Returns the run's env, the counts
    and the seconds it took."""
    from .databases import REPO, SetupError, fangkong_command
    from .measure import run_measured

    _say(f"{db.label} database from the older cache {older.name}: migrating it forward …")
    start = time.perf_counter()
    env = db.restore(older, writes=False)
    argv = [*fangkong_command(), "migrate", "--noinput"]
    m = run_measured(argv, env=env, cwd=REPO, log_dir=log_dir, name=f"migrate-{cache.name}")
    if m.returncode != 0:
        raise SetupError(f"migrating {older.name} failed (exit {m.returncode}):\n{m.stderr_tail()}")
    counts = json.loads((older / "counts.json").read_text())
    db.save(cache, counts)
    shutil.rmtree(older)
    if db.kind != "sqlite":  # the cluster moved into the cache: start it there again
        env = db.restore(cache, writes=writes)
    seconds = time.perf_counter() - start
    _say(f"migrated in {m.seconds:.1f} s, saved as {cache.name} ({seconds:.1f} s in all)")
    return env, counts, seconds


def ensure_scans(data_dir: Path, people: int, venues: int, scans: int, seed: int) -> Path:
    """The cached scans CSV, generated in a child process when missing."""
    from .cli import _json_out
    from .databases import REPO, SetupError, base_env
    from .measure import run_measured

    path = csv_path(data_dir, people, venues, scans, seed)
    if path.exists():
        return path
    _say(f"generating {scans:,} scans → {path}")
    argv = [sys.executable, "-m", "bench", "tracing-generate", str(path)]
    argv += ["--people", str(people), "--venues", str(venues)]
    argv += ["--scans", str(scans), "--seed", str(seed)]
    m = run_measured(
        argv,
        env=base_env(data_dir.parent / "gen", None),
        cwd=REPO,
        log_dir=data_dir.parent / "logs",
        name="tracing-generate",
    )
    if m.returncode != 0 or not path.exists() or not _json_out(m):
        raise SetupError(f"generating the scans failed:\n{m.stderr_tail()}")
    _say(f"generated in {m.seconds:.1f} s")
    return path


def _say(msg: str) -> None:
    print(f"[bench tracing] {msg}", flush=True)


# --- inside Django: the load -----------------------------------------------------------------


def _secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes of ``tables`` that no constraint owns."""
    from django.db import connection

    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            marks = ", ".join("?" * len(tables))
            c.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "  # noqa: S608
                f"AND sql IS NOT NULL AND tbl_name IN ({marks})",
                tables,
            )
            return list(c.fetchall())
        c.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = ANY (%s::regclass[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)",
            [tables],
        )
        # A partitioned table's index reads ``ON ONLY``; built again it covers every partition.
        return [(name, sql.replace(" ON ONLY ", " ON ")) for name, sql in c.fetchall()]


@contextlib.contextmanager
def bulk_load(tables: list[str]):
    """Load ``tables`` fast: their secondary indexes are dropped and built again after the
    load; SQLite runs without journal, fsync or foreign-key checks meanwhile, PostgreSQL
    without foreign-key triggers when it may (the rows are generated consistent); then
    PostgreSQL's tables get ``VACUUM ANALYZE`` (index-only reads)."""
    from django.db import connection

    qn = connection.ops.quote_name
    indexes = _secondary_indexes(tables)
    # Inside a transaction (a test) the pragmas cannot change and VACUUM cannot run.
    outside = not connection.in_atomic_block
    with connection.cursor() as c:
        for name, _sql in indexes:
            c.execute(f"DROP INDEX {qn(name)}")
        if connection.vendor == "sqlite" and outside:
            for pragma in ("foreign_keys = OFF", "journal_mode = OFF", "synchronous = OFF"):
                c.execute(f"PRAGMA {pragma}")
            c.execute("PRAGMA cache_size = -1048576")  # 1 GiB for the index builds
        replica = False
        if connection.vendor == "postgresql":
            # A superuser (the bench's own cluster) skips the foreign-key triggers: one
            # queued check a row would otherwise run at commit.
            c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            replica = bool(c.fetchone()[0])
            if replica:
                c.execute("SET session_replication_role = replica")
    yield
    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            if replica:
                c.execute("RESET session_replication_role")
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # inside a test: checks due now
            c.execute("SET maintenance_work_mem = '512MB'")  # this session's index builds
        for _name, sql in indexes:
            c.execute(sql)
        if connection.vendor == "sqlite":
            c.execute("ANALYZE")
            for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
                if outside:
                    c.execute(f"PRAGMA {pragma}")
        else:
            for table in tables:
                c.execute(f"{'VACUUM (ANALYZE)' if outside else 'ANALYZE'} {qn(table)}")


def bulk_insert(table: str, columns, rows) -> int:
    """``COPY`` on PostgreSQL, batched ``executemany`` on SQLite."""
    from django.db import connection

    from .status import insert_rows

    if connection.vendor != "postgresql":
        return insert_rows(table, columns, rows)
    import psycopg

    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    # The first row before COPY starts: a generator's own queries (e.g. the area ids) would
    # wait forever for the connection the COPY holds.
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    n = 0
    with (
        psycopg.Cursor(connection.connection) as cur,
        cur.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy,
    ):
        for row in itertools.chain([first], rows):
            copy.write_row(row)
            n += 1
    return n


def _load_scans(path: Path, table: str, first: int, venue0: int, recorded_at) -> int:
    """The scans in time order into ``table`` (the scan table or its month's partition),
    their values computed by DuckDB from the Parquet file."""
    import duckdb
    from django.db import connection

    qn = connection.ops.quote_name
    table = qn(table)
    cols = ", ".join(qn(c) for c in SCAN_COLUMNS)
    con = duckdb.connect()
    con.execute("SET threads = 2")
    _arrivals(con, first)
    query = _scan_query(path, first, venue0)
    if connection.vendor == "postgresql":
        import psycopg

        # DuckDB writes the rows as CSV ("" is an empty string to COPY); COPY reads the file.
        stamp = recorded_at.isoformat()
        tmp = path.with_name(f".{path.stem}-{first}-{venue0}.copy.csv")
        con.execute(
            f"COPY (SELECT scanned_at || '+00', uuid, venue_id, resident_id, dir, colour, "  # noqa: S608
            f"id_number_index, 't', 'device', '', '', '', '{stamp}' FROM ({query})) "
            f"TO '{tmp}' (HEADER false)"
        )
        con.close()
        try:
            with (
                psycopg.Cursor(connection.connection) as cur,
                tmp.open("rb") as fh,
            ):
                with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                    while block := fh.read(1 << 20):
                        copy.write(block)
                return cur.rowcount
        finally:
            tmp.unlink(missing_ok=True)
    from .status import _dt

    # Constant columns are literals of the statement: only seven values a row cross over.
    stamp = _dt(recorded_at)
    sql = (
        f"INSERT INTO {table} ({cols}) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 'device', '', '', "  # noqa: S608
        f"'', '{stamp}')"
    )
    cur = con.execute(query)
    raw = connection.connection.cursor()
    n = 0
    while rows := cur.fetchmany(BATCH):
        raw.executemany(sql, rows)
        n += len(rows)
    raw.close()
    con.close()
    return n


def build_fixture(scans_file: Path, residents_csv: Path, people: int, venues: int, seed: int):
    """Fill the fresh, migrated bench-city database; returns the counts (see ``load_city``)."""
    import secrets

    from django.db import transaction
    from django.utils import timezone

    from fangkong.areas.models import Area
    from fangkong.registry.models import Resident
    from fangkong.tracing.models import Case
    from fangkong.venues import partitioning
    from fangkong.venues.day_counts import count_scans
    from fangkong.venues.models import Scan, Venue

    from .dataset import grids
    from .status import _dt, insert_residents

    rng = random.Random(seed)
    now = timezone.now()
    ts = _dt(now)
    grid_ids = list(
        Area.objects.filter(code__in=[g.code for g in grids()])
        .order_by("path")
        .values_list("id", flat=True)
    )
    counts: dict = {}
    tables = [Resident._meta.db_table, Venue._meta.db_table, Scan._meta.db_table]
    timings = {}
    scan_table = Scan._meta.db_table
    with bulk_load(tables):
        if partitioning.is_partitioned():
            months = set()
            for t in (EPOCH0, EPOCH0 + DAYS * 86400):
                local = timezone.localtime(datetime.datetime.fromtimestamp(t, datetime.UTC))
                months.add(partitioning.month_partition(local.year, local.month))
            for part in months:
                partitioning.create_partition(part)
            if len(months) == 1:  # straight into the month: no routing of each row
                scan_table = months.pop().name
        with transaction.atomic():
            clock = time.perf_counter()
            counts["residents"] = insert_residents(residents_csv, people, now)
            if counts["residents"] != people:
                raise ValueError(f"{residents_csv} has {counts['residents']} people, not {people}")
            first, last = (
                Resident.objects.order_by("pk").values_list("pk", flat=True).first(),
                Resident.objects.order_by("-pk").values_list("pk", flat=True).first(),
            )
            assert last - first + 1 == people, "resident ids are not contiguous"
            timings["residents_s"] = time.perf_counter() - clock
            counts["venues"] = bulk_insert(
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
                    "nat_hours",
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
                        None,
                    )
                    for v in range(venues)
                ),
            )
            venue0 = Venue.objects.order_by("pk").values_list("pk", flat=True).first()
            clock = time.perf_counter()
            counts["scans"] = _load_scans(scans_file, scan_table, first, venue0, now)
            timings["scans_s"] = time.perf_counter() - clock
            clock = time.perf_counter()
            count_scans(Scan.objects.all())  # the loader bypasses the ingest that counts them
            timings["scan_day_counts_s"] = time.perf_counter() - clock
            # 100 cases among the people, confirmed at the end of the period.
            end = datetime.datetime.fromtimestamp(EPOCH0 + DAYS * 86400, datetime.UTC)
            persons = rng.sample(range(people), CASES)
            counts["cases"] = bulk_insert(
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
        clock = time.perf_counter()
    timings["indexes_s"] = time.perf_counter() - clock
    counts["first_resident"] = first
    counts["first_venue"] = venue0
    counts["case_people"] = [[f"B-{n:03d}", p] for n, p in enumerate(persons)]
    counts["timings"] = {k: round(v, 1) for k, v in timings.items()}
    return counts


def query_plans(cases: list) -> dict[str, dict]:
    """The database's plan for the tracer's two scan reads as the set-based pass of
    ``cases`` issues them (their scans; the scans around all their visits), run with
    ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL: whether each reads its index alone, and
    how many rows it still fetched from the table (pages not yet all-visible)."""
    import re

    from fangkong.tracing import tracer
    from fangkong.tracing.engine import Params, scan_range_for

    params = Params.from_settings()
    periods = [tracer.infectious_period(c, params) for c in cases]
    begin, end = min(b for b, _ in periods), max(e for _, e in periods)
    people = sorted({c.resident_id for c in cases})
    visits = tracer.visits_of(people, begin, end, params)
    ranges = tracer._merged((v.venue, *scan_range_for(v, params)) for v in visits)
    queries = {
        "scan_resident_time": tracer.person_scans(people, begin, end + params.max_stay),
        "scan_venue_time": tracer.venue_scans(
            ranges[: tracer.VENUE_RANGES_PER_QUERY] or [(0, begin, end)]
        ),
    }
    out = {}
    for index, query in queries.items():
        plan = tracer.query_plan(query, analyze=True)
        fetches = sum(int(n) for n in re.findall(r"Heap Fetches: (\d+)", plan))
        out[index] = {
            "plan": plan,
            "index_only": tracer.index_only(plan, index),
            "heap_fetches": fetches,
            "ranges": len(ranges) if index == "scan_venue_time" else len(people),
        }
    return out


def measure(full_runs: int = 20) -> dict:
    """The platform's tracing of every case: close contacts one case at a time (the per-case
    figure), then of all cases at once (``close_contacts_of_cases``, compared with DuckDB),
    then the full trace (with secondary contacts) for ``full_runs`` of them."""
    from django.db import connection

    from fangkong.registry.models import Resident
    from fangkong.tracing.engine import Params
    from fangkong.tracing.models import Case
    from fangkong.tracing.tracer import close_contacts, close_contacts_of_cases, trace

    params = Params.from_settings()
    first = Resident.objects.order_by("pk").values_list("pk", flat=True).first()
    cases = list(Case.objects.order_by("code"))
    each, per_case = [], []
    connection.ensure_connection()
    start_all = time.perf_counter()
    for case in cases:
        start = time.perf_counter()
        _visits, found = close_contacts(case, params)
        per_case.append((time.perf_counter() - start) * 1000)
        each += [[case.code, person - first] for person in found]
    each_total = time.perf_counter() - start_all
    start = time.perf_counter()
    found_all = close_contacts_of_cases(cases, params)
    total = time.perf_counter() - start
    pairs = [[c.code, person - first] for c in cases for person in found_all[c.pk][1]]
    full, sizes = [], []
    for case in cases[:full_runs]:
        start = time.perf_counter()
        result = trace(case, params, until=case.confirmed_at + datetime.timedelta(days=3))
        full.append((time.perf_counter() - start) * 1000)
        sizes.append(len(result.close) + len(result.secondary))
    plans = query_plans(cases)
    return {
        "cases": len(cases),
        "pairs": sorted(pairs),
        "close_total_s": total,
        "close_each_total_s": each_total,
        "each_equal": sorted(each) == sorted(pairs),
        "close_ms_median": statistics.median(per_case),
        "close_ms_max": max(per_case),
        "full_ms_median": statistics.median(full),
        "full_ms_max": max(full),
        "full_contacts_median": statistics.median(sizes),
        "plans": plans,
        "index_only": all(p["index_only"] for p in plans.values()),
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
    if path.suffix == ".parquet":
        con.execute("CREATE TABLE scans AS SELECT * FROM read_parquet($p)", {"p": str(path)})
    else:
        con.execute(
            "CREATE TABLE scans AS SELECT * FROM read_csv($p, header = true, columns = "
            "{'person': 'INTEGER', 'venue': 'INTEGER', 't': 'BIGINT', 'dir': 'VARCHAR'})",
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
