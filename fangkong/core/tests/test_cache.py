"""The shared cache (``core/cache.py``): separate server processes count sign-in failures
together, and the hot paths (scans, list pages) never read it."""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.core.cache import TABLE
from fangkong.venues import services as venue_services
from fangkong.venues.choices import VenueKind

# One "server process": failed sign-ins from one address, one attempt per user name given.
ATTEMPTS = """
import json, sys
import django
django.setup()
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from fangkong.accounts import security
request = RequestFactory().post("/", REMOTE_ADDR=sys.argv[1])
codes = []
for name in sys.argv[2:]:
    try:
        security.guarded_authenticate(request, name, "wrong password")
    except ValidationError as e:
        codes.append(e.code)
print(json.dumps({"codes": codes, "address": cache.get(security._key("addr", sys.argv[1]))}))
"""


def _same_database_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a process on the test's own database (committed: transactional)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="fangkong.settings.test", FANGKONG_VAR_DIR=str(tmp_path))
    connection.ensure_connection()
    if connection.vendor == "sqlite":  # in memory: hand the processes a copy in a file
        target = sqlite3.connect(tmp_path / "fangkong.sqlite3")
        connection.connection.backup(target)
        target.close()
    else:
        s = connection.settings_dict
        env["DATABASE_URL"] = (
            f"postgres://{quote(s['USER'], safe='')}:{quote(s['PASSWORD'] or '', safe='')}"
            f"@{s['HOST']}:{s['PORT']}/{s['NAME']}"
        )
    return env


def _start(env: dict, address: str, names: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", ATTEMPTS, address, *names],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_two_processes_share_the_lockout_of_an_unknown_name(transactional_db, tmp_path):
    env = _same_database_env(tmp_path) | {"FANGKONG_LOGIN_MAX_FAILURES": "5"}
    first = _result(_start(env, "203.0.113.7", ["ghost"] * 3))
    second = _result(_start(env, "203.0.113.8", ["ghost"] * 3))
    assert first["codes"] == ["invalid_login"] * 3
    # Counted apart, the second process would allow three more tries (15 per 5 workers).
    assert second["codes"] == ["invalid_login", "locked", "locked"]


def test_parallel_processes_lose_no_failure_of_an_address(transactional_db, tmp_path):
    env = _same_database_env(tmp_path) | {"FANGKONG_LOGIN_ADDRESS_MAX_FAILURES": "1000"}
    runs = [_start(env, "198.51.100.4", [f"p{k}-{n}" for n in range(12)]) for k in range(2)]
    for run in runs:
        assert _result(run)["codes"] == ["invalid_login"] * 12
    # Django's get-then-set incr would lose the failures the two made at the same moment.
    assert _result(_start(env, "198.51.100.4", []))["address"] == 24


def _shared_cache_queries(send) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code in (200, 201), response.status_code
    return [q["sql"] for q in queries.captured_queries if TABLE in q["sql"]]


def test_hot_paths_never_read_the_shared_cache(users, areas):
    venue = venue_services.create_venue(
        actor=users["community"],
        data={"area": areas["grid_a"], "name": "海棠农贸市场", "kind": VenueKind.MARKET},
    )
    scan = {"name": "张三", "phone": "13800001111", "temperature": "36.5"}
    url = reverse("venues:public_scan", args=[venue.code])
    assert _shared_cache_queries(lambda: Client().post(url, scan)) == []

    api = APIClient()
    api.force_login(users["command"])
    body = {
        "records": [
            {
                "id": str(uuid.uuid4()),
                "venue": venue.code,
                "phone": "13800002222",
                "direction": "in",
                "scanned_at": (timezone.now() - datetime.timedelta(minutes=1)).isoformat(),
            }
        ]
    }
    assert _shared_cache_queries(lambda: api.post("/api/v1/scans/batch/", body, "json")) == []

    web = Client()
    web.force_login(users["community"])
    for name in ("registry:resident_list", "venues:venue_list", "volunteers:volunteer_list"):
        assert _shared_cache_queries(lambda n=name: web.get(reverse(n))) == [], name
