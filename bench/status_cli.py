"""``python -m bench status``: the status benchmark (issue 4), orchestrated like ``import``.

For each database: a fresh copy of the template, the fixture written by a child process
(``status-fixture``), then measured child processes: ``fangkong recompute-status --all``
twice (first run: every status created; second run: nothing changed), and ``status-measure``
(the 按颜色查人 queries for one district, one person's recomputation after a new fact).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .databases import (
    REPO,
    Database,
    SetupError,
    external_postgres,
    fangkong_command,
    server_major,
)
from .databases import sqlite_database as _sqlite
from .docs import chosen_databases, insert_newest_first, publish
from .measure import Measured, run_measured
from .report import load_average, machine_info

STATUS_MARKER = (
    "<!-- bench:status-results (newest first; `python -m bench status` inserts below) -->"
)
MAX_ONE_MS = 10.0
MAX_RECOMPUTE_PEAK_MB = 300

STATUS_HEADER = """
# Status benchmark

`python -m bench status` (issue 4) measures the status engine on a city of 1,000,000
residents (`--residents N`), on a fresh database per database kind (same template, settings
and PostgreSQL discovery as the import benchmark).

- **Fixture** (`status-fixture`, not a measured figure): the residents of the cached bench CSV
  (personal fields encrypted, blind indexes and search keys computed, arrivals moved into the
  last 20 days), 1 in 10 under an active quarantine/monitoring assignment (100,000), one
  nucleic-acid test for every other resident (500,000; sampled over the last 72 h, so about a
  third are outside the window; 1 in 2,000 positive and unreviewed), 300 active cases with 10
  confirmed close contacts each, 武汉市 designated high-risk and 万州区 medium-risk, and a
  city policy requiring a negative test within 48 h. Written with the driver's `executemany`
  in batches of 5,000, bypassing the services (no audit entries, no statuses yet).
- **recompute --all (first)**: `fangkong recompute-status --all` as a child process on that
  database: every status created, one audit entry per non-green person. **(second)**: the
  same command again: only what time changed (the nightly steady state). Wall time includes
  interpreter start and Django setup; peak MB is the child's peak RSS (`ru_maxrss`).
- **list**: in one process, as a 仁和区 (510411) command user, the queries of the 按颜色查人
  page: `PersonStatus.objects.visible_to(user).filter(colour=…).select_related("resident",
  "area")` through `Paginator(qs, 50)`: the count, then the first page materialised. First
  call and median of 20.
- **one person**: 50 yellow people of 仁和区 lacking a recent test each get a negative result
  through `health.services.record_nat_result` (its on-commit recomputation held back), then
  `recompute_status([id])` is timed alone: median, 90th percentile, max. The whole service
  call with its own recomputation is timed on 50 other people.

Targets: one person's recomputation < 10 ms (median); the full recomputation streams in
bounded memory (peak RSS < 300 MB at 1,000,000 residents).

```
.venv/bin/python -m bench status                 # 1,000,000 residents, SQLite + PostgreSQL
.venv/bin/python -m bench status --residents 20000 --db sqlite --no-docs   # smoke run
.venv/bin/python -m bench status --profile-one   # also cProfile the one-person path
.venv/bin/python -m bench status --db postgres --cache-fixture --fixture-only  # load, keep
.venv/bin/python -m bench status --db postgres --cache-fixture   # measure on the kept copy
```

With `--cache-fixture` the loaded fixture is kept (SQLite: the run's `var` directory;
PostgreSQL: the stopped throw-away cluster's data directory and keys) under a key of every
migration, the fixture code, size, seed and server version, and a later run starts from a
copy of it, if it is younger than 6 hours (the fixture's moments are relative to its loading).

## Status results

"""


def say(msg: str) -> None:
    print(f"[bench status] {msg}", flush=True)


# --- the loaded fixture, kept between runs (--cache-fixture) ------------------------------
#
# Loading 1,000,000 residents takes 3–8 minutes of a quiet slot and is not a measured figure.
# With --cache-fixture the loaded database is kept — SQLite: the run's var directory;
# PostgreSQL (throw-away cluster): the stopped cluster's data directory and the run's var
# directory (its keys) — under a key of every migration, the fixture code, the size, the seed
# and the server version. The fixture's moments are relative to when it was loaded (tests of
# the last 72 h, arrivals of the last 20 days), so a copy older than CACHE_HOURS is not used.

CACHE_HOURS = 6
CACHE_INPUTS = ("fangkong/*/migrations/*.py", "bench/status.py", "bench/dataset.py")


def fixture_key(kind: str, residents: int, seed: int) -> str:
    h = hashlib.sha256(f"{kind} {residents} {seed} {server_major()}".encode())
    for pattern in CACHE_INPUTS:
        for path in sorted(REPO.glob(pattern)):
            h.update(path.relative_to(REPO).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def cache_dir(work: Path, kind: str, residents: int, seed: int) -> Path:
    return work / "fixture-cache" / f"{kind}-{residents}-{fixture_key(kind, residents, seed)}"


def cached_meta(cache: Path) -> dict | None:
    """The saved fixture's description, if it is there and young enough to use."""
    try:
        meta = json.loads((cache / "counts.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if time.time() - meta["loaded_at"] < CACHE_HOURS * 3600 else None


def save_fixture(db: Database, cache: Path, m: Measured, counts: dict) -> dict[str, str]:
    """Keep the loaded fixture (``Database.save``: a PostgreSQL cluster's data directory is
    moved) and return the env of a run restored from it."""
    for old in cache.parent.glob(f"{db.kind}-*"):  # one kept fixture per kind (GBs each)
        shutil.rmtree(old, ignore_errors=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    meta = {"loaded_at": time.time(), "seconds": m.seconds, "peak_mb": m.peak_mb}
    db.save(cache, {**meta, "counts": counts})
    say(f"{db.label} fixture kept in {cache.relative_to(REPO)}")
    return db.restore(cache)


@dataclass
class DbResult:
    db: str
    version: str
    fixture: Measured | None = None
    fixture_counts: dict = field(default_factory=dict)
    cached: dict | None = None  # the kept fixture's counts.json when the run started from it
    recompute: list[Measured] = field(default_factory=list)
    recompute_out: list[str] = field(default_factory=list)
    measure: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _check(m: Measured, what: str, res: DbResult) -> bool:
    if m.returncode != 0:
        res.problems.append(f"{what}: exit {m.returncode}")
        say(f"{res.db} {what} FAILED, log {m.stderr_path}\n{m.stderr_tail(15)}")
        return False
    return True


def run_database(
    db: Database,
    csv_file: Path,
    residents: int,
    work: Path,
    profile: bool,
    cache: Path | None = None,
    fixture_only: bool = False,
):
    from .cli import _json_out

    logs = work / "logs"
    res = DbResult(db.label, db.version)
    meta = cached_meta(cache) if cache is not None else None
    if meta is not None:
        env = db.restore(cache)
        res.cached, res.fixture_counts = meta, meta["counts"]
        say(f"{db.label} fixture from {cache.relative_to(REPO)}: {res.fixture_counts}")
    else:
        say(f"{db.label} {db.version}: template …")
        db.build_template()
        env = db.fresh()
        argv = [sys.executable, "-m", "bench", "status-fixture", str(csv_file)]
        argv += ["--residents", str(residents)]
        m = run_measured(argv, env=env, cwd=REPO, log_dir=logs, name=f"status-fixture-{db.kind}")
        res.fixture = m
        if not _check(m, "fixture", res):
            return res
        res.fixture_counts = _json_out(m) or {}
        say(f"{db.label} fixture in {m.seconds:.1f} s: {res.fixture_counts}")
        if cache is not None:
            env = save_fixture(db, cache, m, res.fixture_counts)
    if fixture_only:
        return res
    for label in ("first", "second"):
        argv = [*fangkong_command(), "recompute-status", "--all"]
        m = run_measured(
            argv, env=env, cwd=REPO, log_dir=logs, name=f"status-recompute-{label}-{db.kind}"
        )
        if not _check(m, f"recompute ({label})", res):
            return res
        res.recompute.append(m)
        res.recompute_out.append(m.stdout.strip().splitlines()[-1] if m.stdout.strip() else "")
        say(
            f"{db.label} recompute --all ({label}): {m.seconds:.1f} s, peak {m.peak_mb:.0f} MB, "
            f"{res.recompute_out[-1]}"
        )
    argv = [sys.executable, "-m", "bench", "status-measure"] + (["--profile"] if profile else [])
    m = run_measured(argv, env=env, cwd=REPO, log_dir=logs, name=f"status-measure-{db.kind}")
    if _check(m, "measure", res):
        res.measure = _json_out(m) or {}
        if profile:
            print(m.stdout[: m.stdout.rfind("\n{")])
        say(f"{db.label} measured: {res.measure}")
    return res


def render(results: list[DbResult], residents: int, command: str, machine: dict, skipped) -> str:
    started = datetime.datetime.now().astimezone()
    ok = all(not r.problems for r in results)
    checks = []
    for r in results:
        one = r.measure.get("one", {})
        if one:
            checks.append(one["recompute_ms_median"] < MAX_ONE_MS)
        if residents >= 1_000_000 and r.recompute:
            checks.append(max(m.peak_mb for m in r.recompute) < MAX_RECOMPUTE_PEAK_MB)
    verdict = "all targets met" if ok and all(checks) else "TARGETS MISSED"
    out = [
        f"### {started:%Y-%m-%d %H:%M %z} — {residents:,} residents — {verdict}\n",
        f"Command: `{command}`\n",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()) + "\n",
        "| Database | Step | Figure | Peak MB | Note |",
        "|---|---|---:|---:|---|",
    ]
    for r in results:
        counts = ", ".join(f"{k} {v:,}" for k, v in r.fixture_counts.items())
        if r.fixture:
            out.append(
                f"| {r.db} | fixture (not a target) | {r.fixture.seconds:.1f} s | "
                f"{r.fixture.peak_mb:.0f} | {counts} |"
            )
        elif r.cached:
            loaded = datetime.datetime.fromtimestamp(r.cached["loaded_at"]).astimezone()
            out.append(
                f"| {r.db} | fixture (not a target) | kept copy, loaded {loaded:%H:%M} in "
                f"{r.cached['seconds']:.1f} s | {r.cached['peak_mb']:.0f} | {counts} |"
            )
        for label, m, text in zip(("first", "second"), r.recompute, r.recompute_out, strict=False):
            rate = residents / m.seconds if m.seconds else 0
            out.append(
                f"| {r.db} | recompute-status --all ({label}) | {m.seconds:.1f} s "
                f"({rate:,.0f} residents/s) | {m.peak_mb:.0f} | {text} |"
            )
        for lst in r.measure.get("lists", []):
            out.append(
                f"| {r.db} | list {lst['colour']} in 仁和区: count | "
                f"{lst['count_ms_median']:.1f} ms (first {lst['count_ms_first']:.1f}) | | "
                f"{lst['count']:,} people |"
            )
            out.append(
                f"| {r.db} | list {lst['colour']} in 仁和区: first page of 50 | "
                f"{lst['page_ms_median']:.1f} ms (first {lst['page_ms_first']:.1f}) | | |"
            )
        one = r.measure.get("one")
        if one:
            out.append(
                f"| {r.db} | recompute_status([id]) after a new NAT, median of {one['runs']} | "
                f"{one['recompute_ms_median']:.2f} ms (p90 {one['recompute_ms_p90']:.2f}, "
                f"max {one['recompute_ms_max']:.2f}) | | target < {MAX_ONE_MS:.0f} ms; "
                f"{one['changed']} changed |"
            )
            out.append(
                f"| {r.db} | record_nat_result + its recomputation, median | "
                f"{one['service_ms_median']:.2f} ms | | {one['turned_green']} of "
                f"{2 * one['runs']} turned green |"
            )
        for p in r.problems:
            out.append(f"| {r.db} | FAILED | | | {p} |")
    out.append("")
    out.extend(f"- skipped: {s}" for s in skipped)
    return "\n".join(out) + "\n"


def update_docs(path: Path, section: str) -> None:
    insert_newest_first(path, section, STATUS_MARKER, STATUS_HEADER)


def cmd_status(args, command: str, work: Path) -> int:
    from .cli import ensure_csv

    extra = {"load at start": load_average()}
    results: list[DbResult] = []
    try:
        csv_file = ensure_csv(args.residents, args.seed)
        caches: dict[str, Path | None] = {"sqlite": None, "postgres": None}
        if args.cache_fixture:
            caches["sqlite"] = cache_dir(work, "sqlite", args.residents, args.seed)
            if not external_postgres():  # a kept cluster only for the throw-away one
                caches["postgres"] = cache_dir(work, "postgres", args.residents, args.seed)
        sqlite = lambda: _sqlite(work)  # noqa: E731
        with chosen_databases(args.db, sqlite, work, extra) as (databases, skipped):
            for why in skipped:
                say(f"{why}: skipped")
            for db in databases:
                extra[db.label] = db.version + (f" ({db.server.source})" if db.server else "")
                results.append(
                    run_database(
                        db,
                        csv_file,
                        args.residents,
                        work,
                        args.profile_one,
                        caches[db.kind],
                        args.fixture_only,
                    )
                )
    except SetupError as e:
        say(f"setup failed: {e}")
        return 2
    if args.fixture_only:
        return 2 if any(r.problems for r in results) else 0
    section = render(results, args.residents, command, machine_info(extra), skipped)
    return publish(section, args, update_docs, say, problems=any(r.problems for r in results))


def cmd_status_fixture(args) -> int:
    from .cli import _django

    _django()
    from .status import build_fixture, dump

    dump(build_fixture(args.file, args.residents))
    return 0


def cmd_status_measure(args) -> int:
    from .cli import _django

    _django()
    from .status import dump, measure_list, measure_one, profile_one

    if args.profile:
        print(profile_one())
    lists = [measure_list(colour) for colour in ("yellow", "red", "green")]
    dump({"lists": lists, "one": measure_one()})
    return 0
