"""Figures, targets and the results table written to ``docs/benchmarks.md``."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

# Targets of the issue, on this 2-core machine.
MIN_SQLITE_ROWS_PER_S = 20_000
MAX_FLOOR_RATIO = 3.0
MAX_PEAK_MB = 300
MIN_REFERENCE_SPEEDUP = 10.0

RESULTS_MARKER = "<!-- bench:results (newest first; `python -m bench` inserts below) -->"


@dataclass
class Run:
    """One measured child process."""

    step: str  # "platform", "floor", "import-export (default)", ...
    db: str  # "SQLite" / "PostgreSQL"
    rows: int
    seconds: float
    peak_mb: float
    cpu_seconds: float = 0.0
    ok: bool = True
    note: str = ""

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Check:
    target: str
    measured: str
    passed: bool


@dataclass
class Report:
    command: str
    runs: list[Run] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    started: datetime.datetime = field(default_factory=lambda: datetime.datetime.now().astimezone())

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.runs) and all(c.passed for c in self.checks)

    def find(self, step: str, db: str, rows: int | None = None) -> Run | None:
        for r in self.runs:
            if r.step == step and r.db == db and (rows is None or r.rows == rows):
                return r
        return None


def evaluate(report: Report) -> list[Check]:
    """The pass/fail lines for every target the measured runs can answer."""
    checks: list[Check] = []
    dbs = list(dict.fromkeys(r.db for r in report.runs))
    for db in dbs:
        platform_runs = [r for r in report.runs if r.step == "platform" and r.db == db]
        if not platform_runs:
            continue
        main = max(platform_runs, key=lambda r: r.rows)
        if db == "SQLite":
            checks.append(
                Check(
                    f"SQLite: ≥ {MIN_SQLITE_ROWS_PER_S:,} rows/s ({main.rows:,} rows)",
                    f"{main.rows_per_s:,.0f} rows/s",
                    main.ok and main.rows_per_s >= MIN_SQLITE_ROWS_PER_S,
                )
            )
        floor = report.find("floor", db, main.rows)
        if floor is not None:
            ratio = main.seconds / floor.seconds
            checks.append(
                Check(
                    f"{db}: within {MAX_FLOOR_RATIO:g}× of the plain executemany insert",
                    f"{ratio:.3f}×",
                    main.ok and floor.ok and ratio <= MAX_FLOOR_RATIO,
                )
            )
        checks.append(
            Check(
                f"{db}: peak memory < {MAX_PEAK_MB} MB ({main.rows:,} rows)",
                f"{main.peak_mb:.0f} MB",
                main.ok and main.peak_mb < MAX_PEAK_MB,
            )
        )
        for ref in (r for r in report.runs if r.step.startswith("import-export") and r.db == db):
            same = report.find("platform", db, ref.rows)
            if same is None:
                continue
            speedup = ref.seconds / same.seconds
            checks.append(
                Check(
                    f"{db}: ≥ {MIN_REFERENCE_SPEEDUP:g}× faster than {ref.step} "
                    f"({ref.rows:,} rows)",
                    f"{speedup:.1f}×",
                    same.ok and ref.ok and speedup >= MIN_REFERENCE_SPEEDUP,
                )
            )
    return checks


def _vs_floor(report: Report, run: Run) -> str:
    if run.step == "floor":
        return "1.00×"
    floor = report.find("floor", run.db, run.rows)
    return f"{run.seconds / floor.seconds:.2f}×" if floor else "–"


def _speedup(report: Report, run: Run) -> str:
    if not run.step.startswith("import-export"):
        return "–"
    same = report.find("platform", run.db, run.rows)
    return f"{run.seconds / same.seconds:.1f}×" if same else "–"


def runs_table(report: Report) -> str:
    head = (
        "| step | database | rows | seconds | rows/s | peak MB | CPU s | × floor time "
        "| platform speed-up | ok |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = [
        f"| {r.step} | {r.db} | {r.rows:,} | {r.seconds:.1f} | {r.rows_per_s:,.0f} "
        f"| {r.peak_mb:.0f} | {r.cpu_seconds:.1f} | {_vs_floor(report, r)} "
        f"| {_speedup(report, r)} | {'yes' if r.ok else 'NO: ' + r.note} |"
        for r in report.runs
    ]
    return head + "\n".join(lines) + "\n"


def checks_table(report: Report) -> str:
    if not report.checks:
        return "No target could be checked by this run.\n"
    head = "| target | measured | result |\n|---|---:|---|\n"
    return head + "".join(
        f"| {c.target} | {c.measured} | {'PASS' if c.passed else 'FAIL'} |\n" for c in report.checks
    )


def machine_info(extra: dict[str, str] | None = None) -> dict[str, str]:
    info = {
        "CPUs (nproc)": str(os.cpu_count()),
        "CPU": _cpu_model(),
        "RAM": _ram(),
        "OS": platform.platform(),
        "Python": sys.version.split()[0],
        "Django": _version("Django"),
        "django-import-export": _version("django-import-export"),
        "psycopg": _version("psycopg"),
    }
    info.update(extra or {})
    return info


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def render_markdown(report: Report) -> str:
    rows = max((r.rows for r in report.runs), default=0)
    out = [
        f"### {report.started:%Y-%m-%d %H:%M %z} — {rows:,} rows — "
        f"{'all targets met' if report.passed else 'TARGETS MISSED'}\n",
        f"Command: `{report.command}`\n",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in report.machine.items()) + "\n",
        runs_table(report),
        checks_table(report),
    ]
    if report.skipped:
        out.append("".join(f"- skipped: {s}\n" for s in report.skipped))
    if report.notes:
        out.append("".join(f"- {s}\n" for s in report.notes))
    return "\n".join(out)


def render_text(report: Report) -> str:
    return render_markdown(report).replace("`", "")


DOC_HEADER = """# Import benchmark

`make bench` (= `.venv/bin/python -m bench`) measures the resident import of the platform
(`fangkong import-residents FILE --area 510400 --json`, the CLI of the import engine) on a
generated CSV, against a floor and a reference, on a fresh database for every measured run.

## What is measured

- **Data**: `python -m bench generate --rows N` writes a CSV (UTF-8 with BOM, as Excel saves
  "CSV UTF-8") with the headers 姓名, 性别, 身份证号, 联系电话, 现住址, 网格, 人员类别, 来源地,
  抵达日期, 标签 and N generated people: unique, checksummed ID numbers from
  `fangkong.core.testing.factories.make_id_number` whose gender and birth date agree with the
  columns, mobile numbers (3 % blank), addresses in the person's community, one of 1,000 grid
  codes, 70 % 常住 and the rest 流入/返乡/暂住/外出 with origins and arrival dates, tags
  (党员, 老人, 儿童, …) in plausible proportions. Deterministic per seed (default 20200123);
  cached under `var/bench/data/`; the first 100,000 rows of the 1,000,000-row file are the
  100,000-row file.
- **Database**: each run gets a fresh copy of a template made by `fangkong migrate` plus the
  bench city (攀枝花市 › 5 districts › 20 streets › 100 communities › 1,000 grids), with its own
  `FANGKONG_VAR_DIR` under `var/bench/` (own keys, own SQLite file) and the production settings
  (`fangkong.settings.prod`; SQLite in WAL mode with `synchronous=NORMAL`, as configured for
  every deployment). PostgreSQL: `FANGKONG_BENCH_DATABASE_URL` or
  `FANGKONG_TEST_DATABASE_URL` (role with CREATEDB), else a throw-away cluster started with
  Debian's binaries with default (durable) settings, else the PostgreSQL rows are skipped.
- **platform**: `fangkong import-residents FILE --area 510400 --json` as a child process. Every
  row is parsed, validated (ID checksum, birth date, region, gender against the ID, phone,
  grid within the area, tags, dates), de-duplicated, its ID number, phone and address
  encrypted (AES-GCM), its blind indexes (HMAC) and name search keys (OpenCC + pypinyin)
  computed, matched against existing rows by blind index, written, and audited (one
  hash-chained audit entry per row plus one for the file), all in one transaction; the
  parsing, validating, encrypting and indexing run in `FANGKONG_IMPORT_WORKERS` forked
  worker processes while the importing process writes (`core/importing/pipeline.py`).
- **floor**: the same file read with the `csv` module and inserted with ONE
  `cursor.executemany` into the same `registry_resident` table with all its indexes, in one
  transaction: raw strings in the same columns (the ID number string stands in for its blind
  index, the name for its search keys), nothing validated, encrypted or audited.
- **import-export**: the same rows through django-import-export, the reference a Django
  developer would reach for: a `ModelResource` for `Resident` with the same columns, cleaned
  with the project's own rules in `before_import_row`, the grid found with a
  `ForeignKeyWidget`, the model's fields encrypting and indexing on save, existing residents
  matched by blind index, `import_data(dataset, dry_run=False)`. `default` is the library's
  defaults (a `save()` per row); `bulk` is what its docs advise for large files
  (`use_bulk=True`, `skip_diff=True`, `CachedForeignKeyWidget`). It writes no audit entries.
  The platform is run on the same rows and the same database for the comparison.
- **Figures**: wall time of the child process (interpreter start and Django setup included);
  rows/s = rows ÷ wall time; peak MB = the larger of the child's own peak resident set
  (`ru_maxrss` from `os.wait4`, i.e. VmHWM) and the peak, sampled every 0.2 s, of the summed
  PSS of its process tree (the import's worker processes included; pages shared after the
  fork counted once; the tree's summed RSS, which counts them once per process, is noted
  under the table); CPU s = user + system CPU of the child and the processes it waited for
  (its workers; on PostgreSQL the server's own CPU is not included). "× floor time" is the
  run's time over the floor's time for the same rows on the same database; "platform
  speed-up" is import-export's time over the platform's time.

## Targets (2-core machine)

- ≥ 20,000 rows/s on SQLite for 1,000,000 rows;
- within 3× of the plain `executemany` insert (checked on each database);
- peak memory under 300 MB (the file is streamed, never loaded whole);
- at least 10× faster than django-import-export on the same 100,000 rows.

Speed is checked by this benchmark only, never by timed tests. `python -m bench` exits 0 when
every target checked was met, 1 when one was missed, 2 when a step failed.

## Running it

```
make bench                                              # 1,000,000 rows, SQLite and PostgreSQL
.venv/bin/python -m bench import --rows 100000 --db sqlite --skip-reference
.venv/bin/python -m bench import --db postgres          # needs a server (see above)
.venv/bin/python -m bench profile --rows 50000          # cProfile of the CLI, hot spots printed
.venv/bin/python -m bench profile --memory --rows 200000  # tracemalloc: where memory is held
.venv/bin/python -m bench profile --worker --rows 100000  # cProfile inside the worker processes
.venv/bin/python -m bench profile --cpu --rows 100000     # CPU s: importing process, workers
```

Options: `--rows N`, `--db sqlite|postgres|all`, `--skip-reference`, `--reference-rows N`
(100,000), `--reference-variants default,bulk`, `--seed`, `--no-docs`, `--docs PATH`.

## Results

"""


def update_docs(path: Path, report: Report) -> None:
    """Insert this run's section under the results marker, newest first."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if RESULTS_MARKER not in text:
        text = DOC_HEADER + RESULTS_MARKER + "\n" + (("\n" + text) if text.strip() else "")
    head, _, tail = text.partition(RESULTS_MARKER)
    rest = tail.lstrip("\n")
    section = render_markdown(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = f"{head}{RESULTS_MARKER}\n\n{section}" + (f"\n{rest}" if rest else "")
    path.write_text(new, encoding="utf-8")
