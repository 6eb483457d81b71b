"""``python -m bench.ingest``: scan ingest against a real server on loopback (issue 5).

For each database (SQLite, PostgreSQL): a fresh migrated database with the bench city, a
fixture (an API account with a token, a venue, 2,000 registered residents), then **gunicorn**
(``--workers N``, sync workers by default as README's device-API server, ``--worker-class
gthread --threads T`` as its web server; the production settings) on 127.0.0.1 and
a bounded load generator in this process (threads with keep-alive ``http.client``
connections and request bodies built before the clock starts; in the closed-loop phases
every request waits for its answer before the next, so the load never exceeds the
concurrency):

- **batched**: ``POST /api/v1/scans/batch/`` with 500 scans per request from a few clients;
  scans stored per second (every record new, half by ID number, half by unregistered phone);
- **single**: the same endpoint with one scan per request at 64 concurrent clients;
- **floor**: ``GET /api/v1/scans/clock/`` (token auth, one small JSON answer) at the same
  concurrency — the framework's own cost, the ceiling any endpoint of this server can reach;
  single and floor run in ``--rounds`` alternating parts of ``--requests`` in all, so that a
  shared machine's drift weighs on both alike (one pass each gave 40–52 % within minutes);
- **checkpoint load** (open loop): the same single scans from 64 devices, each sending at a
  fixed rate whether or not earlier answers came back (``--device-rate`` per second);
  latency counts from the scheduled send time, so a queue shows up in it
  (``--device-seconds`` long).

CPU seconds are read from /proc for the server (gunicorn master and workers), the
PostgreSQL backends (throw-away cluster only) and this load generator.

Usage: ``python -m bench.ingest [--db sqlite postgres] [--workers 2 3 4] [--batches 60]
[--requests 10000] [--rounds 5] [--device-rate 1]``.
"""

from __future__ import annotations

import argparse
import datetime
import heapq
import json
import os
import selectors
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .databases import REPO, postgres_database, sqlite_database

WORK_DIR = REPO / "var" / "bench" / "ingest"


# --- fixture (runs in a child process against the database under test) ------------------


def fixture() -> dict:
    import django

    django.setup()
    from rest_framework.authtoken.models import Token

    from fangkong.accounts.choices import Role
    from fangkong.accounts.models import User
    from fangkong.areas.choices import AreaLevel
    from fangkong.areas.models import Area
    from fangkong.core import dbstats
    from fangkong.core.testing.factories import make_id_number
    from fangkong.registry.models import Resident
    from fangkong.venues import partitioning
    from fangkong.venues.choices import VenueKind
    from fangkong.venues.models import Venue

    root = Area.objects.order_by("level", "path").first()
    grid = Area.objects.filter(level=AreaLevel.GRID).order_by("path").first()
    user = User.objects.create_user(username="device", role=Role.COMMAND, area=root)
    user.set_unusable_password()
    user.save()
    token = Token.objects.create(user=user).key
    venue = Venue.objects.create(area=grid, name="压测卡点", kind=VenueKind.CHECKPOINT)
    numbers = [
        make_id_number(birth=datetime.date(1960, 1, 1) + datetime.timedelta(days=i))
        for i in range(2000)
    ]
    Resident.objects.bulk_create(
        [Resident(area=grid, name=f"压测{i}", id_number=n) for i, n in enumerate(numbers)],
        batch_size=500,
    )
    if partitioning.is_partitioned():
        partitioning.create_upcoming_partitions(2, today=datetime.date.today())
    # What the server's worker does within minutes of a city being filled (core.dbstats):
    # planned from the one-row statistics ``migrate`` left, every request's token read its
    # area by scanning the whole area table.
    dbstats.refresh()
    return {"token": token, "venue": venue.code, "numbers": numbers}


# --- the load generator -----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc: unlike wall time
    it does not grow when other programs share the cores."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and its live children (gunicorn's master and workers, the
    postmaster and its backends); a child that exits takes its time with it."""
    total = 0.0
    try:
        total += cpu_seconds(pid)
        for tid in os.listdir(f"/proc/{pid}/task"):
            children = Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
            for child in children:
                total += tree_cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


@dataclass
class Phase:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    scans: int = 0
    errors: int = 0
    server_cpu: float = 0.0
    db_cpu: float = 0.0
    client_cpu: float = 0.0
    offered: float | None = None

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @classmethod
    def merged(cls, parts: list[Phase]) -> Phase:
        """One phase run as several parts: their requests over their summed time."""
        return cls(
            parts[0].name,
            sum(p.requests for p in parts),
            sum(p.seconds for p in parts),
            [x for p in parts for x in p.latencies],
            sum(p.scans for p in parts),
            sum(p.errors for p in parts),
            sum(p.server_cpu for p in parts),
            sum(p.db_cpu for p in parts),
            sum(p.client_cpu for p in parts),
        )

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000

    def row(self) -> dict:
        return {
            "phase": self.name,
            "requests": self.requests,
            "offered_req_per_s": self.offered,
            "req_per_s": round(self.per_second, 1),
            "scans_per_s": round(self.scans / self.seconds) if self.scans else None,
            "p50_ms": round(self.pct(0.50), 1),
            "p99_ms": round(self.pct(0.99), 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1),
            "errors": self.errors,
            "server_cpu_s": round(self.server_cpu, 2),
            "db_cpu_s": round(self.db_cpu, 2),
            "client_cpu_s": round(self.client_cpu, 2),
            "req_per_server_cpu_s": round(self.requests / self.server_cpu, 1)
            if self.server_cpu
            else None,
            "scans_per_server_cpu_s": round(self.scans / self.server_cpu)
            if self.server_cpu and self.scans
            else None,
            "scans_per_cpu_s_all": round(
                self.scans / (self.server_cpu + self.db_cpu + self.client_cpu)
            )
            if self.scans and self.server_cpu
            else None,
        }


def _records(fx: dict, n: int, offset: int) -> list[dict]:
    now = datetime.datetime.now(datetime.UTC)
    out = []
    for i in range(n):
        k = offset + i
        rec = {
            "id": str(uuid.uuid4()),
            "venue": fx["venue"],
            "scanned_at": (now - datetime.timedelta(seconds=k % 3600)).isoformat(),
            "direction": "in" if k % 3 else "out",
            "temperature": "36.5",
        }
        if k % 2:
            rec["id_number"] = fx["numbers"][k % len(fx["numbers"])]
        else:
            rec["phone"] = f"139{k % 10**8:08d}"
            rec["name"] = "访客"
        out.append(rec)
    return out


@dataclass
class Meters:
    """Where CPU time is read: the server's process tree, the database's (if local)."""

    server_pid: int
    db_pid: int | None = None

    def read(self) -> tuple[float, float, float]:
        db = tree_cpu_seconds(self.db_pid) if self.db_pid else 0.0
        return tree_cpu_seconds(self.server_pid), db, time.process_time()


def parse_response(data: bytes, closed: bool = False):
    """``(status, body, keep-alive, bytes after the answer)`` of the answer at the start of
    ``data``, or None while it is incomplete. An answer without ``Content-Length`` ends
    when the server closes the connection (``closed``)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        if closed:
            raise ConnectionError("connection closed before the answer's headers")
        return None
    head = data[:end].decode("latin-1").split("\r\n")
    version, status = head[0].split(" ", 2)[:2]
    length, keep = None, version == "HTTP/1.1"
    for line in head[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection":
            keep = value.strip().lower() == "keep-alive"
    body = data[end + 4 :]
    if length is None:
        return (int(status), body, False, b"") if closed else None
    if len(body) < length:
        if closed:
            raise ConnectionError("connection closed inside the answer's body")
        return None
    return int(status), body[:length], keep, body[length:]


def request_bytes(method: str, path: str, body: str | None, token: str) -> bytes:
    """The whole request as the client sends it (the headers ``http.client`` sent)."""
    payload = body.encode() if body is not None else b""
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Accept-Encoding: identity",
        f"Authorization: Token {token}",
        "Content-Type: application/json",
    ]
    if body is not None:
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class _Client:
    n: int
    sent: int = 0
    sock: socket.socket | None = None
    out: memoryview | bytes | None = None  # what is left to send of the request
    buffer: bytes = b""
    method: str = ""
    t0: float = 0.0


def run_phase(
    name,
    port,
    token,
    requests: list[tuple],
    *,
    concurrency: int,
    meters: Meters | None = None,
    rate: float | None = None,
) -> Phase:
    """``requests`` (prebuilt ``(method, path, body)``) from ``concurrency`` clients, each on
    its own keep-alive connection (a server that closes it after an answer, as sync workers
    do, gets a new one for the next request). Closed loop by default (send when answered);
    with ``rate``, each client sends at that fixed rate per second (open loop) and latency
    counts from the scheduled time.

    The clients are non-blocking sockets on one ``selectors`` loop in this thread, the
    request bytes built before the clock starts, the answers read as far as their status
    line, ``Content-Length`` and ``Connection`` headers: the load generator shares the cores
    with the server, and threads with ``http.client`` (which parses every answer's headers
    with the email package) cost it 0.6 ms of CPU a request, a third of the server's."""
    prebuilt = [(m, request_bytes(m, path, body, token)) for m, path, body in requests]
    selector = selectors.DefaultSelector()
    address = ("127.0.0.1", port)
    latencies: list[float] = []
    scans = errors = 0
    following = 0  # the next request to send
    timers: list[tuple[float, int]] = []  # (due, client) of open-loop clients waiting
    clients = [_Client(n) for n in range(concurrency)]
    active = concurrency
    started = 0.0

    def close(c: _Client) -> None:
        if c.sock is not None:
            selector.unregister(c.sock)
            c.sock.close()
            c.sock = None

    def next_request(c: _Client) -> None:
        nonlocal following, active
        if following >= len(prebuilt):
            close(c)
            active -= 1
            return
        c.method, c.out = prebuilt[following]  # taken now, sent now or when due
        following += 1
        if rate:
            # Devices start spread over one period, then keep their own schedule.
            due = started + (c.n / concurrency + c.sent) / rate
            if due > time.perf_counter():
                heapq.heappush(timers, (due, c.n))
                return
            send(c, due)
        else:
            send(c, time.perf_counter())

    def send(c: _Client, t0: float) -> None:
        c.sent += 1
        request = c.out
        c.t0, c.out, c.buffer = t0, memoryview(request), b""
        if c.sock is None:
            c.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.sock.setblocking(False)
            c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.sock.connect_ex(address)
            selector.register(c.sock, selectors.EVENT_WRITE, c)
        else:
            selector.modify(c.sock, selectors.EVENT_WRITE, c)

    def finish(c: _Client, status: int, body: bytes) -> None:
        nonlocal scans, errors
        latencies.append(time.perf_counter() - c.t0)
        if status != 200:
            errors += 1
        elif c.method == "POST":
            scans += json.loads(body)["created"]

    def fail(c: _Client) -> None:
        nonlocal errors
        errors += 1
        latencies.append(time.perf_counter() - c.t0)
        close(c)
        next_request(c)

    def writable(c: _Client) -> None:
        try:
            sent = c.sock.send(c.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return fail(c)
        c.out = c.out[sent:]
        if not c.out:
            selector.modify(c.sock, selectors.EVENT_READ, c)

    def readable(c: _Client) -> None:
        try:
            chunk = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return fail(c)
        c.buffer += chunk
        try:
            answer = parse_response(c.buffer, closed=not chunk)
        except ConnectionError:
            return fail(c)
        if answer is None:
            return
        status, body, keep, _rest = answer
        finish(c, status, body)
        if not keep:
            close(c)
        next_request(c)

    before = meters.read() if meters else (0.0, 0.0, 0.0)
    started = time.perf_counter()
    for c in clients:
        next_request(c)
    while active:
        timeout = max(0.0, timers[0][0] - time.perf_counter()) if timers else None
        for key, mask in selector.select(timeout):
            (writable if mask & selectors.EVENT_WRITE else readable)(key.data)
        now = time.perf_counter()
        while timers and timers[0][0] <= now:
            due, n = heapq.heappop(timers)
            send(clients[n], due)
    wall = time.perf_counter() - started
    after = meters.read() if meters else (0.0, 0.0, 0.0)
    selector.close()
    server, db, client_cpu = (a - b for a, b in zip(after, before, strict=True))
    return Phase(
        name,
        len(requests),
        wall,
        latencies,
        scans,
        errors,
        server,
        db,
        client_cpu,
        offered=rate * concurrency if rate else None,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start in 60 s")


def gunicorn_command(
    port: int, workers: int, worker_class: str, threads: int, app: str = "fangkong.wsgi:application"
) -> list[str]:
    """The deployment's server as README describes it (Deployment notes)."""
    if worker_class == "sync":
        threads = 1  # gunicorn turns a sync worker with threads into a gthread one
    return [
        sys.executable,
        *("-m", "gunicorn", app),
        *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
        *("--worker-class", worker_class, "--threads", str(threads)),
        *("--backlog", "2048", "--keep-alive", "75", "--log-level", "warning"),
    ]


def _postmaster_pid(db) -> int | None:
    server = getattr(db, "server", None)
    if server is None or server.data_dir is None:
        return None
    return int((server.data_dir / "postmaster.pid").read_text().split()[0])


def _fresh_fixture(db) -> tuple[dict[str, str], str]:
    """A fresh database with the ingest fixture: the run's env and the fixture's JSON line."""
    env = db.fresh()
    env["FANGKONG_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    out = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "fixture"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return env, out.stdout.strip().splitlines()[-1]


def measure(db, args) -> list[dict]:
    env, fixture_line = _fresh_fixture(db)
    fx = json.loads(fixture_line)
    token, size = fx["token"], args.batch_size
    rows = []
    serial = iter(range(10**9))

    def batch_body(n: int) -> str:
        return json.dumps({"records": _records(fx, n, next(serial) * size)})

    clock = ("GET", "/api/v1/scans/clock/", None)
    for workers in args.workers:
        port = _free_port()
        log = open(WORK_DIR / f"gunicorn-{db.kind}-{workers}.log", "w")  # noqa: SIM115
        server = subprocess.Popen(  # noqa: S603
            gunicorn_command(port, workers, args.worker_class, args.threads, args.app),
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(port, server)
            meters = Meters(server.pid, _postmaster_pid(db))
            label = (
                f"{workers} sync workers"
                if args.worker_class == "sync"
                else f"{workers} workers × {args.threads} threads ({args.worker_class})"
            )
            warm = [clock] * 50 + [("POST", "/api/v1/scans/batch/", batch_body(1))] * 8
            run_phase("warm-up", port, token, warm, concurrency=4)
            post = "/api/v1/scans/batch/"
            phases = [
                run_phase(
                    f"batched ({size}/request, {args.batch_clients} clients)",
                    port,
                    token,
                    [("POST", post, batch_body(size)) for _ in range(args.batches)],
                    concurrency=args.batch_clients,
                    meters=meters,
                )
            ]
            # The single scans and the floor in alternating parts: a shared machine's drift
            # (other work, its clock) weighs on both alike, and their ratio is the figure.
            single = f"single scan ({args.concurrency} clients, closed loop)"
            floor = f"floor: GET clock ({args.concurrency} clients, closed loop)"
            parts: dict[str, list[Phase]] = {single: [], floor: []}
            per_round = -(-args.requests // args.rounds)
            for start in range(0, args.requests, per_round):
                n = min(per_round, args.requests - start)
                for name, requests in (
                    (single, [("POST", post, batch_body(1)) for _ in range(n)]),
                    (floor, [clock] * n),
                ):
                    parts[name].append(
                        run_phase(
                            name, port, token, requests, concurrency=args.concurrency, meters=meters
                        )
                    )
            phases += [Phase.merged(p) for p in parts.values()]
            if args.device_rate:
                phases.append(
                    run_phase(
                        f"single scan, checkpoint load ({args.concurrency} devices × "
                        f"{args.device_rate:g}/s)",
                        port,
                        token,
                        [
                            ("POST", post, batch_body(1))
                            for _ in range(
                                round(args.device_rate * args.concurrency * args.device_seconds)
                            )
                        ],
                        concurrency=args.concurrency,
                        meters=meters,
                        rate=args.device_rate,
                    )
                )
            for phase in phases:
                rows.append({"database": db.label, "server": label} | phase.row())
                print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    return rows


# --- in-process profile (the development loop; wall time is not what it measures) --------


def profile_child(batches: int, singles: int, size: int, out_dir: Path) -> dict:
    """In a child process on the database under test: the batch and single-scan requests
    through Django's WSGI handler (test client, token authentication), timed in process CPU
    (and the PostgreSQL backend's CPU), one batch request profiled with cProfile."""
    import cProfile
    import io
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    fx = json.loads(os.environ["BENCH_INGEST_FIXTURE"])
    client = Client(HTTP_AUTHORIZATION=f"Token {fx['token']}", SERVER_NAME="127.0.0.1")
    serial = iter(range(10**9))

    def body(n: int) -> str:
        return json.dumps({"records": _records(fx, n, next(serial) * size)})

    def post(data: str):
        r = client.post("/api/v1/scans/batch/", data, content_type="application/json")
        assert r.status_code == 200, r.content[:300]
        return r

    def floor(_data):
        r = client.get("/api/v1/scans/clock/")
        assert r.status_code == 200, r.content[:300]
        return r

    backend_pid: list[int] = []

    def backend_cpu() -> float:
        if connection.vendor != "postgresql":
            return 0.0
        if not backend_pid:  # one connection for the whole run (CONN_MAX_AGE)
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                backend_pid.append(cur.fetchone()[0])
        return cpu_seconds(backend_pid[0])

    for _ in range(3):
        post(body(size))
        post(body(1))
        floor(None)
    out: dict = {"database": connection.vendor}

    def timed(what: str, requests: list, per: int, send):
        b0, c0 = backend_cpu(), time.process_time()
        for data in requests:
            send(data)
        c1, b1 = time.process_time(), backend_cpu()
        n = len(requests) * per
        out[what] = {
            "django_us": round((c1 - c0) / n * 1e6, 1),
            "backend_us": round((b1 - b0) / n * 1e6, 1),
        }

    timed("batch_per_scan", [body(size) for _ in range(batches)], size, post)
    # Single scans and the floor in alternating rounds: a shared machine's drift (other
    # work, clock speed) then weighs on both alike, and their ratio is what compares.
    spent = {"single_per_request": [0.0, 0.0], "floor_per_request": [0.0, 0.0]}
    rounds = max(1, singles // 20)
    for _ in range(rounds):
        for what, send, data in (
            ("single_per_request", post, [body(1) for _ in range(20)]),
            ("floor_per_request", floor, [None] * 20),
        ):
            b0, c0 = backend_cpu(), time.process_time()
            for d in data:
                send(d)
            c1, b1 = time.process_time(), backend_cpu()
            spent[what][0] += c1 - c0
            spent[what][1] += b1 - b0
    for what, (django_s, backend_s) in spent.items():
        n = rounds * 20
        out[what] = {
            "django_us": round(django_s / n * 1e6, 1),
            "backend_us": round(backend_s / n * 1e6, 1),
        }
    single, floor_ = out["single_per_request"], out["floor_per_request"]
    out["floor_over_single"] = round(
        (floor_["django_us"] + floor_["backend_us"]) / (single["django_us"] + single["backend_us"]),
        3,
    )
    # The floor is profiled too: a single scan's own cost is its profile less the floor's.
    for what, send, size_of in (("batch", post, size), ("single", post, 1), ("floor", floor, 0)):
        with CaptureQueriesContext(connection) as queries:
            send(body(size_of) if size_of else None)
        out[f"{what}_queries"] = [q["sql"][:160] for q in queries.captured_queries]
        prof = cProfile.Profile(time.process_time)  # CPU, not the wait for a shared core
        prof.enable()
        for _ in range(5 if what == "batch" else 100):
            send(body(size_of) if size_of else None)
        prof.disable()
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(60)
        pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(40)
        path = out_dir / f"profile-{connection.vendor}-{what}.txt"
        path.write_text(text.getvalue())
        prof.dump_stats(path.with_suffix(".prof"))  # for pstats / a diff against the floor
        out[f"{what}_profile"] = str(path)
    return out


def profile(db, args) -> dict:
    env, fixture_line = _fresh_fixture(db)
    env["BENCH_INGEST_FIXTURE"] = fixture_line
    child = subprocess.run(  # noqa: S603
        [
            *(sys.executable, "-m", "bench.ingest", "profile-child"),
            *("--batches", str(args.batches), "--requests", str(args.requests)),
            *("--batch-size", str(args.batch_size)),
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if child.returncode:
        raise RuntimeError(child.stderr[-3000:])
    return json.loads(child.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest")
    parser.add_argument(
        "step", nargs="?", default="run", choices=["run", "fixture", "profile", "profile-child"]
    )
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--batch-clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="the single-scan and floor phases run in this many alternating parts",
    )
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, nargs="+", default=[2], help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=["gthread", "sync"])
    parser.add_argument(
        "--app",
        default="fangkong.wsgi:application",
        help="WSGI app (bench.wsgi_profile:application profiles each server request)",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="threads per gthread worker (sync: one)"
    )
    parser.add_argument(
        "--device-rate",
        type=float,
        default=0.0,
        help="open-loop phase: scans per second per device (0: skip the phase)",
    )
    parser.add_argument(
        "--device-seconds", type=float, default=20.0, help="open-loop phase: its length"
    )
    args = parser.parse_args(argv)
    if args.step == "fixture":
        print(json.dumps(fixture()))
        return 0
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    if args.step == "profile-child":
        print(json.dumps(profile_child(args.batches, args.requests, args.batch_size, WORK_DIR)))
        return 0
    rows = []
    for kind in args.db:
        if kind == "sqlite":
            db = sqlite_database(WORK_DIR)
        else:
            db, why = postgres_database(WORK_DIR)
            if db is None:
                print(f"PostgreSQL skipped: {why}")
                continue
        try:
            if args.step == "profile":
                rows.append(profile(db, args))
            else:
                rows.extend(measure(db, args))
        finally:
            db.close()
    print(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings.prod")
    sys.exit(main())
