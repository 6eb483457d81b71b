"""``python -m bench tracing``: the tracing oracle benchmark (issue 5), orchestrated like
``status``: the cached scans CSV, then per database a fresh copy filled by a child process
(``tracing-fixture``) and a measured child process (``tracing-measure``); DuckDB answers the
same question over the same CSV; the pair sets must be equal."""

from __future__ import annotations

import datetime
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .databases import REPO, Database, SetupError
from .databases import sqlite_database as _sqlite
from .docs import chosen_databases, insert_newest_first, publish
from .measure import run_measured
from .report import load_average, machine_info

MARKER = "<!-- bench:tracing-results (newest first; `python -m bench tracing` inserts below) -->"
MAX_ONE_CASE_MS = 1000.0

HEADER = """
# Tracing benchmark

`python -m bench tracing` (issue 5) generates a city — 1,000,000 people, 10,000 venues,
10,000,000 scans over 14 days (`--people`, `--venues`, `--scans`) — loads it into a fresh
database per kind, runs the platform's tracing (`fangkong.tracing.tracer`) for 100 cases and
checks the set of (case, close contact) pairs equals DuckDB's answer to the same question,
written as one plain SQL query over the same scans (`bench/tracing.py`, `ORACLE_SQL`).

- **Data**: each person has 5 usual venues near home (80 % of visits) and random ones; a
  visit is an entry scan, half of them with an exit scan 10–120 minutes later; times 06–22 h.
  One person in 25 arrived late and was registered on day 11, 12 or 13: their scans before
  that are stored as a visitor's (no resident, their ID number's blind index), and the
  platform must find them as that person's, as the case and as a contact; the oracle's
  scans are simply the person's.
  Cases: 100 random people, confirmed at the end of the 14 days; infectious period the 4 days
  before (no onset date). Residents are the first rows of the bench residents CSV, encrypted
  and blind-indexed as the import does.
- **Fixture** (`bench.tracing.load_city`, also used by other benchmarks; not a measured
  figure): the scans CSV is generated once and kept as Parquet sorted by time under
  `var/bench/tracing/data/`; a fresh migrated database gets the residents, venues, scans and
  cases with the secondary indexes of those tables dropped during the load and built after
  it. Residents are written by the import's own writer (`core.importing.writer.ModelWriter`:
  pooled nonces, one HMAC per distinct last four digits, cached name keys); scans come from
  DuckDB — SQLite by `executemany` in one transaction without journal or fsync, PostgreSQL
  by `COPY` straight into the month's partition, then `VACUUM ANALYZE` (all-visible pages:
  index-only reads without heap fetches); `venues.day_counts.count_scans` then fills
  `ScanDayCount`, which the ingest keeps. The loaded database is cached under
  `var/bench/tracing/cities/` (keyed by the sizes, the seed, the fixture version and the
  migrations): SQLite as its file, copied for each run; PostgreSQL (a throw-away cluster the
  bench started) as the stopped cluster's data directory (`postgres15-…`, ~4 GB at full
  size) with the run's secrets — a run that writes nothing (this benchmark) starts a cluster
  on it in place, others (`bench dashboard`) on a copy.
- **Rules** (both sides): a visit ends at the first exit scan within 12 h, else after 60 min;
  two visits at one venue meet when each starts at most 30 min after the other ends.
- **Platform**: in one process on a warm connection, first the close contacts of each case
  in turn (`close_contacts`, the per-case figure), then of all 100 cases in one set-based pass
  (`close_contacts_of_cases`: one read of the cases' scans by `scan_resident_time`, one read
  of the scans around all their visits — the time ranges joined with `scan_venue_time` —
  and one of their households; both scan indexes cover the columns read, and the report
  says whether the database's plan reads the index alone). That pass is compared with
  DuckDB; both passes must find the same pairs. Then the full trace (close + secondary
  contacts up to 3 days after confirmation) for 20 cases — the "one case in under 1 s"
  figure.
- **DuckDB**: the scans loaded into an in-memory table (load time reported, not compared),
  then the query for all 100 cases at once on 2 threads.

Targets: the platform's tracing of the 100 cases takes at most DuckDB's query time; one
case's full trace under 1 s; the pair sets equal.

```
.venv/bin/python -m bench tracing --db sqlite         # full size, SQLite (then --db postgres)
.venv/bin/python -m bench tracing --people 20000 --venues 200 --scans 200000 --db sqlite --no-docs
```

## Tracing results

"""


def say(msg: str) -> None:
    print(f"[bench tracing] {msg}", flush=True)


@dataclass
class DbResult:
    db: str
    version: str
    fixture_s: float = 0.0
    cached: bool = False
    counts: dict = field(default_factory=dict)
    measure: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def run_database(db: Database, args, work: Path) -> DbResult:
    from .cli import _json_out
    from .tracing import load_city

    res = DbResult(db.label, db.version)
    try:
        city = load_city(
            db, args.people, args.venues, args.scans, args.seed, work_dir=work, writes=False
        )
    except SetupError as e:
        res.problems.append("fixture failed")
        say(str(e))
        return res
    res.fixture_s, res.cached, res.counts = city.seconds, city.cached, city.counts
    argv = [sys.executable, "-m", "bench", "tracing-measure"]
    logs = work / "logs"
    m = run_measured(argv, env=city.env, cwd=REPO, log_dir=logs, name=f"tracing-measure-{db.kind}")
    if m.returncode != 0:
        res.problems.append(f"measure: exit {m.returncode}")
        say(f"{db.label} measure FAILED\n{m.stderr_tail(20)}")
        return res
    res.measure = _json_out(m) or {}
    say(
        f"{db.label}: 100 cases in {res.measure['close_total_s']:.2f} s "
        f"(one by one {res.measure['close_each_total_s']:.2f} s), "
        f"{len(res.measure['pairs'])} pairs; "
        f"full trace median {res.measure['full_ms_median']:.0f} ms"
    )
    return res


def _stages(counts: dict) -> str:
    t = counts.get("timings") or {}
    if not t:
        return ""
    names = {
        "template_s": "migrated template",
        "residents_s": "residents",
        "scans_s": "scans",
        "scan_day_counts_s": "day counts",
        "indexes_s": "indexes after",
    }
    return " (" + ", ".join(f"{names.get(k, k)} {v:.0f} s" for k, v in t.items()) + ")"


def render(args, results, oracle_result, command, machine, skipped) -> str:
    started = datetime.datetime.now().astimezone()
    expected = {tuple(p) for p in oracle_result["pairs"]} if oracle_result else None
    checks, lines = [], []
    for r in results:
        if r.problems or not r.measure:
            checks.append(False)
            lines.append(f"| {r.db} | FAILED | | {'; '.join(r.problems)} |")
            continue
        got = {tuple(p) for p in r.measure["pairs"]}
        same = expected is not None and got == expected
        faster = (
            oracle_result is not None and r.measure["close_total_s"] <= oracle_result["query_s"]
        )
        one = r.measure["full_ms_max"] < MAX_ONE_CASE_MS
        each_same = r.measure.get("each_equal", True)
        checks += [same, faster, one, each_same]
        fixture = "from the cache" if r.cached else f"{r.fixture_s:.1f} s"
        lines.append(
            f"| {r.db} | fixture (not a target) | {fixture} | "
            f"{r.counts.get('residents', 0):,} people, {r.counts.get('venues', 0):,} venues, "
            f"{r.counts.get('scans', 0):,} scans{_stages(r.counts)} |"
        )
        index = "index-only reads" if r.measure.get("index_only") else "NOT index-only"
        fetches = [p.get("heap_fetches") for p in r.measure.get("plans", {}).values()]
        if r.db == "PostgreSQL" and None not in fetches:
            index += f" ({sum(fetches):,} heap fetches)"
        lines.append(
            f"| {r.db} | close contacts of 100 cases, one set-based pass | "
            f"{r.measure['close_total_s']:.2f} s | {len(got):,} pairs; equal to DuckDB: "
            f"{'yes' if same else 'NO'}; ≤ DuckDB time: {'yes' if faster else 'NO'}; {index} |"
        )
        lines.append(
            f"| {r.db} | close contacts, one case at a time (100 cases) | "
            f"{r.measure.get('close_each_total_s', 0):.2f} s "
            f"(median {r.measure['close_ms_median']:.1f} ms, "
            f"max {r.measure['close_ms_max']:.1f} ms a case) | "
            f"same pairs as the set-based pass: {'yes' if each_same else 'NO'} |"
        )
        lines.append(
            f"| {r.db} | one case's full trace (close + secondary), 20 cases | "
            f"median {r.measure['full_ms_median']:.0f} ms, max {r.measure['full_ms_max']:.0f} ms | "
            f"median {r.measure['full_contacts_median']:.0f} contacts; target < 1 s |"
        )
    verdict = "all targets met" if checks and all(checks) else "TARGETS MISSED"
    out = [
        f"### {started:%Y-%m-%d %H:%M %z} — {args.people:,} people, {args.scans:,} scans — "
        f"{verdict}\n",
        f"Command: `{command}`\n",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()) + "\n",
        "| Database | Step | Figure | Note |",
        "|---|---|---:|---|",
    ]
    if oracle_result:
        out.append(
            f"| DuckDB {oracle_result['version']} | the same question, 100 cases, one query | "
            f"{oracle_result['query_s']:.2f} s | load of the scans {oracle_result['load_s']:.1f} s "
            f"(not compared); {len(oracle_result['pairs']):,} pairs |"
        )
    out += lines
    out.append("")
    out.extend(f"- skipped: {s}" for s in skipped)
    return "\n".join(out) + "\n"


def update_docs(path: Path, section: str) -> None:
    insert_newest_first(path, section, MARKER, HEADER)


def cmd_tracing(args, command: str, work: Path) -> int:
    import duckdb

    from .tracing import ensure_scans, oracle, scans_parquet

    extra = {"load at start": load_average()}
    results = []
    oracle_result = None
    try:
        csv_file = ensure_scans(work / "data", args.people, args.venues, args.scans, args.seed)
        path = scans_parquet(csv_file)
        sqlite = lambda: _sqlite(work)  # noqa: E731
        with chosen_databases(args.db, sqlite, work, extra) as (databases, skipped):
            for db in databases:
                extra[db.label] = db.version
                results.append(run_database(db, args, work))
            measured = next((r for r in results if r.measure), None)
            if measured is not None:
                cases = [
                    (code, p)
                    for code, p in next(r for r in results if r.counts).counts["case_people"]
                ]
                start = time.perf_counter()
                oracle_result = oracle(path, cases, measured.measure["params"])
                oracle_result["version"] = duckdb.__version__
                say(
                    f"DuckDB: query {oracle_result['query_s']:.2f} s "
                    f"(load {oracle_result['load_s']:.1f} s, "
                    f"{time.perf_counter() - start:.1f} s in all)"
                )
    except SetupError as e:
        say(f"setup failed: {e}")
        return 2
    section = render(args, results, oracle_result, command, machine_info(extra), skipped)
    return publish(section, args, update_docs, say, problems=any(r.problems for r in results))


def cmd_generate(args) -> int:
    from .tracing import dump, generate

    dump(generate(args.file, args.people, args.venues, args.scans, args.seed))
    return 0


def cmd_fixture(args) -> int:
    from .cli import _django

    _django()
    from .tracing import build_fixture, dump

    dump(build_fixture(args.file, args.residents, args.people, args.venues, args.seed))
    return 0


def cmd_measure(args) -> int:
    from .cli import _django

    _django()
    from .tracing import dump, measure

    dump(measure())
    return 0
