"""``python -m bench lists``: the first page of every list at full size (session 7), on the
dashboard benchmark's cached city (``bench.dashboard_cli``: the same fixture and cache,
brought forward by ``migrate`` when the migrations changed), measured by a child process
(``lists-measure``)."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from .dashboard_cli import _cache_key, _cached
from .databases import REPO, Database, SetupError
from .databases import sqlite_database as _sqlite
from .docs import chosen_databases, insert_newest_first, publish
from .measure import run_measured
from .report import load_average, machine_info

MARKER = "<!-- bench:lists-results (newest first; `python -m bench lists` inserts below) -->"
MAX_PAGE_MS = 500.0
USERS = ("city", "district", "community")

HEADER = """
# List pages benchmark

`python -m bench lists` renders the first page (default order, 50 rows) of every list — each
`ObjectListView` with a URL of its own, the scan list and the audit log — through Django's
test client for the dashboard benchmark's city, district and community users, on the
dashboard's full-size fixture (1,000,000 residents, 10,000,000 scans; its cache, see
"Dashboard benchmark": run `python -m bench dashboard --fixture-only` first). Then the large
lists with a common filter: one grid, a colour, two hours of scans, a searched name; and
every filtered list the user's home page links to (its panels' figures: 绿码 or 红码 people,
those in quarantine, contacts to verify, a category of residents…), found on the page. Each
figure is the median of `--runs` renders (one render when the first takes over 3 s), with
the slowest SQL statement of the page. A 403 is a list the user's role may not open.

Target: each page under 500 ms (the dashboard's bar).

```
.venv/bin/python -m bench lists --db sqlite        # or --db postgres; all by default
.venv/bin/python -m bench lists --only registry --no-docs    # the lists whose URL name matches
```

## List pages results

"""


def say(msg: str) -> None:
    print(f"[bench lists] {msg}", flush=True)


def run_database(db: Database, args, work: Path) -> tuple[dict, list[str]]:
    from .cli import _json_out

    cache = work / "cities" / _cache_key(db, args)
    hit = _cached(db, cache, work)
    if hit is None:
        raise SetupError(
            f"no cached dashboard fixture for {db.label}: run "
            f"`python -m bench dashboard --fixture-only --db {db.kind}` first"
        )
    env, _counts = hit
    argv = [sys.executable, "-m", "bench", "lists-measure", "--runs", str(args.runs)]
    argv += ["--only", args.only]
    m = run_measured(argv, env=env, cwd=REPO, log_dir=work / "logs", name=f"lists-{db.kind}")
    if m.returncode != 0:
        say(f"{db.label} measure FAILED\n{m.stderr_tail(20)}")
        return {}, [f"measure: exit {m.returncode}"]
    return _json_out(m) or {}, []


def _cell(page: dict | None) -> str:
    if not page:
        return ""
    if page["status"] != 200:
        return str(page["status"])
    flag = "" if page["median_ms"] < MAX_PAGE_MS else " **!**"
    return f"{page['median_ms']:,.0f}{flag}"


def _rows(pages: dict) -> tuple[list[str], list[str]]:
    lines, slow = [], []
    for name, by_user in pages.items():
        cells = [_cell(by_user.get(who)) for who in USERS]
        worst = max(by_user.values(), key=lambda p: p["slowest_ms"] if p["status"] == 200 else 0)
        query = f"{worst['slowest_ms']:,.0f} ms on {worst['slowest_table']}"
        lines.append(f"| {name} | {' | '.join(cells)} | {query} |")
        slow += [
            f"{name} ({who})"
            for who, p in by_user.items()
            if p["status"] == 200 and p["median_ms"] >= MAX_PAGE_MS
        ]
    return lines, slow


def render(args, results: dict, command: str, machine: dict, skipped: list[str]) -> str:
    started = datetime.datetime.now().astimezone()
    out, over = [], []
    for label, (data, problems) in results.items():
        if problems or not data:
            over.append(f"{label}: FAILED ({'; '.join(problems)})")
            continue
        out += [
            f"**{label}** (median of {data['runs']}, ms; **!** = over 500 ms)\n",
            "| List | city | district | community | slowest statement |",
            "|---|---:|---:|---:|---|",
        ]
        lines, slow = _rows(data["pages"])
        f_lines, f_slow = _rows(data["filtered"])
        out += [*lines, ""]
        out += ["| Filtered | city | district | community | slowest statement |"]
        out += ["|---|---:|---:|---:|---|", *f_lines, ""]
        h_lines, h_slow = _rows(data.get("home_links", {}))
        if h_lines:
            out += [
                "| Linked from the home page | city | district | community | slowest statement |"
            ]
            out += ["|---|---:|---:|---:|---|", *h_lines, ""]
        over += [f"{label}: {s}" for s in slow + f_slow + h_slow]
    verdict = "all pages under 500 ms" if not over else f"{len(over)} pages over 500 ms"
    head = [
        f"### {started:%Y-%m-%d %H:%M %z} — {verdict}\n",
        f"Command: `{command}`\n",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()) + "\n",
    ]
    tail = [f"Over 500 ms: {', '.join(over)}\n" if over else ""]
    tail += [f"- skipped: {s}" for s in skipped]
    return "\n".join(head + out + tail) + "\n"


def record(docs: Path, section: str) -> None:
    insert_newest_first(docs, section, MARKER, HEADER)


def cmd_lists(args, command: str, work: Path) -> int:
    extra = {"load at start": load_average()}
    results = {}
    runs = work / "runs" / f"lists-{args.people}-{args.scans}"  # as the dashboard's
    try:
        with chosen_databases(args.db, lambda: _sqlite(runs), runs, extra) as (
            databases,
            skipped,
        ):
            for db in databases:
                extra[db.label] = db.version
                results[db.label] = run_database(db, args, work)
    except SetupError as e:
        say(f"setup failed: {e}")
        return 2
    section = render(args, results, command, machine_info(extra), skipped)
    problems = any(problems for _data, problems in results.values())
    return publish(section, args, record, say, problems=problems, met="all pages under")


def cmd_measure(args) -> int:
    from .cli import _django

    _django()
    from .dashboard import dump
    from .lists import measure

    dump(measure(args.runs, args.only))
    return 0


def add_parsers(sub) -> None:
    from .dataset import DEFAULT_SEED

    p = sub.add_parser("lists", help="the first page of every list at full size (session 7)")
    p.add_argument("--people", type=int, default=1_000_000)
    p.add_argument("--venues", type=int, default=10_000)
    p.add_argument("--scans", type=int, default=10_000_000)
    p.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--runs", type=int, default=3, help="renders per page (median)")
    p.add_argument("--only", default="", help="only the lists whose URL name contains this")
    p.add_argument("--docs", type=Path, default=REPO / "docs" / "benchmarks.md")
    p.add_argument("--no-docs", action="store_true", help="do not record in docs/benchmarks.md")

    p = sub.add_parser("lists-measure", help="(step) the list pages' timings, as JSON")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", default="")


def main(args, command: str, work: Path) -> int:
    if args.command == "lists":
        return cmd_lists(args, command, work)
    return cmd_measure(args)
