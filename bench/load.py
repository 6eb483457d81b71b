"""``python -m bench load``: a bounded load test of a real server on loopback (locust).

For each database: a sandbox installation (``fangkong.core.testing.sandbox``; PostgreSQL in a
throw-away cluster), a fixture (residents imported through the CLI, quarantine assignments,
statuses), the server (``fangkong serve`` = waitress, or gunicorn), then locust headless for
``--duration`` seconds with ``--users`` simulated staff running ``bench.workload``. It stops by
itself; p50/p99 per request type go to the terminal and to docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .workload import SCENARIOS

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "benchmarks.md"
SECTION = "# Load test"
RESULTS = "## Load results"
GRIDS = ("510411001001G01", "510411001001G02")
ASSIGNMENT_DAYS = 14

FIXTURE_CODE = """
import datetime as dt, json, random
from django.utils import timezone
from fangkong.accounts.models import User
from fangkong.health import services
from fangkong.registry.models import Resident
actor = User.objects.get(username="command")
rng = random.Random(5)
ids = list(Resident.objects.order_by("pk").values_list("pk", flat=True))
today = timezone.localdate()
start = today - dt.timedelta(days={days})
assignments = [
    services.create_assignment(
        actor=actor, resident=r, kind="health_monitoring", start_date=start,
        end_date=today + dt.timedelta(days=3),
    ).pk
    for r in Resident.objects.filter(pk__in=rng.sample(ids, min({assignments}, len(ids))))
]
initials = sorted(set(Resident.objects.values_list("name_initials", flat=True)))
# Venues for the scan scenario and visitors who are not in the registry (generated numbers).
from fangkong.areas.models import Area
from fangkong.demo.generators import make_id_number
from fangkong.venues.services import create_venue
venue_codes = [
    create_venue(
        actor=actor,
        data={{"area": Area.objects.get(code=grid), "name": f"菜市场{{i}}", "kind": "market"}},
    ).code
    for i, grid in enumerate({grids} * 5)
]
visitor_ids = sorted({{make_id_number(rng=rng) for _ in range(500)}})
# Signed in beforehand: a password hash costs ~1 s of CPU and sign-in is not in the mix.
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from rest_framework.authtoken.models import Token
user = User.objects.get(username="community")
sessions = []
for _ in range({users}):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "fangkong.accounts.backends.RoleBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    sessions.append(store.session_key)
token, _ = Token.objects.get_or_create(user=user)
print(json.dumps({{
    "sessions": sessions,
    "token": token.key,
    "resident_ids": rng.sample(ids, min(2000, len(ids))),
    "assignment_ids": assignments,
    "search_terms": rng.sample(initials, min(200, len(initials))),
    "checkin_start": start.isoformat(),
    "checkin_days": {days} + 1,
    "venue_codes": venue_codes,
    "visitor_ids": visitor_ids,
}}))
"""


def say(msg: str) -> None:
    print(f"[bench load] {msg}", flush=True)


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    p50: float
    p99: float
    rps: float


def _residents_csv(path: Path, n: int, seed: int = 2020) -> None:
    from fangkong.demo.generators import make_id_number, make_name

    rng, seen, lines = random.Random(seed), set(), []
    while len(lines) < n:
        number = make_id_number(rng=rng)
        if number in seen:
            continue
        seen.add(number)
        name = make_name(rng.choice("MF"), rng)
        lines.append(f"{name},{number},{GRIDS[len(lines) % 2]}")
    path.write_text("姓名,身份证号,网格\n" + "\n".join(lines) + "\n", encoding="utf-8-sig")


def prepare(sb, residents: int, assignments: int, users: int) -> dict:
    """The fixture: residents, monitoring assignments and statuses; returns the locust data."""
    sb.setup()
    path = sb.root / "residents.csv"
    _residents_csv(path, residents)
    sb.run("import-residents", str(path), "--area", "510411001001")
    out = sb.shell(
        FIXTURE_CODE.format(
            days=ASSIGNMENT_DAYS, assignments=assignments, users=users, grids=list(GRIDS)
        )
    )
    sb.run("recompute-status", "--all")
    return json.loads(out.strip().splitlines()[-1])


@contextlib.contextmanager
def server(sb, kind: str, threads: int, workers: int) -> Iterator[str]:
    if kind == "waitress":
        with sb.serve(worker=False, threads=threads) as url:
            yield url
        return
    from fangkong.core.testing.sandbox import free_port, wait_for_http

    sb.run("collectstatic", "--noinput", "-v0")
    port = free_port()
    log = open(sb.root / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            *("-m", "gunicorn", "fangkong.wsgi:application"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
            *("--threads", str(threads), "--worker-class", "gthread"),
            # A busy shared machine must not get workers killed for a late heartbeat.
            *("--timeout", "120"),
        ],
        env=sb.env,
        cwd=sb.root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + "/login/", process, timeout=120)
        for _ in range(2 * workers):  # every worker up and warm before the clock starts
            wait_for_http(url + "/login/", process, timeout=120)
        yield url
    finally:
        process.terminate()
        process.wait(30)
        log.close()
        say("gunicorn log (tail): " + (sb.root / "gunicorn.log").read_text()[-1500:])


def run_locust(url: str, data_file: Path, out_prefix: Path, users: int, duration: int) -> None:
    env = {**os.environ, "FANGKONG_LOAD_DATA": str(data_file), "PYTHONPATH": str(REPO)}
    args = [
        sys.executable,
        *("-m", "locust", "-f", str(REPO / "bench" / "locustfile.py"), "--headless"),
        *("--users", str(users), "--spawn-rate", str(max(1, users // 2))),
        *("--run-time", f"{duration}s", "--stop-timeout", "5", "--host", url),
        *("--csv", str(out_prefix), "--only-summary", "--loglevel", "WARNING"),
    ]
    # Bounded twice: locust's --run-time, and a hard timeout should it hang.
    subprocess.run(args, env=env, cwd=REPO, check=False, timeout=duration + 300)  # noqa: S603


def _number(text: str) -> float:
    """Locust writes "N/A" for a percentile of no requests."""
    try:
        return float(text)
    except ValueError:
        return 0.0


def read_stats(path: Path) -> list[Row]:
    """Rows of locust's ``*_stats.csv`` (per request name, plus the aggregated line)."""
    rows = []
    with open(path, newline="") as fh:
        for r in csv.DictReader(fh):
            name = r["Name"] if r["Type"] else "all requests"
            if r["Name"] == "Aggregated":
                name = "all requests"
            rows.append(
                Row(
                    name=name,
                    requests=int(r["Request Count"]),
                    failures=int(r["Failure Count"]),
                    p50=_number(r["50%"]),
                    p99=_number(r["99%"]),
                    rps=_number(r["Requests/s"]),
                )
            )
    return rows


def problems(rows: list[Row]) -> list[str]:
    """Every workload request type must have run, without failures."""
    by_name = {r.name: r for r in rows}
    out = []
    for s in SCENARIOS:
        row = by_name.get(s.name)
        if row is None or row.requests == 0:
            out.append(f"{s.name}: no requests")
        elif row.failures:
            out.append(f"{s.name}: {row.failures} of {row.requests} failed")
    return out


def render(rows: list[Row]) -> str:
    lines = [
        "| Request | Requests | Failures | p50 ms | p99 ms | req/s |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        figures = f"{r.requests:,} | {r.failures} | {r.p50:.0f} | {r.p99:.0f} | {r.rps:.1f}"
        lines.append(f"| {r.name} | {figures} |")
    return "\n".join(lines)


INTRO = f"""{SECTION}

`python -m bench load` (in `make bench`) starts a real installation on loopback — its own
`var/` and database (SQLite file, or a throw-away PostgreSQL cluster), residents imported
through the CLI, monitoring assignments, statuses computed — serves it with `fangkong serve`
(waitress, the default) or gunicorn (`--server gunicorn`), and runs locust headless: `--users`
signed-in community workers, each request type weighted as in `bench/workload.py` (health
check-ins through the API, pinyin searches, resident list pages, status look-ups through the
API, venue scans as a checkpoint device sends them through the batch API, the command
dashboard). It stops by itself after `--duration` seconds; every request type must have run with no
failure (exit 1 otherwise). Locust runs on the same 2 cores as the server, so the figures are a
floor for a real deployment, for comparing runs on this machine.

New request types register a `@scenario` in `bench/workload.py`.

{RESULTS}
"""


def update_docs(docs: Path, block: str) -> None:
    text = docs.read_text() if docs.exists() else ""
    if SECTION not in text:
        text = text.rstrip("\n") + "\n\n\n" + INTRO
    head, _, tail = text.partition(RESULTS + "\n")
    docs.write_text(head + RESULTS + "\n\n" + block.strip() + "\n" + tail)


@contextlib.contextmanager
def database(kind: str) -> Iterator[str | None]:
    """None for SQLite; the server URL of a throw-away PostgreSQL cluster."""
    if kind == "sqlite":
        yield None
        return
    from fangkong.core.testing.postgres import cluster

    with cluster() as pg:
        yield pg.url.rsplit("/", 1)[0] + "/postgres"


def _block(args, kind: str, server_kind: str, rows: list[Row], load_avg) -> tuple[str, list]:
    """The docs section of one run, and its problems."""
    table = render(rows)
    print(table, flush=True)
    bad = problems(rows)
    label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[kind]
    server_text = (
        f"waitress, {args.threads} threads"
        if server_kind == "waitress"
        else f"gunicorn gthread, {args.workers} workers × {args.threads} threads"
    )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M +0000")
    block = (
        f"### {stamp} — {label}, {server_text}{' — FAILURES' if bad else ''}\n\n"
        f"Command: `.venv/bin/python -m bench load {' '.join(args.argv)}`; "
        f"{args.users} users, {args.duration} s, {args.residents:,} residents, "
        f"load average at end {' / '.join(f'{x:.1f}' for x in load_avg)}\n\n"
        f"{table}\n" + ("".join(f"\n- {p}" for p in bad) + "\n" if bad else "")
    )
    return block, bad


def cmd_load(args) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings.test")
    import django

    django.setup()
    from fangkong.core.testing.sandbox import sandbox

    kinds = ["sqlite", "postgres"] if args.db == "all" else [args.db]
    servers = ["waitress", "gunicorn"] if args.server == "both" else [args.server]
    blocks, failed = [], []
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="fangkong-load-") as tmp, database(kind) as url:
            tmp = Path(tmp)
            with sandbox(tmp / "site", server_url=url) as sb:
                say(f"{kind}: fixture of {args.residents:,} residents")
                started = time.monotonic()
                data = prepare(sb, args.residents, args.assignments, args.users)
                say(f"{kind}: fixture ready in {time.monotonic() - started:.0f} s")
                data_file = tmp / "load-data.json"
                data_file.write_text(json.dumps(data))
                # The same fixture and workload for each server (later runs see the rows the
                # earlier ones wrote: check-ins are re-recorded slots, scans add up).
                for kind_of_server in servers:
                    with server(sb, kind_of_server, args.threads, args.workers) as site:
                        say(f"{kind}/{kind_of_server}: {args.users} users for {args.duration} s")
                        prefix = tmp / f"locust-{kind_of_server}"
                        run_locust(site, data_file, prefix, args.users, args.duration)
                    load_avg = os.getloadavg()
                    rows = read_stats(Path(f"{prefix}_stats.csv"))
                    block, bad = _block(args, kind, kind_of_server, rows, load_avg)
                    blocks.append(block)
                    failed += [f"{kind}/{kind_of_server}: {p}" for p in bad]
    if not args.no_docs:
        for block in reversed(blocks):
            update_docs(args.docs, block)
        say(f"recorded in {args.docs}")
    for p in failed:
        say(f"PROBLEM {p}")
    return 1 if failed else 0


def add_parser(sub) -> None:
    p = sub.add_parser("load", help="bounded load test with locust on loopback")
    p.add_argument("--db", choices=("sqlite", "postgres", "all"), default="all")
    p.add_argument(
        "--server",
        choices=("waitress", "gunicorn", "both"),
        default="both",
        help="both: waitress then gunicorn on the same fixture and workload (default)",
    )
    p.add_argument("--users", type=int, default=20)
    p.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    p.add_argument("--residents", type=int, default=20_000)
    p.add_argument("--assignments", type=int, default=500)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--workers", type=int, default=2, help="gunicorn processes")
    p.add_argument("--docs", type=Path, default=DOCS)
    p.add_argument("--no-docs", action="store_true")
