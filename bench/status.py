"""Status benchmark steps that run inside a Django process (``python -m bench status-…``).

``status-fixture`` fills a fresh database with the status engine's facts, fast: residents
read from the cached bench CSV (written by the import's ``ModelWriter``, ``insert_residents``),
then monitoring/quarantine assignments, nucleic-acid tests, cases, contacts, a risk designation
and a 48-hour NAT policy, written with the driver's ``executemany`` in batches. Rows are valid
(personal fields encrypted, blind indexes and search keys computed as the models compute them);
they bypass the services because they are fixture data, so no audit entries and no statuses
exist until the measured recomputation.

``status-list`` and ``status-one`` measure the two interactive paths in-process and print
their figures as JSON.
"""

from __future__ import annotations

import datetime
import json
import random
import secrets
import statistics
import time
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from . import dataset

BATCH = 5000
RESIDENT_BATCH = 20_000
DISTRICT = "510411"  # 仁和区, the district whose lists are measured
MONITORED_EVERY = 10  # 1 resident in 10 has an active assignment (100,000 per 1,000,000)
TESTS_PER_RESIDENT = 0.5  # 500,000 nucleic-acid tests per 1,000,000 residents
CASES_PER_MILLION = 300
CONTACTS_PER_CASE = 10
NAT_HOURS = 48
INSTITUTIONS = ("攀枝花市疾控中心", "攀枝花市中心医院", "金域医学检验所")
CATEGORY = {
    "常住": "permanent",
    "流入": "inflow",
    "返乡": "returnee",
    "暂住": "temporary",
    "外出": "outflow",
}
USERNAME_CITY, USERNAME_DISTRICT = "bench-command", "bench-renhe"


def _raw_cursor():
    raw = connection.connection
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.Cursor(raw), "%s"
    return raw.cursor(), "?"


def insert_rows(table: str, columns: Iterable[str], rows: Iterable[tuple]) -> int:
    """``executemany`` on the driver's cursor, ``BATCH`` rows at a time (bounded memory)."""
    qn = connection.ops.quote_name
    columns = list(columns)
    cursor, mark = _raw_cursor()
    sql = (
        f"INSERT INTO {qn(table)} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    count = 0
    it = iter(rows)
    try:
        while batch := list(islice(it, BATCH)):
            cursor.executemany(sql, batch)
            count += len(batch)
    finally:
        cursor.close()
    return count


def _dt(value: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: datetime.date):
    return connection.ops.adapt_datefield_value(value)


def _resident_fields(csv_file: Path, limit: int, today: datetime.date) -> Iterator[dict]:
    """The first ``limit`` people of the bench CSV as a resident's field values (plaintext)."""
    from fangkong.areas.models import Area
    from fangkong.registry.rules import encode_tags

    area_ids = dict(Area.objects.values_list("code", "id"))
    tags_of = lru_cache(maxsize=1024)(encode_tags)
    for i, row in enumerate(islice(dataset.read_rows(csv_file), limit)):
        yield {
            "area": area_ids[row["网格"]],
            "name": row["姓名"],
            "gender": "M" if row["性别"] == "男" else "F",
            "id_number": row["身份证号"],
            "phone": row["联系电话"],
            "address": row["现住址"],
            "category": CATEGORY[row["人员类别"]],
            "origin": row["来源地"],
            # Arrivals spread over the last 20 days, so risk-area stays fall in the look-back.
            "arrival_date": today - datetime.timedelta(days=i % 20) if row["抵达日期"] else None,
            "tags": tags_of(row["标签"]),
        }


def insert_residents(csv_file: Path, limit: int, now: datetime.datetime) -> int:
    """The first ``limit`` people of the bench CSV as residents, written as the import writes
    them (``core.importing.writer.ModelWriter``: personal fields encrypted with pooled nonces,
    one HMAC per distinct last four digits, cached name keys; ``COPY`` on PostgreSQL,
    ``executemany`` on SQLite). No audit entries: fixture data."""
    from fangkong.core.importing.writer import ModelWriter
    from fangkong.registry.models import Resident

    writer = ModelWriter(Resident, connection=connection, now=now)
    fields = _resident_fields(csv_file, limit, timezone.localdate(now))
    rows = (writer.insert_row(f) for f in fields)
    count = 0
    # Each batch is built before its statement starts: the generator's own query (the area
    # ids) must not wait for the connection a COPY holds.
    while batch := list(islice(rows, RESIDENT_BATCH)):
        writer.insert(batch)
        count += len(batch)
    return count


def build_fixture(csv_file: Path, residents: int, seed: int = dataset.DEFAULT_SEED) -> dict:
    """Fill the (fresh, migrated, bench-city) database; returns the row counts."""
    from fangkong.accounts.choices import Role
    from fangkong.accounts.models import User
    from fangkong.areas.models import Area
    from fangkong.core import crypto, generations
    from fangkong.health.models import Assignment, NucleicAcidTest
    from fangkong.registry.models import Resident
    from fangkong.risk.models import RiskDesignation, RiskLevel
    from fangkong.status.facts import CONTEXT_KEYS
    from fangkong.status.models import StatusPolicy
    from fangkong.tracing.models import Case, Contact

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate(now)
    ts = _dt(now)
    counts: dict[str, int] = {}
    with transaction.atomic():
        city = Area.objects.get(code=dataset.CITY[0])
        district = Area.objects.get(code=DISTRICT)
        command = User.objects.create_user(
            username=USERNAME_CITY, password=secrets.token_urlsafe(), role=Role.COMMAND, area=city
        )
        User.objects.create_user(
            username=USERNAME_DISTRICT,
            password=secrets.token_urlsafe(),
            role=Role.COMMAND,
            area=district,
        )
        counts["residents"] = insert_residents(csv_file, residents, now)
        first, last = (
            Resident.objects.order_by("pk").values_list("pk", flat=True).first(),
            Resident.objects.order_by("-pk").values_list("pk", flat=True).first(),
        )
        assert last - first + 1 == counts["residents"], "resident ids are not contiguous"
        ids = range(first, last + 1)

        kinds = ("home_quarantine", "central_quarantine", "health_monitoring", "post_discharge")
        places = [crypto.encrypt(f"{n}号隔离点") for n in range(1, 51)]

        def assignments():
            for n, rid in enumerate(ids[::MONITORED_EVERY]):
                start = today - datetime.timedelta(days=n % 10)
                yield (
                    ts,
                    ts,
                    1,
                    rid,
                    kinds[n % 4],
                    _d(start),
                    _d(start + datetime.timedelta(days=14)),
                    places[n % 50],
                    command.pk,
                    "",
                    "active",
                    "",
                    secrets.token_urlsafe(24),
                )

        counts["assignments"] = insert_rows(
            Assignment._meta.db_table,
            (
                "created_at",
                "updated_at",
                "version",
                "resident_id",
                "kind",
                "start_date",
                "end_date",
                "place",
                "responsible_id",
                "doctor",
                "state",
                "release_note",
                "checkin_token",
            ),
            assignments(),
        )

        n_tests = int(len(ids) * TESTS_PER_RESIDENT)

        def tests():
            # Every other resident has one sample: most negative within the last 72 h (so a
            # third fall outside the 48-hour window), one in 2,000 positive and unreviewed.
            for n, rid in enumerate(ids[::2][:n_tests]):
                sampled = now - datetime.timedelta(minutes=rng.randrange(10, 72 * 60))
                result = "positive" if n % 2000 == 1999 else "negative"
                yield (
                    ts,
                    ts,
                    1,
                    rid,
                    _dt(sampled),
                    result,
                    INSTITUTIONS[n % 3],
                    _dt(sampled + datetime.timedelta(hours=6)),
                    "",
                    "",
                )

        counts["nat_tests"] = insert_rows(
            NucleicAcidTest._meta.db_table,
            (
                "created_at",
                "updated_at",
                "version",
                "resident_id",
                "sampled_at",
                "result",
                "institution",
                "reported_at",
                "review",
                "review_note",
            ),
            tests(),
        )

        n_cases = max(1, len(ids) * CASES_PER_MILLION // 1_000_000)
        case_residents = rng.sample(ids, n_cases)
        counts["cases"] = insert_rows(
            Case._meta.db_table,
            (
                "created_at",
                "updated_at",
                "version",
                "resident_id",
                "code",
                "kind",
                "confirmed_at",
                "status",
                "source",
                "notes",
            ),
            (
                (ts, ts, 1, rid, f"C-{n + 1:05d}", "confirmed", ts, "active", "", "")
                for n, rid in enumerate(case_residents)
            ),
        )
        case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))

        def contacts():
            for case_id in case_ids:
                for rid in rng.sample(ids, CONTACTS_PER_CASE):
                    exposure = today - datetime.timedelta(days=rng.randrange(0, 10))
                    yield (ts, ts, 1, rid, case_id, "close", _d(exposure), "confirmed", "")

        counts["contacts"] = insert_rows(
            Contact._meta.db_table,
            (
                "created_at",
                "updated_at",
                "version",
                "resident_id",
                "case_id",
                "degree",
                "last_exposure",
                "state",
                "reason",
            ),
            contacts(),
        )

        # The migrations seed 低/中/高 (ranks 1–3); create them only if they are missing.
        levels = {
            rank: RiskLevel.objects.filter(rank=rank).first()
            or RiskLevel.objects.create(name=name, rank=rank)
            for rank, name in ((1, "低风险"), (2, "中风险"), (3, "高风险"))
        }
        RiskDesignation.objects.create(
            place_name="湖北省武汉市",
            place_code="4201",
            level=levels[3],
            effective_from=now - datetime.timedelta(days=60),
            set_by=command,
            reason="基准测试",
        )
        RiskDesignation.objects.create(
            place_name="重庆市万州区",
            place_code="500101",
            level=levels[2],
            effective_from=now - datetime.timedelta(days=60),
            set_by=command,
            reason="基准测试",
        )
        counts["risk_designations"] = 2
        StatusPolicy.objects.create(area=city, nat_required_hours=NAT_HOURS, updated_by=command)
        # Written past the services: bump what they would, or a process's cached
        # configuration of the same generation would be taken for this one.
        for key in CONTEXT_KEYS:
            generations.bump(key)
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    return counts


# --- measured in-process ---------------------------------------------------------------


def _user(username: str):
    from fangkong.accounts.models import User

    return User.objects.get(username=username)


def measure_list(colour: str, repeats: int = 20) -> dict:
    """The 按颜色查人 page's queries for one district: the count and the first page of 50,
    through the selector the page and the API use (its ordering and ``select_related``),
    rows materialised with their resident."""
    from django.core.paginator import Paginator

    from fangkong.status.selectors import residents_with_colour

    user = _user(USERNAME_DISTRICT)
    count_s, page_s, total = [], [], 0
    for _ in range(repeats):
        qs = residents_with_colour(user, colour)
        t0 = time.perf_counter()
        paginator = Paginator(qs, 50)
        total = paginator.count
        t1 = time.perf_counter()
        rows = list(paginator.page(1).object_list)
        names = [(r.resident.name, r.area.name, r.reasons) for r in rows]
        t2 = time.perf_counter()
        assert len(names) == min(50, total)
        count_s.append(t1 - t0)
        page_s.append(t2 - t1)
    return {
        "colour": colour,
        "count": total,
        "count_ms_first": count_s[0] * 1000,
        "count_ms_median": statistics.median(count_s) * 1000,
        "page_ms_first": page_s[0] * 1000,
        "page_ms_median": statistics.median(page_s) * 1000,
    }


def measure_one(runs: int = 50) -> dict:
    """One new fact, then ``recompute_status([id])``: residents of the district who are
    yellow only for want of a recent negative test get a negative result through the health
    service (its own on-commit recomputation held back), then the recomputation alone is
    timed; the whole service call including its recomputation is timed on a second group."""
    from unittest import mock

    from fangkong.health import services as health
    from fangkong.registry.models import Resident
    from fangkong.status.models import PersonStatus
    from fangkong.status.services import recompute_status

    user = _user(USERNAME_DISTRICT)
    candidates = list(
        PersonStatus.objects.visible_to(user)
        .filter(colour="yellow", reasons__icontains='"code": "nat_missing"')
        .order_by("resident_id")
        .values_list("resident_id", flat=True)[: runs * 4]
    )
    assert len(candidates) >= 2 * runs, f"only {len(candidates)} candidates"
    residents = {r.pk: r for r in Resident.objects.filter(pk__in=candidates).select_related("area")}
    recompute_s, changed, service_s = [], 0, []
    for n, rid in enumerate(candidates[:runs]):
        sampled = timezone.now() - datetime.timedelta(minutes=30 + n)
        with mock.patch.object(health, "recompute_on_commit"):
            health.record_nat_result(
                actor=user,
                resident=residents[rid],
                sampled_at=sampled,
                result="negative",
                institution=INSTITUTIONS[0],
            )
        t0 = time.perf_counter()
        res = recompute_status([rid], cause="核酸检测结果", actor=user)
        recompute_s.append(time.perf_counter() - t0)
        changed += res.changed
    for n, rid in enumerate(candidates[runs : 2 * runs]):
        sampled = timezone.now() - datetime.timedelta(minutes=30 + n)
        t0 = time.perf_counter()
        health.record_nat_result(
            actor=user,
            resident=residents[rid],
            sampled_at=sampled,
            result="negative",
            institution=INSTITUTIONS[0],
        )
        service_s.append(time.perf_counter() - t0)
    now_green = PersonStatus.objects.filter(pk__in=candidates[: 2 * runs], colour="green").count()
    return {
        "runs": runs,
        "recompute_ms_median": statistics.median(recompute_s) * 1000,
        "recompute_ms_p90": sorted(recompute_s)[int(0.9 * runs) - 1] * 1000,
        "recompute_ms_max": max(recompute_s) * 1000,
        "changed": changed,
        "service_ms_median": statistics.median(service_s) * 1000,
        "turned_green": now_green,
    }


def profile_one(runs: int = 50, top: int = 25) -> str:
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    measure_one(runs)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).strip_dirs().sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def dump(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False))
