"""``python -m bench dashboard``: the command dashboard benchmark (issue 7), orchestrated
like ``tracing``: per database the tracing benchmark's city (``bench.tracing.load_city``,
cached), the dashboard's other records added by a child process
(``dashboard-fixture``), then a measured child process (``dashboard-measure``)."""

from __future__ import annotations

import datetime
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .databases import REPO, Database, SetupError
from .databases import sqlite_database as _sqlite
from .docs import chosen_databases, insert_newest_first, publish
from .measure import Measured, run_measured
from .report import load_average, machine_info

MARKER = (
    "<!-- bench:dashboard-results (newest first; `python -m bench dashboard` inserts below) -->"
)
MAX_PAGE_MS = 500.0
FIXTURE_RECORDS_VERSION = 2  # bump when bench.dashboard.build_fixture writes different rows

HEADER = """
# Dashboard benchmark

`python -m bench dashboard` (issue 7) loads the tracing benchmark's city — 1,000,000 people,
10,000 venues, 10,000,000 scans over 14 days, through `bench.tracing.load_city` (the loaded
SQLite city is cached and copied; a city cached under older migrations is copied and brought
forward by `migrate` instead of rebuilt) — and adds, in bulk (`bulk_create`, not the services), what
the dashboard counts in proportion: a status for every person, a case per 2,000 people with 20
contacts each, quarantine assignments (1 %), a household per 3 people with a running city-wide
screening campaign (90 % visited, findings for 1 %), problems, tips, enterprises, volunteers
with service shifts, duty shifts, a stock ledger per community (10 items, daily outflows) and
daily price reports (2 markets per community, 8 necessities). Everything is dated around the
scans' last day. The scans' per-day counts (`venues.ScanDayCount`) come from the ingest's
`count_scans` (or the migration that counts the scans already stored). The finished fixture
is cached too (`var/bench/dashboard/cities/`, keyed like the city: SQLite its file,
PostgreSQL its stopped cluster's data directory, measured in place) and brought forward by
`migrate` when the migrations change; `--fixture-only` builds it without measuring, so a
quiet slot need only copy it (or start its cluster) and measure.

- **page**: `/dashboard/?date=<last day>` through Django's test client, for a city (command,
  the whole city), a district (command, one district) and a community user: the first render
  in a fresh process, then the median of 5. The page computes every registry figure, the
  sub-area comparison and four 14-day trends.
- **home**: `/` for the same users, measured the same way: the page everyone opens after
  logging in, whose panels (今日防控 and the modules' own) count the user's area on every load.
- **report**: the city's daily report (日报) on the download page, as xlsx and as PDF.

Target: the page and the home page under 500 ms (median) for each user.

```
.venv/bin/python -m bench dashboard                     # full size, SQLite + PostgreSQL
.venv/bin/python -m bench dashboard --people 100000 --venues 1000 --scans 1000000 \\
    --db postgres --no-docs                             # development size
.venv/bin/python -m bench dashboard --db sqlite --fixture-only   # build the fixture first
```

## Dashboard results

"""


def say(msg: str) -> None:
    print(f"[bench dashboard] {msg}", flush=True)


@dataclass
class DbResult:
    db: str
    version: str
    fixture: Measured | None = None
    counts: dict = field(default_factory=dict)
    measure: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    city_seconds: float = 0.0  # the tracing city's load (0 when SQLite came from the cache)


def _cache_key(db: Database, args) -> str:
    from .tracing import FIXTURE_VERSION, _schema_key

    return (
        f"{db.cache_kind}-{args.people}-{args.venues}-{args.scans}-{args.seed}"
        f"-v{FIXTURE_VERSION}.{FIXTURE_RECORDS_VERSION}-{_schema_key()}"
    )


def _cached(db: Database, cache: Path, work: Path) -> tuple[dict[str, str], dict] | None:
    """The city with the dashboard's records from the cache (brought forward by ``migrate``
    when it was saved under older migrations), or None. PostgreSQL runs on the cached data
    directory itself: the measurement writes nothing but its users' logins."""
    import json

    from .tracing import migrate_forward, older_cache

    if not db.cache_kind:
        return None
    if (cache / "counts.json").exists():
        say(f"{db.label} city with the dashboard's records from the cache {cache.name}")
        return db.restore(cache, writes=False), json.loads((cache / "counts.json").read_text())
    if (older := older_cache(cache)) is not None:
        env, counts, _seconds = migrate_forward(db, older, cache, work / "logs", writes=False)
        return env, counts
    return None


def run_database(db: Database, args, work: Path) -> DbResult:
    from .cli import _json_out
    from .tracing import load_city

    logs = work / "logs"
    res = DbResult(db.label, db.version)
    # The key of the migrations the database gets now: they may change while it builds.
    cache = work / "cities" / _cache_key(db, args)
    if (hit := _cached(db, cache, work)) is not None:
        env, res.counts = hit
    else:
        city = load_city(
            db, args.people, args.venues, args.scans, args.seed, work_dir=work.parent / "tracing"
        )
        env = city.env
        argv = [sys.executable, "-m", "bench", "dashboard-fixture"]
        argv += ["--people", str(args.people), "--seed", str(args.seed)]
        argv += ["--first-resident", str(city.counts["first_resident"])]
        name = f"dashboard-fixture-{db.kind}-{args.people}"
        m = run_measured(argv, env=env, cwd=REPO, log_dir=logs, name=name)
        res.fixture = m
        res.city_seconds = city.seconds
        if m.returncode != 0:
            res.problems.append(f"fixture: exit {m.returncode}")
            say(f"{db.label} fixture FAILED\n{m.stderr_tail(20)}")
            return res
        res.counts = city.counts | (_json_out(m) or {})
        say(f"{db.label} dashboard records in {m.seconds:.1f} s")
        if db.cache_kind:
            db.save(cache, res.counts)
            if db.kind != "sqlite":  # the cluster moved into the cache: start it there again
                env = db.restore(cache, writes=False)
    if args.fixture_only:
        return res
    argv = [sys.executable, "-m", "bench", "dashboard-measure"]
    m = run_measured(
        argv, env=env, cwd=REPO, log_dir=logs, name=f"dashboard-measure-{db.kind}-{args.people}"
    )
    if m.returncode != 0:
        res.problems.append(f"measure: exit {m.returncode}")
        say(f"{db.label} measure FAILED\n{m.stderr_tail(20)}")
        return res
    res.measure = _json_out(m) or {}
    for key in ("home", "pages"):
        for who, page in res.measure.get(key, {}).items():
            say(
                f"{db.label} {key} {who}: first {page['first_ms']:.0f} ms, "
                f"median {page['median_ms']:.0f} ms"
            )
    return res


def render(args, results, command, machine, skipped) -> str:
    started = datetime.datetime.now().astimezone()
    checks, lines = [], []
    for r in results:
        if r.problems or not r.measure:
            checks.append(False)
            lines.append(f"| {r.db} | FAILED | | {'; '.join(r.problems)} |")
            continue
        c = r.counts
        built = (
            f"city {r.city_seconds:.1f} s + records {r.fixture.seconds:.1f} s"
            if r.fixture
            else "from the cache"
        )
        lines.append(
            f"| {r.db} | fixture (not a target) | {built} | "
            f"{c.get('residents', 0):,} people, {c.get('scans', 0):,} scans, "
            f"{c.get('cases', 0) + c.get('cases_tracing', 100):,} cases, "
            f"{c.get('contacts', 0):,} contacts, {c.get('households', 0):,} households, "
            f"{c.get('visits', 0):,} visits, {c.get('movements', 0):,} stock movements, "
            f"{c.get('price_lines', 0):,} price lines |"
        )
        for what, key in (("home page", "home"), ("dashboard page", "pages")):
            for who, page in r.measure.get(key, {}).items():
                ok = page["median_ms"] < MAX_PAGE_MS
                checks.append(ok)
                lines.append(
                    f"| {r.db} | {what}, {who} user | median {page['median_ms']:.0f} ms "
                    f"(first {page['first_ms']:.0f} ms, max {page['max_ms']:.0f} ms) | "
                    f"{page['figures_shown']} figures; target < 500 ms: {'yes' if ok else 'NO'} |"
                )
        lines.append(
            f"| {r.db} | daily report of the city | xlsx {r.measure['report_xlsx_ms']:.0f} ms, "
            f"PDF {r.measure['report_pdf_ms']:.0f} ms | as of {r.measure['day']} |"
        )
    verdict = "all targets met" if checks and all(checks) else "TARGETS MISSED"
    out = [
        f"### {started:%Y-%m-%d %H:%M %z} — {args.people:,} people, {args.scans:,} scans — "
        f"{verdict}\n",
        f"Command: `{command}`\n",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()) + "\n",
        "| Database | Step | Figure | Note |",
        "|---|---|---:|---|",
        *lines,
        "",
    ]
    out.extend(f"- skipped: {s}" for s in skipped)
    return "\n".join(out) + "\n"


def record(docs: Path, section: str) -> None:
    insert_newest_first(docs, section, MARKER, HEADER)


def cmd_dashboard(args, command: str, work: Path) -> int:
    extra = {"load at start": load_average()}
    results = []
    # A run directory per size, for both databases (their secrets, the SQLite file): a
    # full-size fixture may be building meanwhile, and a run of another size must not
    # replace the keys its rows are being encrypted with.
    runs = work / "runs" / f"{args.people}-{args.scans}"
    try:
        with chosen_databases(args.db, lambda: _sqlite(runs), runs, extra) as (
            databases,
            skipped,
        ):
            for db in databases:
                extra[db.label] = db.version
                results.append(run_database(db, args, work))
    except SetupError as e:
        say(f"setup failed: {e}")
        return 2
    if args.fixture_only:
        return 2 if any(r.problems for r in results) else 0
    section = render(args, results, command, machine_info(extra), skipped)
    return publish(section, args, record, say, problems=any(r.problems for r in results))


def cmd_fixture(args) -> int:
    from .cli import _django

    _django()
    from .dashboard import build_fixture, dump

    dump(build_fixture(args.people, args.first_resident, args.seed))
    return 0


def cmd_measure(args) -> int:
    from .cli import _django

    _django()
    from .dashboard import dump, measure

    dump(measure())
    return 0


def add_parsers(sub) -> None:
    from .dataset import DEFAULT_SEED

    DOCS = REPO / "docs" / "benchmarks.md"

    p = sub.add_parser("dashboard", help="the command dashboard benchmark (issue 7)")
    p.add_argument("--people", type=int, default=1_000_000)
    p.add_argument("--venues", type=int, default=10_000)
    p.add_argument("--scans", type=int, default=10_000_000)
    p.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--docs", type=Path, default=DOCS)
    p.add_argument("--no-docs", action="store_true", help="do not record in docs/benchmarks.md")
    p.add_argument(
        "--fixture-only",
        action="store_true",
        help="build (and cache, on SQLite) the fixture without measuring: the slow part, "
        "to run before a quiet slot",
    )

    p = sub.add_parser(
        "dashboard-fixture", help="(step) the dashboard's records onto the loaded tracing city"
    )
    p.add_argument("--people", type=int, default=1_000_000)
    p.add_argument("--first-resident", type=int, required=True)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)

    sub.add_parser("dashboard-measure", help="(step) the dashboard and report timings, as JSON")


def main(args, command: str, work: Path) -> int:
    if args.command == "dashboard":
        return cmd_dashboard(args, command, work)
    return {"dashboard-fixture": cmd_fixture, "dashboard-measure": cmd_measure}[args.command](args)
