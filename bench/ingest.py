"""``python -m bench.ingest``: scan ingest against a real server on loopback (issue 5).

For each database (SQLite, PostgreSQL): a fresh migrated database with the bench city, a
fixture (an API account with a token, a venue, 2,000 registered residents), then
``fangkong serve`` (waitress, the project's server; ``--no-worker``) on 127.0.0.1 and a
bounded load generator in this process (threads with keep-alive ``http.client``
connections; every request waits for its answer before the next, so the load never exceeds
the concurrency):

- **batched**: ``POST /api/v1/scans/batch/`` with 500 scans per request from a few clients;
  scans stored per second (every record new, half by ID number, half by unregistered phone);
- **single**: the same endpoint with one scan per request at 64 concurrent clients;
- **floor**: ``GET /api/v1/scans/clock/`` (token auth, one small JSON answer) at the same
  concurrency — the framework's own cost, the ceiling any endpoint of this server can reach.

Usage: ``python -m bench.ingest [--db sqlite postgres] [--batches 60] [--requests 2000]``.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from .databases import REPO, fangkong_command, postgres_database, sqlite_database

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
    return {"token": token, "venue": venue.code, "numbers": numbers}


# --- the load generator -----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc: unlike wall time
    it does not grow when other programs share the cores."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Phase:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    scans: int = 0
    errors: int = 0
    server_cpu: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000

    def row(self) -> dict:
        return {
            "phase": self.name,
            "requests": self.requests,
            "req_per_s": round(self.per_second, 1),
            "scans_per_s": round(self.scans / self.seconds) if self.scans else None,
            "p50_ms": round(self.pct(0.50), 1),
            "p99_ms": round(self.pct(0.99), 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 1),
            "errors": self.errors,
            "server_cpu_s": round(self.server_cpu, 1),
            "req_per_server_cpu_s": round(self.requests / self.server_cpu, 1)
            if self.server_cpu
            else None,
            "scans_per_server_cpu_s": round(self.scans / self.server_cpu)
            if self.server_cpu and self.scans
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


def run_phase(
    name, port, token, make_request, *, total: int, concurrency: int, pid: int | None = None
) -> Phase:
    """``total`` requests from ``concurrency`` clients, each on its own keep-alive connection."""
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    scans = [0]
    errors = [0]

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            method, path, body = make_request(i)
            headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
            t0 = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                if resp.status != 200:
                    errors[0] += 1
                elif method == "POST":
                    scans[0] += json.loads(data)["created"]
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    cpu = cpu_seconds(pid) if pid else 0.0
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu if pid else 0.0
    return Phase(name, total, wall, latencies, scans[0], errors[0], cpu)


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


def measure(db, args) -> list[dict]:
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
    fx = json.loads(out.stdout.strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            *fangkong_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            str(args.threads),
            "--no-worker",
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, server)
        token = fx["token"]
        size = args.batch_size

        def batch(i):
            body = json.dumps({"records": _records(fx, size, i * size)})
            return "POST", "/api/v1/scans/batch/", body

        def single(i):
            body = json.dumps({"records": _records(fx, 1, 10**7 + i)})
            return "POST", "/api/v1/scans/batch/", body

        def clock(i):
            return "GET", "/api/v1/scans/clock/", None

        run_phase("warm-up", port, token, clock, total=50, concurrency=4)
        rows = []
        for name, fn, total, conc in (
            (
                f"batched ({size}/request, {args.batch_clients} clients)",
                batch,
                args.batches,
                args.batch_clients,
            ),
            (f"single scan ({args.concurrency} clients)", single, args.requests, args.concurrency),
            (
                f"floor: GET clock ({args.concurrency} clients)",
                clock,
                args.requests,
                args.concurrency,
            ),
        ):
            rows.append(
                {"database": db.label}
                | run_phase(
                    name, port, token, fn, total=total, concurrency=conc, pid=server.pid
                ).row()
            )
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
        return rows
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest")
    parser.add_argument("step", nargs="?", default="run", choices=["run", "fixture"])
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--batch-clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--threads", type=int, default=8, help="server threads")
    args = parser.parse_args(argv)
    if args.step == "fixture":
        print(json.dumps(fixture()))
        return 0
    WORK_DIR.mkdir(parents=True, exist_ok=True)
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
            rows.extend(measure(db, args))
        finally:
            db.close()
    print(json.dumps(rows, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings.prod")
    sys.exit(main())
