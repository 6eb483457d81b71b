"""``python -m bench``: the import benchmark (see docs/benchmarks.md).

Subcommands:

- ``import`` (the default): generate the CSV, then for each database measure the platform
  import and the ``executemany`` floor, then django-import-export on the reference rows;
  print the table, check the targets, record the figures in ``docs/benchmarks.md``.
- ``status``: the status benchmark (see ``bench.status_cli``).
- ``lists``: the first page of every list at full size (see ``bench.lists_cli``).
- ``load``: the bounded load test with locust against a real server (see ``bench.load``).
- ``generate``: write (or reuse) the cached CSV and print its path.
- ``profile``: run the platform CLI under cProfile on a fresh SQLite database and print the
  hot spots.
- ``storage``: the import's storage floor on SQLite (see ``bench.storage``): the platform
  import, the plain-insert floor, then the rows the import stored written again as ready
  values, with and without their audit entries.
- ``setup-areas``, ``floor``, ``reference``: single steps, run by ``import`` in child processes
  whose environment names the database under test.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

from . import dataset, perfsplit
from .databases import (
    REPO,
    SETTINGS,
    Database,
    SetupError,
    base_env,
    fangkong_command,
    postgres_database,
    sqlite_database,
)
from .measure import Measured, run_measured
from .report import (
    Report,
    Run,
    evaluate,
    load_average,
    machine_info,
    render_text,
    update_docs,
)

WORK_DIR = REPO / "var" / "bench"
DOCS = REPO / "docs" / "benchmarks.md"
AREA_CODE = dataset.CITY[0]
DEFAULT_ROWS = 1_000_000
DEFAULT_REFERENCE_ROWS = 100_000
VARIANTS = ("default", "bulk")


def say(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


# --- steps run in a Django child process -------------------------------------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    os.environ.setdefault("FANGKONG_VAR_DIR", str(WORK_DIR / "gen"))
    import django

    django.setup()


def cmd_generate(args) -> int:
    path = dataset.csv_path(args.out_dir, args.rows, args.seed)
    if not path.exists():
        _django()
        dataset.write_csv(path, args.rows, args.seed)
    print(path)
    return 0


def cmd_setup_areas(args) -> int:
    _django()
    from .steps import setup_areas

    print(json.dumps({"areas": setup_areas()}))
    return 0


def cmd_floor(args) -> int:
    _django()
    from .steps import floor_insert

    print(json.dumps({"inserted": floor_insert(args.file)}))
    return 0


def cmd_reference(args) -> int:
    _django()
    from .reference import run_reference

    print(json.dumps(run_reference(args.file, args.variant)))
    return 0


# --- orchestration -------------------------------------------------------------------------


def ensure_csv(rows: int, seed: int) -> Path:
    path = dataset.csv_path(WORK_DIR / "data", rows, seed)
    if path.exists():
        say(f"using cached {path.relative_to(REPO)}")
        return path
    say(f"generating {rows:,} rows → {path.relative_to(REPO)}")
    start = time.perf_counter()
    env = base_env(WORK_DIR / "gen", None)
    argv = [sys.executable, "-m", "bench", "generate", "--rows", str(rows), "--seed", str(seed)]
    argv += ["--out-dir", str(path.parent)]
    m = run_measured(argv, env=env, cwd=REPO, log_dir=WORK_DIR / "logs", name=f"generate-{rows}")
    if m.returncode != 0 or not path.exists():
        raise SetupError(f"generating the CSV failed:\n{m.stderr_tail()}")
    say(f"generated in {time.perf_counter() - start:.1f} s")
    return path


def _json_out(m: Measured) -> dict | None:
    text = m.stdout.strip()
    for candidate in (text, *reversed(text.splitlines())):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _finish(
    report: Report, m: Measured, step: str, db: Database, rows: int, problems: list[str]
) -> Run:
    if m.returncode != 0:
        problems.insert(0, f"exit {m.returncode}")
    run = Run(
        step=step,
        db=db.label,
        rows=rows,
        seconds=m.seconds,
        peak_mb=m.peak_mb,
        cpu_seconds=m.cpu_seconds,
        ok=not problems,
        note="; ".join(problems),
    )
    report.runs.append(run)
    if m.processes > 1:
        report.notes.append(
            f"{db.label} {step}, {rows:,} rows: {m.processes} processes; peak MB is their "
            f"summed PSS (shared pages counted once); summed RSS peaked at "
            f"{m.tree_rss_kib / 1024:.0f} MB"
        )
    status = "ok" if run.ok else f"FAILED ({run.note})"
    say(
        f"{db.label} {step}: {rows:,} rows in {m.seconds:.1f} s = {run.rows_per_s:,.0f} rows/s, "
        f"peak {m.peak_mb:.0f} MB, {status}"
    )
    if not run.ok:
        say(f"  log: {m.stderr_path.relative_to(REPO)}\n{m.stderr_tail(12)}")
    return run


def _count_problem(db: Database, rows: int) -> list[str]:
    try:
        count = db.count_residents()
    except Exception as e:  # the table may not exist if the step crashed early
        return [f"count failed: {type(e).__name__}"]
    return [] if count == rows else [f"{count:,} rows in the table"]


def measure_platform(report: Report, db: Database, path: Path, rows: int) -> Run:
    env = db.fresh()
    argv = [*fangkong_command(), "import-residents", str(path), "--area", AREA_CODE, "--json"]
    say(f"{db.label} platform: {shlex.join(argv[-5:])} …")
    m = run_measured(
        argv, env=env, cwd=REPO, log_dir=WORK_DIR / "logs", name=f"platform-{db.kind}-{rows}"
    )
    problems: list[str] = []
    out = _json_out(m)
    if out is None:
        problems.append("no JSON result")
    else:
        if out.get("created") != rows:
            problems.append(f"created {out.get('created')}")
        if out.get("rejected"):
            problems.append(f"rejected {out.get('rejected')}")
    problems += _count_problem(db, rows)
    return _finish(report, m, "platform", db, rows, problems)


def measure_floor(report: Report, db: Database, path: Path, rows: int) -> Run:
    env = db.fresh()
    argv = [sys.executable, "-m", "bench", "floor", str(path)]
    m = run_measured(
        argv, env=env, cwd=REPO, log_dir=WORK_DIR / "logs", name=f"floor-{db.kind}-{rows}"
    )
    problems = _count_problem(db, rows) if m.returncode == 0 else []
    return _finish(report, m, "floor", db, rows, problems)


def measure_reference(report: Report, db: Database, path: Path, rows: int, variant: str) -> Run:
    env = db.fresh()
    argv = [sys.executable, "-m", "bench", "reference", str(path), "--variant", variant]
    say(f"{db.label} django-import-export ({variant}) on {rows:,} rows …")
    m = run_measured(
        argv,
        env=env,
        cwd=REPO,
        log_dir=WORK_DIR / "logs",
        name=f"reference-{variant}-{db.kind}-{rows}",
    )
    problems: list[str] = []
    out = _json_out(m)
    if m.returncode == 0:
        if out is None:
            problems.append("no JSON result")
        elif out.get("invalid") or out.get("errors"):
            problems.append(f"{out.get('invalid')} invalid, {out.get('errors')} errors")
        problems += _count_problem(db, rows)
    return _finish(report, m, f"import-export ({variant})", db, rows, problems)


def _command_line(argv: list[str]) -> str:
    exe = Path(sys.executable)
    try:
        exe_s = str(exe.relative_to(REPO))
    except ValueError:
        exe_s = str(exe)
    line = shlex.join([exe_s, "-m", "bench", *argv])
    return line if argv else f"{line}  (what make bench runs)"


def cmd_import(args, argv: list[str]) -> int:
    report = Report(command=_command_line(argv))
    # Other work on the machine skews every figure: record the load (1/5/15 min) around the run.
    extra: dict[str, str] = {"load at start": load_average()}
    databases: list[Database] = []
    try:
        path = ensure_csv(args.rows, args.seed)
        if args.db in ("sqlite", "all"):
            databases.append(sqlite_database(WORK_DIR))
        if args.db in ("postgres", "all"):
            pg, why = postgres_database(WORK_DIR)
            if pg is None:
                report.skipped.append(f"PostgreSQL: {why}")
                say(f"PostgreSQL skipped: {why}")
            else:
                databases.append(pg)
        for db in databases:
            assert db.version
            extra[db.label] = db.version + (f" ({db.server.source})" if db.server else "")
            say(f"{db.label} {db.version}: building the template database …")
            db.build_template()
            measure_platform(report, db, path, args.rows)
            measure_floor(report, db, path, args.rows)
        if args.skip_reference:
            report.skipped.append("django-import-export reference (--skip-reference)")
        elif databases:
            db = databases[0]
            ref_rows = min(args.reference_rows, args.rows)
            ref_path = ensure_csv(ref_rows, args.seed)
            if ref_rows != args.rows:
                measure_platform(report, db, ref_path, ref_rows)
            for variant in args.reference_variants:
                measure_reference(report, db, ref_path, ref_rows, variant)
    except SetupError as e:
        say(f"setup failed: {e}")
        report.skipped.append(f"aborted: {str(e).splitlines()[0]}")
        report.machine = machine_info(extra)
        print(render_text(report))
        return 2
    finally:
        for db in databases:
            db.close()
    extra["load at end"] = load_average()
    report.machine = machine_info(extra)
    report.checks = evaluate(report)
    print()
    print(render_text(report))
    if not args.no_docs:
        update_docs(args.docs, report)
        say(f"recorded in {args.docs}")
    if not all(r.ok for r in report.runs):
        return 2
    return 0 if report.passed else 1


def cmd_memprofile(args) -> int:
    """(step) Run the import in this process under tracemalloc; print where memory is held."""
    import tracemalloc

    _django()
    from django.core.management import call_command

    tracemalloc.start(args.frames)
    call_command("import_residents", str(args.file), area=AREA_CODE, json=True)
    snapshot = tracemalloc.take_snapshot()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"\ntraced Python memory at the end {current / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB"
    )
    print(f"=== top {args.top} allocation sites still held at the end ===")
    snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    for stat in snapshot.statistics("traceback")[: args.top]:
        print(f"{stat.size / 2**20:8.1f} MiB {stat.count:>9,} blocks")
        for line in stat.traceback.format(limit=args.frames, most_recent_first=True):
            print(f"    {line}")
    return 0


def cmd_cpusplit(args) -> int:
    """(step) Run the import in this process; print its own CPU s and its workers'."""
    import resource

    _django()
    from django.core.management import call_command

    call_command("import_residents", str(args.file), area=AREA_CODE, json=True)
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # joined worker processes
    print(
        f"\nCPU s: importing process {own.ru_utime + own.ru_stime:.1f}, "
        f"workers {workers.ru_utime + workers.ru_stime:.1f}"
    )
    return 0


def cmd_storage_replay(args) -> int:
    """(step) Store a dump of an import's rows into the configured database; print JSON."""
    _django()
    from .storage import replay

    print(json.dumps(replay(args.dump, residents_only=args.residents_only)))
    return 0


def cmd_storage(args) -> int:
    """The platform import and the plain-insert floor, then the storage floor: the rows the
    import stored, replayed as ready values into fresh copies (with and without the audit
    entries). One slot, one after the other, so the figures compare."""
    import sqlite3
    from contextlib import closing

    from .storage import export_stored, last_ids

    path = ensure_csv(args.rows, args.seed)
    db = sqlite_database(WORK_DIR)
    db.build_template()
    report = Report(command="")
    db.fresh()  # what the import starts from
    with closing(sqlite3.connect(db.sqlite_file())) as c:
        before = last_ids(c)
    platform = measure_platform(report, db, path, args.rows)
    dump = WORK_DIR / "storage" / f"stored-{args.rows}.marshal"
    dump.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(db.sqlite_file())) as c:
        exported = export_stored(c, dump, before)
    say(f"the import stored {exported:,} residents; dumped {dump.stat().st_size / 1e6:,.0f} MB")
    floor = measure_floor(report, db, path, args.rows)
    replays = {}
    try:
        for label, extra in (
            ("residents and audit entries", []),
            ("residents only", ["--residents-only"]),
        ):
            env = db.fresh()
            argv = [sys.executable, "-m", "bench", "storage-replay", str(dump), *extra]
            m = run_measured(argv, env=env, cwd=REPO, log_dir=WORK_DIR / "logs", name="storage")
            out = _json_out(m)
            if m.returncode != 0 or out is None:
                say(f"replay ({label}) failed: exit {m.returncode}\n{m.stderr_tail()}")
                return 2
            replays[label] = out
            say(f"storage floor, {label}: {json.dumps(out)}")
    finally:
        dump.unlink(missing_ok=True)
    print(f"\nSQLite, {args.rows:,} rows ({load_average()} load at the end)")
    print(
        f"  platform import          {platform.seconds:6.1f} s  ({platform.rows_per_s:,.0f} rows/s)"
    )
    print(f"  plain-insert floor       {floor.seconds:6.1f} s")
    for label, out in replays.items():
        parts = ", ".join(
            f"{k.removesuffix('_s')} {out[k]:.1f}"
            for k in ("inserts_s", "rebuild_s", "commit_s", "statistics_s")
        )
        print(f"  storage floor, {label}: {out['seconds']:.1f} s ({parts})")
    return 0


def cmd_profile(args) -> int:
    import pstats

    path = ensure_csv(args.rows, args.seed)
    db = sqlite_database(WORK_DIR)
    db.build_template()
    env = db.fresh()
    if args.cpu or args.perf:
        argv = [sys.executable, "-m", "bench", "cpusplit", str(path)]
        data = WORK_DIR / "profile" / f"perf-{args.rows}.data"
        if args.perf:
            if not perfsplit.available():
                say("perf is not installed (Debian: linux-perf)")
                return 2
            data.parent.mkdir(parents=True, exist_ok=True)
            argv = perfsplit.record_argv(data, argv)
        m = run_measured(argv, env=env, cwd=REPO, log_dir=WORK_DIR / "logs", name="cpusplit")
        say(f"run: exit {m.returncode}, {m.seconds:.1f} s, peak {m.peak_mb:.0f} MB")
        text = m.stdout
        print(text[text.find("\nCPU s") :] if "\nCPU s" in text else m.stderr_tail())
        if args.perf and m.returncode == 0:
            print(perfsplit.render(perfsplit.read(data), args.rows))
        return 0 if m.returncode == 0 else 2
    if args.worker:
        # The worker processes profile themselves (``core.importing.pipeline``).
        prof_dir = WORK_DIR / "profile" / f"worker-{args.rows}"
        prof_dir.mkdir(parents=True, exist_ok=True)
        for old in prof_dir.glob("*.prof"):
            old.unlink()
        env = {**env, "FANGKONG_IMPORT_PROFILE_WORKER": str(prof_dir)}
    if args.memory:
        argv = [sys.executable, "-m", "bench", "memprofile", str(path), "--top", str(args.top)]
        m = run_measured(argv, env=env, cwd=REPO, log_dir=WORK_DIR / "logs", name="memprofile")
        say(f"tracemalloc run: exit {m.returncode}, {m.seconds:.1f} s, peak RSS {m.peak_mb:.0f} MB")
        text = m.stdout
        print(text[text.find("\ntraced") :] if "\ntraced" in text else m.stderr_tail())
        return 0 if m.returncode == 0 else 2
    prof = WORK_DIR / "profile" / f"import-{args.rows}.prof"
    prof.parent.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "fangkong"]
    argv += ["import-residents", str(path), "--area", AREA_CODE, "--json"]
    m = run_measured(argv, env=env, cwd=REPO, log_dir=WORK_DIR / "logs", name="profile")
    say(
        f"profiled run: exit {m.returncode}, {m.seconds:.1f} s under cProfile "
        f"({args.rows / m.seconds:,.0f} rows/s), peak {m.peak_mb:.0f} MB; profile: {prof}"
    )
    if m.returncode != 0:
        say(m.stderr_tail())
        return 2
    if args.worker:
        profs = sorted(str(p) for p in prof_dir.glob("*.prof"))
        if not profs:
            say("no worker profile written (file below FANGKONG_IMPORT_WORKERS_MIN_ROWS?)")
            return 2
        say(f"worker profiles: {', '.join(profs)}")
        stats = pstats.Stats(*profs)
    else:
        stats = pstats.Stats(str(prof))
    stats.strip_dirs()
    print(f"\n=== top {args.top} by own time (tottime) ===")
    stats.sort_stats("tottime").print_stats(args.top)
    print(f"\n=== top {args.top} by cumulative time ===")
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


# --- argument parsing ----------------------------------------------------------------------


def _variants(text: str) -> list[str]:
    out = [v.strip() for v in text.split(",") if v.strip()]
    bad = [v for v in out if v not in VARIANTS]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown variant(s): {', '.join(bad)}")
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="the full benchmark (default)")
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    p.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    p.add_argument("--skip-reference", action="store_true")
    p.add_argument("--reference-rows", type=int, default=DEFAULT_REFERENCE_ROWS)
    p.add_argument(
        "--reference-variants", type=_variants, default=list(VARIANTS), help="default,bulk"
    )
    p.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    p.add_argument("--docs", type=Path, default=DOCS)
    p.add_argument("--no-docs", action="store_true", help="do not record in docs/benchmarks.md")

    p = sub.add_parser("status", help="the status benchmark (issue 4)")
    p.add_argument("--residents", type=int, default=DEFAULT_ROWS)
    p.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    p.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    p.add_argument("--docs", type=Path, default=DOCS)
    p.add_argument("--no-docs", action="store_true", help="do not record in docs/benchmarks.md")
    p.add_argument("--profile-one", action="store_true", help="cProfile the one-person path")
    p.add_argument(
        "--cache-fixture",
        action="store_true",
        help="keep the loaded fixture and start from a kept one (6 h, keyed by migrations)",
    )
    p.add_argument(
        "--fixture-only", action="store_true", help="stop after the fixture (to keep it)"
    )

    p = sub.add_parser("status-fixture", help="(step) the status fixture into the configured DB")
    p.add_argument("file", type=Path)
    p.add_argument("--residents", type=int, default=DEFAULT_ROWS)

    p = sub.add_parser("status-measure", help="(step) list and one-person timings, as JSON")
    p.add_argument("--profile", action="store_true")

    p = sub.add_parser("tracing", help="the tracing oracle benchmark (issue 5)")
    p.add_argument("--people", type=int, default=1_000_000)
    p.add_argument("--venues", type=int, default=10_000)
    p.add_argument("--scans", type=int, default=10_000_000)
    p.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    p.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    p.add_argument("--docs", type=Path, default=DOCS)
    p.add_argument("--no-docs", action="store_true", help="do not record in docs/benchmarks.md")

    p = sub.add_parser("tracing-generate", help="(step) write the scans CSV")
    p.add_argument("file", type=Path)
    p.add_argument("--people", type=int, default=1_000_000)
    p.add_argument("--venues", type=int, default=10_000)
    p.add_argument("--scans", type=int, default=10_000_000)
    p.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)

    p = sub.add_parser("tracing-fixture", help="(step) load the city into the configured DB")
    p.add_argument("file", type=Path, help="the scans, Parquet sorted by time")
    p.add_argument("residents", type=Path, help="the bench residents CSV")
    p.add_argument("--people", type=int, default=1_000_000)
    p.add_argument("--venues", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)

    sub.add_parser("tracing-measure", help="(step) the platform's tracing, as JSON")

    from .dashboard_cli import add_parsers as add_dashboard_parsers

    add_dashboard_parsers(sub)

    from .lists_cli import add_parsers as add_lists_parsers

    add_lists_parsers(sub)

    p = sub.add_parser("generate", help="write the cached CSV and print its path")
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    p.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    p.add_argument("--out-dir", type=Path, default=WORK_DIR / "data")

    p = sub.add_parser("profile", help="cProfile the platform import on SQLite")
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--memory", action="store_true", help="tracemalloc instead of cProfile")
    p.add_argument("--worker", action="store_true", help="cProfile the worker processes")
    p.add_argument(
        "--cpu", action="store_true", help="no profiler: CPU s of the importing process and workers"
    )
    p.add_argument(
        "--perf",
        action="store_true",
        help="--cpu under Linux perf: CPU s and µs per row by process and library, serial tail",
    )

    p = sub.add_parser("storage", help="the import's storage floor on SQLite (bench.storage)")
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    p.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)

    p = sub.add_parser("storage-replay", help="(step) store a dump of an import's rows")
    p.add_argument("dump", type=Path)
    p.add_argument("--residents-only", action="store_true")

    p = sub.add_parser("cpusplit", help="(step) the import in-process, CPU s per process")
    p.add_argument("file", type=Path)

    p = sub.add_parser("memprofile", help="(step) the import under tracemalloc, in-process")
    p.add_argument("file", type=Path)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--frames", type=int, default=4)

    sub.add_parser("setup-areas", help="(step) create the bench city in the configured DB")

    from .load import add_parser as add_load_parser

    add_load_parser(sub)

    p = sub.add_parser("floor", help="(step) the executemany floor into the configured DB")
    p.add_argument("file", type=Path)

    p = sub.add_parser("reference", help="(step) django-import-export into the configured DB")
    p.add_argument("file", type=Path)
    p.add_argument("--variant", choices=VARIANTS, default="default")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    given = list(argv)
    if argv[:1] in (["-h"], ["--help"]):
        build_parser().print_help()  # the subcommands, not the default one's options
        return 0
    if not argv or argv[0].startswith("-"):
        argv.insert(0, "import")
    args = build_parser().parse_args(argv)
    handlers = {
        "generate": cmd_generate,
        "profile": cmd_profile,
        "memprofile": cmd_memprofile,
        "cpusplit": cmd_cpusplit,
        "storage": cmd_storage,
        "storage-replay": cmd_storage_replay,
        "setup-areas": cmd_setup_areas,
        "floor": cmd_floor,
        "reference": cmd_reference,
    }
    if args.command == "import":
        return cmd_import(args, given)
    if args.command.startswith("dashboard"):
        from . import dashboard_cli

        return dashboard_cli.main(args, _command_line(given), WORK_DIR / "dashboard")
    if args.command.startswith("lists"):
        from . import lists_cli

        return lists_cli.main(args, _command_line(given), WORK_DIR / "dashboard")
    if args.command.startswith("tracing"):
        from . import tracing_cli

        if args.command == "tracing":
            return tracing_cli.cmd_tracing(args, _command_line(given), WORK_DIR / "tracing")
        step = {
            "tracing-generate": tracing_cli.cmd_generate,
            "tracing-fixture": tracing_cli.cmd_fixture,
            "tracing-measure": tracing_cli.cmd_measure,
        }
        return step[args.command](args)
    if args.command == "load":
        from .load import cmd_load

        args.argv = given[1:]
        return cmd_load(args)
    if args.command.startswith("status"):
        from . import status_cli

        if args.command == "status":
            return status_cli.cmd_status(args, _command_line(given), WORK_DIR / "status")
        if args.command == "status-fixture":
            return status_cli.cmd_status_fixture(args)
        return status_cli.cmd_status_measure(args)
    return handlers[args.command](args)
