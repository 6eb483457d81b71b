"""Fault tests: real processes killed mid-import, a PostgreSQL restart under a request stream.

Each runs against a sandbox (``core.testing.sandbox``): its own var/ and database, on SQLite in
the SQLite pass and on the suite's PostgreSQL server in the PostgreSQL pass.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import random
import re
import signal
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import OperationalError, connection

from fangkong.core.testing.factories import make_id_number
from fangkong.core.testing.sandbox import Sandbox, sandbox, server_url_of

ROWS = 10_000
GRID = "510411001001G01"
COMMUNITY = "510411001001"
KILL_AFTER = 2_000  # rows written inside the import's transaction when the kill comes


def _server_url() -> str | None:
    if connection.vendor == "postgresql":
        return server_url_of(connection.settings_dict)
    return None


@pytest.fixture(scope="module")
def sb(tmp_path_factory, django_db_blocker):
    with django_db_blocker.unblock():
        server = _server_url()
    with sandbox(tmp_path_factory.mktemp("faults"), server_url=server) as s:
        s.setup()
        yield s


def _workbook(path, rows: int, seed: int) -> None:
    lines = [f"居民{seed}-{i},{n},{GRID}" for i, n in enumerate(_id_numbers(rows, seed))]
    path.write_text("姓名,身份证号,网格\n" + "\n".join(lines) + "\n", encoding="utf-8-sig")


_USED: set[str] = set()  # across the tests of a module: every file holds new people


def _id_numbers(n: int, seed: int) -> list[str]:
    rng, out = random.Random(seed), []
    while len(out) < n:
        number = make_id_number(rng=rng)
        if number not in _USED:
            _USED.add(number)
            out.append(number)
    return out


def _state(s: Sandbox) -> tuple[int, int]:
    return s.count("registry_resident"), s.count("core_auditentry")


class _Stderr(threading.Thread):
    """Collects a child's stderr (the CLI writes ``\\r1,000 / 20,000`` progress there)."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream, self.text = stream, ""

    def run(self):
        fd = self.stream.fileno()
        while chunk := os.read(fd, 4096):  # whatever is there: progress has no newline
            self.text += chunk.decode(errors="replace")

    def rows_done(self) -> int:
        found = re.findall(r"\r([\d,]+)", self.text)
        return int(found[-1].replace(",", "")) if found else 0


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _descendants(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(f"/proc/{name}/stat").read_text()
                kids.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(name))
    out, todo = [], list(kids.get(pid, ()))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, ()))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    ("workers", "direct"),
    [(0, False), (1, False), (2, True)],
    ids=["one process", "with a worker process", "with two workers, no write-ahead log"],
)
def test_sigkill_of_the_import_command_leaves_nothing_and_the_retry_is_exact(
    sb, tmp_path, monkeypatch, workers, direct
):
    monkeypatch.setitem(sb.env, "FANGKONG_IMPORT_WORKERS", str(workers))
    monkeypatch.setitem(sb.env, "FANGKONG_IMPORT_WORKERS_MIN_ROWS", "0")
    # SQLite: alone with the database, a large file is written straight into it with a
    # rollback journal (core.dbfiles); PostgreSQL has no such mode.
    monkeypatch.setitem(sb.env, "FANGKONG_IMPORT_SQLITE_DIRECT_MIN_ROWS", "1" if direct else "0")
    journal = sb.var / "fangkong.sqlite3-journal"
    path = tmp_path / "名单.csv"
    _workbook(path, ROWS, seed=1 + workers)
    before = _state(sb)
    process = sb.popen("import-residents", str(path), "--area", COMMUNITY, "-v", "2")
    err = _Stderr(process.stderr)
    err.start()
    _wait(lambda: err.rows_done() >= KILL_AFTER or process.poll() is not None, 300, "progress")
    if workers:  # forked once the first batch is in
        _wait(
            lambda: len(_descendants(process.pid)) >= workers or process.poll() is not None,
            300,
            "the worker",
        )
    children = _descendants(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert process.returncode == -signal.SIGKILL, f"ended before the kill: {err.text[-500:]}"
    assert 0 < err.rows_done() < ROWS
    assert len(children) == workers
    # A worker notices its parent is gone and ends (no orphan keeps evaluating rows).
    _wait(lambda: not any(_running(p) for p in children), 30, "the worker to end")
    if sb.vendor == "sqlite":  # the kill left the rollback journal the next opening plays back
        assert journal.exists() == direct

    assert _state(sb) == before  # nothing half-written: no resident, no audit entry
    sb.run("verify-audit")

    done = sb.run("import-residents", str(path), "--area", COMMUNITY, "--json")
    assert json.loads(done.stdout)["created"] == ROWS
    residents, entries = _state(sb)
    assert residents == before[0] + ROWS
    assert entries == before[1] + ROWS + 1  # one per row and the import's own
    sb.run("verify-audit")
    if sb.vendor == "sqlite":
        assert sb.query("PRAGMA journal_mode")[0][0] == "wal"
        assert not journal.exists()


START_JOB = """
import json
from django.core.files.uploadedfile import SimpleUploadedFile
from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.core.jobs import start_import_job
data = open({path!r}, "rb").read()
job = start_import_job(
    actor=User.objects.get(username="command"),
    importer="registry.resident",
    upload=SimpleUploadedFile("名单.csv", data),
    area=Area.objects.get(code={area!r}),
    skip_invalid=False,
    dry_run=False,
)
print(json.dumps({{"job": str(job.pk)}}))
"""


def _job(s: Sandbox, job_id: str) -> dict:
    status, done, result = s.query(
        "SELECT status, done, result FROM core_job WHERE id = %s",
        (job_id.replace("-", "") if s.vendor == "sqlite" else job_id,),
    )[0]
    if s.vendor == "postgresql":  # the live count comes from the progress row
        return {"status": status, "done": done, "result": result}
    progress = s.var / "uploads" / "progress" / f"{job_id}.json"
    with contextlib.suppress(OSError, ValueError):
        done = max(done, json.loads(progress.read_text())["done"])
    return {"status": status, "done": done, "result": json.loads(result or "{}")}


def test_sigkill_of_the_worker_mid_job_then_restart_requeues_and_completes(sb, tmp_path):
    path = tmp_path / "名单.csv"
    _workbook(path, ROWS, seed=2)
    before = _state(sb)
    out = sb.shell(START_JOB.format(path=str(path), area=COMMUNITY))
    job_id = json.loads(out.strip().splitlines()[-1])["job"]
    worker_args = ("worker", "--no-reload", "--no-startup-delay", "--interval", "0.2", "-v", "0")
    worker = sb.popen(*worker_args)
    try:
        # A job that ended before the kill (failed, say) stops the wait: its result says why.
        _wait(
            lambda: (
                (job := _job(sb, job_id))["done"] >= KILL_AFTER
                or job["status"] not in ("pending", "running")
                or worker.poll() is not None
            ),
            300,
            "job progress",
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    job = _job(sb, job_id)
    assert job["status"] == "running" and job["done"] < ROWS, job
    assert _state(sb) == before

    worker = sb.popen(*worker_args)
    try:
        _wait(lambda: _job(sb, job_id)["status"] == "succeeded", 600, "the requeued job")
    finally:
        worker.terminate()
        worker.wait(30)
    job = _job(sb, job_id)
    assert job["result"]["created"] == ROWS and job["result"]["rejected"] == 0
    residents, entries = _state(sb)
    assert residents == before[0] + ROWS
    assert entries == before[1] + ROWS + 1
    sb.run("verify-audit")


INGEST = """
import datetime, json, uuid
from fangkong.accounts.models import User
from fangkong.areas.models import Area
from fangkong.venues import services
actor = User.objects.get(username="command")
venue = services.create_venue(
    actor=actor, data={{"area": Area.objects.get(code={grid!r}), "name": "卡点", "kind": "market"}}
)
now = datetime.datetime.now(datetime.UTC)
numbers = {numbers!r}
records = [
    {{"id": str(uuid.UUID(int={seed} * 10**6 + i)), "venue": venue.code,
      "scanned_at": (now - datetime.timedelta(seconds=i)).isoformat(),
      "id_number": numbers[i % len(numbers)], "name": "访客"}}
    for i in range({n})
]
print("records", json.dumps(records), flush=True)
"""

INGEST_RUN = """
import json, time
from django.db import connection
from fangkong.accounts.models import User
from fangkong.venues import services
records = json.load(open({path!r}))

def pause_after_first_scan_insert(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    # The scan insert (on PostgreSQL inside a WITH that also adds the day counts).
    if {pause} and 'INSERT INTO "venues_scan" (' in sql:
        print("inserted", flush=True)  # rows written inside the batch's transaction
        time.sleep(300)
    return result

with connection.execute_wrapper(pause_after_first_scan_insert):
    result = services.ingest_scans(
        actor=User.objects.get(username="command"), records=records, source="device"
    )
print("result", json.dumps({{"created": result.created, "duplicates": result.duplicates}}))
"""


def test_sigkill_mid_scan_batch_ingest_leaves_nothing_and_the_resend_is_exact(sb, tmp_path):
    n = 2_000
    numbers = _id_numbers(50, seed=4)
    out = sb.shell(INGEST.format(grid=GRID, seed=4, n=n, numbers=numbers))
    records = json.loads(out.split("records ", 1)[1].splitlines()[0])
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(records))
    before = sb.count("venues_scan"), sb.count("core_auditentry")
    assert _day_counted(sb) == before[0]

    child = sb.popen("shell", "--no-imports", "-c", INGEST_RUN.format(path=str(path), pause=True))
    try:
        line = child.stdout.readline()
        assert line.strip() == "inserted", line + child.stderr.read()[-500:]
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert (sb.count("venues_scan"), sb.count("core_auditentry")) == before  # nothing half-done

    # The device resends the same batch: every record stored once; a second resend adds none.
    for expected in ({"created": n, "duplicates": 0}, {"created": 0, "duplicates": n}):
        out = sb.shell(INGEST_RUN.format(path=str(path), pause=False))
        assert json.loads(out.split("result ", 1)[1].splitlines()[0]) == expected
    assert sb.count("venues_scan") == before[0] + n
    assert _day_counted(sb) == before[0] + n  # the killed try counted nothing, resends none
    sb.run("verify-audit")


def _day_counted(s: Sandbox) -> int:
    """Scans counted at ingest in ``venues.ScanDayCount`` (nothing purged in these tests)."""
    return s.query("SELECT COALESCE(SUM(scans), 0) FROM venues_scandaycount")[0][0]


# --- the database going away -----------------------------------------------------------------


def test_database_errors_answer_503_with_a_chinese_message(client, users, monkeypatch):
    """What the restart test below sees on PostgreSQL, forced on any database."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    client.force_login(users["command"])
    client.raise_request_exception = False

    def down(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as m:
        m.setattr(BaseDatabaseWrapper, "cursor", down)
        api = client.get("/api/v1/residents/")
        page = client.get("/registry/residents/")
    assert api.status_code == 503
    assert api.json()["code"] == "database_unavailable" and "数据库" in api.json()["detail"]
    assert page.status_code == 503 and page["Retry-After"]
    assert "数据库暂时无法连接" in page.content.decode()
    assert "Traceback" not in page.content.decode()


@pytest.mark.postgres
def test_postgres_restart_under_a_request_stream_fails_cleanly_and_loses_nothing(tmp_path):
    from fangkong.core.testing.postgres import cluster

    with cluster() as pg, sandbox(tmp_path, server_url=pg.url.rsplit("/", 1)[0] + "/postgres") as s:
        s.setup()
        token, area_id, venue = (
            s.shell(
                "from rest_framework.authtoken.models import Token;"
                "from fangkong.accounts.models import User;"
                "u = User.objects.get(username='command');"
                "from fangkong.areas.models import Area;"
                "from fangkong.venues.services import create_venue;"
                "a = Area.objects.get(code='" + GRID + "');"
                "v = create_venue(actor=u, data={'area': a, 'name': 'M', 'kind': 'market'});"
                "print(Token.objects.create(user=u).key, a.pk, v.code)"
            )
            .splitlines()[-1]
            .split()
        )
        ids = _id_numbers(600, seed=3)
        outcomes: dict[str, list[tuple[int, dict]]] = {i: [] for i in ids}
        # A scan batch beside each resident: a checkpoint device resending until answered.
        batches = [_scan_batch(venue, ids[n], n) for n in range(len(ids))]
        scan_outcomes: list[list[tuple[int, dict]]] = [[] for _ in ids]
        lock = threading.Lock()
        with s.serve(worker=False) as base:

            def send(task: int) -> None:
                # Residents and scan batches interleaved, so the outage hits both kinds.
                n = task // 2
                if task % 2:
                    scan = _post_json(base, token, "/api/v1/scans/batch/", batches[n])
                    with lock:
                        scan_outcomes[n].append(scan)
                    return
                status, body = _post_resident_area(base, token, ids[n], n, int(area_id))
                with lock:
                    outcomes[ids[n]].append((status, body))

            restarted = threading.Event()

            def restart_midway():
                time.sleep(1.5)
                pg.restart()
                restarted.set()

            threading.Thread(target=restart_midway, daemon=True).start()
            with ThreadPoolExecutor(max_workers=6) as pool:
                list(pool.map(send, range(2 * len(ids))))
            assert restarted.wait(60)
            # The client retries what failed, now that the server is back.
            for i, results in outcomes.items():
                if results[-1][0] != 201:
                    n = ids.index(i)
                    outcomes[i].append(_post_resident_area(base, token, i, n, int(area_id)))
            for n, results in enumerate(scan_outcomes):
                if results[-1][0] != 200:
                    results.append(_post_json(base, token, "/api/v1/scans/batch/", batches[n]))

        statuses = [r[0] for results in outcomes.values() for r in results]
        assert 500 not in statuses, "a server error instead of a clean failure"
        failed = [r for results in outcomes.values() for r in results if r[0] != 201]
        scan_statuses = [r[0] for results in scan_outcomes for r in results]
        hit = failed or [st for st in scan_statuses if st != 200]
        assert hit, "the restart did not hit any request; the test proved nothing"
        for status, body in failed:
            assert status in (503, 400), (status, body)
            if status == 503:
                assert body["code"] == "database_unavailable"
        acknowledged = {i for i, results in outcomes.items() if any(r[0] == 201 for r in results)}
        duplicates = [i for i, results in outcomes.items() if sum(r[0] == 201 for r in results) > 1]
        assert duplicates == []
        # A retry answered 400 "already exists" only if the first try was in fact saved.
        assert acknowledged | {
            i for i, results in outcomes.items() if results[-1][0] == 400
        } == set(ids)
        assert s.count("registry_resident") == len(ids)
        # Scans: clean failures only, every batch answered in the end, none lost or doubled.
        assert 500 not in scan_statuses
        assert all(st in (200, 503) for st in scan_statuses), set(scan_statuses)
        assert all(results[-1][0] == 200 for results in scan_outcomes)
        for results in scan_outcomes:  # a resend of a stored batch says "duplicate"
            assert results[-1][1]["created"] + results[-1][1]["duplicates"] == 3, results
        sent = [rec["id"] for b in batches for rec in b["records"]]
        stored = [str(u) for (u,) in s.query("SELECT uuid FROM venues_scan")]
        assert sorted(stored) == sorted(sent)
        assert _day_counted(s) == len(sent)
        s.run("verify-audit")


def _scan_batch(venue: str, id_number: str, n: int) -> dict:
    now = datetime.datetime.now(datetime.UTC)
    records = [
        {
            "id": str(uuid.uuid4()),
            "venue": venue,
            "scanned_at": (now - datetime.timedelta(seconds=k)).isoformat(),
            "id_number": id_number,
            "name": f"流{n}",
        }
        for k in range(3)
    ]
    return {"source": "device", "records": records}


def _post_resident_area(base, token, id_number, n, area_id):
    body = {"area": area_id, "name": f"流{n}", "id_number": id_number}
    return _post_json(base, token, "/api/v1/residents/", body)


def _post_json(base, token, path, payload):
    body = json.dumps(payload).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}{path}",
        data=body,
        method="POST",
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:  # noqa: S310 - loopback
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw or b"{}")
        except ValueError:
            return e.code, {"raw": raw[:200].decode(errors="replace")}
    except OSError as e:
        return 0, {"error": str(e)}
