"""Dashboard benchmark steps (issue 7): a city with every record the dashboard counts, then
the dashboard page and the daily report timed through Django's test client.

``dashboard-fixture`` runs on the tracing benchmark's loaded city (``bench.tracing.load_city``:
residents, venues, scans, 100 cases) and adds in bulk (``bulk_create``, not the services: the
figures are measured, not the writes) what a city of that size has around them, in proportion:
statuses for everyone, more cases with contacts, quarantine assignments, households with a
running screening campaign and its visits and findings, problems, tips, enterprises, volunteers
with service shifts and 包联 pairings, duty shifts, stock ledgers and daily price reports —
dated around ``DAY``, the last day of the scans.

``dashboard-measure`` renders ``/dashboard/?date=DAY`` for a city, a district and a
community user (first render, then the median of 5) and the daily report (xlsx and PDF) of
the city, and prints the timings as JSON.
"""

from __future__ import annotations

import datetime
import json
import random
import statistics
import time
from decimal import Decimal
from itertools import islice

from .dataset import COMMUNITY_LEVEL
from .tracing import DAYS, EPOCH0

# The scans' last day (UTC dates of the CSV, taken as local days here).
DAY = (datetime.datetime.fromtimestamp(EPOCH0, datetime.UTC) + datetime.timedelta(DAYS - 1)).date()
USERS = {
    "city": "bench-dash-city",
    "district": "bench-dash-district",
    "community": "bench-dash-community",
}
BATCH = 5_000
RUNS = 5


def _bulk(model, objects) -> int:
    n = 0
    it = iter(objects)
    while batch := list(islice(it, BATCH)):
        model.objects.bulk_create(batch, batch_size=BATCH)
        n += len(batch)
    return n


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    from fangkong.status.clock import at_local

    return at_local(day, rng.randint(7, 21), rng.randint(0, 59))


def _back(rng: random.Random, days: int = DAYS) -> datetime.date:
    return DAY - datetime.timedelta(days=rng.randrange(days))


def build_fixture(people: int, first: int, seed: int) -> dict:
    """The dashboard's records on top of ``bench.tracing.load_city``'s loaded city."""
    from django.db import connection

    from fangkong.core import dbstats
    from fangkong.venues.day_counts import count_scans
    from fangkong.venues.models import Scan, ScanDayCount

    if not ScanDayCount.objects.exists():  # a city loaded before the counts were kept
        count_scans(Scan.objects.all())
    from fangkong.screening import coverage

    counts = _add_records(people, first, seed)
    coverage.rebuild()  # the visits were loaded around the service that keeps the coverage
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    else:
        dbstats.refresh()  # the records added here went into tables analysed while empty
    return counts


def _add_records(people: int, first: int, seed: int) -> dict:
    import uuid

    from django.db import transaction

    from fangkong.accounts.choices import Role
    from fangkong.accounts.models import User
    from fangkong.areas.models import Area
    from fangkong.duty.models import Shift as DutyShift
    from fangkong.enterprises.models import Enterprise
    from fangkong.health.models import Assignment
    from fangkong.pairing.models import Pairing
    from fangkong.prices.models import Commodity, Market, PriceLine, PriceReport
    from fangkong.registry.models import Household, Resident
    from fangkong.screening.models import Campaign, Finding, Visit
    from fangkong.status.clock import at_local
    from fangkong.status.models import PersonStatus
    from fangkong.supervision.models import Problem
    from fangkong.supplies.models import Item, Lot, Movement, Warehouse
    from fangkong.tips.models import Tip
    from fangkong.tracing.models import Case, Contact
    from fangkong.volunteers.models import Assignment as Task
    from fangkong.volunteers.models import Need, Volunteer
    from fangkong.volunteers.models import Shift as ServiceShift

    rng = random.Random(seed + 7)
    counts: dict[str, int] = {}
    areas = list(Area.objects.order_by("path"))
    city = next(a for a in areas if a.parent_id is None)
    district = next(a for a in areas if a.parent_id == city.pk)
    communities = [a for a in areas if a.level == COMMUNITY_LEVEL]
    grid_of = dict(Resident.objects.values_list("pk", "area_id"))
    grids = sorted(set(grid_of.values()))
    resident_ids = list(grid_of)
    with transaction.atomic():
        staff = User.objects.create_user(
            username=USERS["city"], password=uuid.uuid4().hex, role=Role.COMMAND, area=city
        )
        User.objects.create_user(
            username=USERS["district"], password=uuid.uuid4().hex, role=Role.COMMAND, area=district
        )
        User.objects.create_user(
            username=USERS["community"],
            password=uuid.uuid4().hex,
            role=Role.COMMUNITY,
            area=communities[0],
        )
        colours = ("green",) * 18 + ("yellow", "red")
        counts["statuses"] = _bulk(
            PersonStatus,
            (
                PersonStatus(
                    resident_id=r,
                    area_id=grid_of[r],
                    colour=rng.choice(colours),
                    rules_version="bench",
                    computed_at=at_local(DAY, 1),
                    public_code=f"{r:016x}",
                )
                for r in resident_ids
            ),
        )
        sick = rng.sample(resident_ids, max(people // 2_000, 10))
        counts["cases"] = _bulk(
            Case,
            (
                Case(
                    resident_id=r,
                    code=f"D-{i:06d}",
                    kind=rng.choice(("confirmed", "asymptomatic")),
                    confirmed_at=(c := _at(DAY if i % 7 == 0 else _back(rng), rng)),
                    discharged_at=c + datetime.timedelta(days=10) if rng.random() < 0.4 else None,
                    status="active",
                )
                for i, r in enumerate(sick)
            ),
        )
        case_ids = list(Case.objects.values_list("pk", flat=True))
        counts["contacts"] = _bulk(
            Contact,
            (
                Contact(
                    resident_id=r,
                    case_id=case,
                    degree=rng.choice(("close", "close", "secondary")),
                    last_exposure=_back(rng),
                    state=rng.choice(("suspected", "confirmed", "confirmed", "dismissed")),
                )
                for case in case_ids
                for r in rng.sample(resident_ids, 20)
            ),
        )
        # Rows the services would have written over the days: dated so, in one UPDATE each.
        Contact.objects.update(created_at=at_local(DAY - datetime.timedelta(days=1), 12))
        kinds = ("home_quarantine", "central_quarantine", "health_monitoring")
        counts["assignments"] = _bulk(
            Assignment,
            (
                Assignment(
                    resident_id=r,
                    kind=rng.choice(kinds),
                    start_date=(s := _back(rng)),
                    end_date=s + datetime.timedelta(days=14),
                    place="集中隔离点",
                    state="active",
                )
                for r in rng.sample(resident_ids, people // 100)
            ),
        )
        counts["households"] = _bulk(
            Household,
            (
                Household(area_id=grids[i % len(grids)], number=f"B{i}", address="")
                for i in range(people // 3)
            ),
        )
        campaign = Campaign.objects.create(
            area=city,
            title="全市入户摸排",
            starts_on=DAY - datetime.timedelta(days=10),
            due_on=DAY + datetime.timedelta(days=3),
            created_by=staff,
        )
        household_ids = list(Household.objects.values_list("pk", flat=True))
        outcomes = ("visited",) * 8 + ("nobody_home", "refused")
        counts["visits"] = _bulk(
            Visit,
            (
                Visit(
                    campaign=campaign,
                    household_id=h,
                    visited_by=staff,
                    visited_at=_at(_back(rng, 10), rng),
                    outcome=rng.choice(outcomes),
                    notes="",
                )
                for h in household_ids
                if rng.random() < 0.9
            ),
        )
        counts["findings"] = _bulk(
            Finding,
            (
                Finding(
                    campaign=campaign,
                    resident_id=r,
                    kind=rng.choice(("returnee", "inflow", "other")),
                    found_at=_at(_back(rng, 10), rng),
                )
                for r in rng.sample(resident_ids, people // 100)
            ),
        )
        counts["problems"] = _bulk(
            Problem,
            (
                Problem(
                    area_id=rng.choice(grids),
                    title=f"问题{i}",
                    found_on=(f := _back(rng)),
                    deadline=f + datetime.timedelta(days=3),
                    state="closed" if (done := rng.random() < 0.6) else "open",
                    closed_at=_at(f + datetime.timedelta(days=2), rng) if done else None,
                )
                for i in range(people // 500)
            ),
        )
        counts["tips"] = _bulk(
            Tip,
            (
                Tip(
                    receipt_code=f"BD{i:08d}",
                    category="gathering",
                    description="聚集",
                    area_id=rng.choice(grids),
                    state=rng.choice(("new", "assigned", "verified")),
                    client_key="bench",
                )
                for i in range(people // 1_000)
            ),
        )
        Tip.objects.update(created_at=at_local(DAY - datetime.timedelta(days=2), 12))
        counts["enterprises"] = _bulk(
            Enterprise,
            (
                Enterprise(
                    area_id=rng.choice(grids),
                    name=f"企业{i}",
                    credit_code=f"91510400BD{i:08d}",
                    sector="manufacturing",
                    resumption_state=(s := rng.choice(("not_applied", "pending", "resumed"))),
                    resumed_on=_back(rng) if s == "resumed" else None,
                )
                for i in range(people // 200)
            ),
        )
        counts |= _volunteers_and_duty(rng, communities, people, staff, Volunteer, Need, Task)
        counts["pairings"] = _pairings(rng, areas, Volunteer, Household, Pairing)
        counts["service_shifts"] = _bulk(
            ServiceShift,
            (
                ServiceShift(
                    assignment_id=task,
                    started_at=(s := _at(_back(rng), rng)),
                    ended_at=(e := s + datetime.timedelta(hours=4) if rng.random() < 0.9 else None),
                    minutes=240 if e else None,
                )
                for task in Task.objects.values_list("pk", flat=True)
                for _ in range(3)
            ),
        )
        counts["duty_shifts"] = _bulk(
            DutyShift,
            (
                DutyShift(
                    area=c,
                    person=staff,
                    start=(s := at_local(DAY - datetime.timedelta(days=d), h)),
                    end=s + datetime.timedelta(hours=8),
                )
                for c in communities
                for d in range(DAYS)
                for h in (0, 8, 16)
            ),
        )
        counts |= _stock(rng, communities, Item, Lot, Movement, Warehouse, at_local)
        counts |= _prices(rng, communities, staff, Commodity, Market, PriceReport, PriceLine)
    return counts


def _volunteers_and_duty(rng, communities, people, staff, Volunteer, Need, Task) -> dict:
    n = _bulk(
        Volunteer,
        (
            Volunteer(
                area=communities[i % len(communities)],
                name=f"志愿者{i}",
                id_number="",
                phone="",
                state="active",
            )
            for i in range(people // 200)
        ),
    )
    needs = {
        c.pk: Need.objects.create(
            area=c,
            kind="checkpoint",
            title="卡点值守",
            starts_at=_at(DAY - datetime.timedelta(days=DAYS), rng),
            ends_at=_at(DAY + datetime.timedelta(days=7), rng),
            headcount=10,
        )
        for c in communities
    }
    tasks = _bulk(
        Task,
        (
            Task(need=needs[area], volunteer_id=v, state="accepted")
            for v, area in Volunteer.objects.values_list("pk", "area_id")
        ),
    )
    return {"volunteers": n, "volunteer_tasks": tasks}


def _pairings(rng, areas, Volunteer, Household, Pairing) -> int:
    """A third of the households paired with a party member of their community (the
    volunteers are the communities'); one member suspended, their households uncovered."""
    community_of = {a.pk: a.parent_id for a in areas}
    members: dict[int, list[int]] = {}
    for v, area in Volunteer.objects.values_list("pk", "area_id"):
        members.setdefault(area, []).append(v)
    n = _bulk(
        Pairing,
        (
            Pairing(volunteer_id=rng.choice(members[c]), area_id=grid, household_id=h)
            for h, grid in Household.objects.values_list("pk", "area_id")
            if (c := community_of[grid]) in members and rng.random() < 1 / 3
        ),
    )
    Volunteer.objects.filter(pk__in=Pairing.objects.values("volunteer")[:1]).update(
        state="suspended"
    )
    return n


def _stock(rng, communities, Item, Lot, Movement, Warehouse, at_local) -> dict:
    items = [
        Item.objects.create(code=f"BD{n}", name=f"防疫物资{n}", unit="piece", alert_days=3)
        for n in range(10)
    ]
    places = Warehouse.objects.bulk_create(
        Warehouse(area=c, name=f"{c.name}物资点", kind="community") for c in communities
    )
    moves = 0
    for place in places:
        rows = []
        for item in items:
            start = at_local(DAY - datetime.timedelta(days=DAYS), 8)
            quantity = Decimal(rng.randint(500, 3_000))
            lot = Lot.objects.create(
                item=item,
                warehouse=place,
                source="purchase",
                quantity=quantity,
                entered_quantity=quantity,
                entered_unit="piece",
                received_at=start,
            )
            rows.append(
                Movement(
                    warehouse=place,
                    item=item,
                    lot=lot,
                    kind="in",
                    quantity=quantity,
                    entered_quantity=quantity,
                    entered_unit="piece",
                    occurred_at=start,
                )
            )
            for d in range(DAYS):
                out = Decimal(rng.randint(10, 200))
                rows.append(
                    Movement(
                        warehouse=place,
                        item=item,
                        lot=lot,
                        kind="out",
                        quantity=-out,
                        entered_quantity=out,
                        entered_unit="piece",
                        occurred_at=at_local(DAY - datetime.timedelta(days=d), 15),
                    )
                )
        moves += _bulk(Movement, rows)
    return {"warehouses": len(places), "movements": moves}


def _prices(rng, communities, staff, Commodity, Market, PriceReport, PriceLine) -> dict:
    goods = [Commodity.objects.create(name=f"必需品{n}", category="vegetable") for n in range(8)]
    markets = Market.objects.bulk_create(
        Market(area=c, name=f"{c.name}{k}号市场", kind="market")
        for c in communities
        for k in (1, 2)
    )
    reports = PriceReport.objects.bulk_create(
        PriceReport(market=m, date=DAY - datetime.timedelta(days=d), reported_by=staff)
        for m in markets
        for d in range(DAYS)
    )
    lines = _bulk(
        PriceLine,
        (
            PriceLine(
                report=r,
                commodity=g,
                market_id=r.market_id,
                date=r.date,
                price=(
                    Decimal(rng.randint(90, 110))
                    / 10
                    * (Decimal("1.2") if rng.random() < 0.03 else 1)
                ).quantize(Decimal("0.01")),
            )
            for r in reports
            for g in goods
        ),
    )
    return {"markets": len(markets), "price_lines": lines}


# --- measuring -------------------------------------------------------------------------------


def _client(username: str):
    from django.conf import settings
    from django.test import Client

    from fangkong.accounts.models import User

    hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
    client = Client(HTTP_HOST=(hosts[0].lstrip(".") if hosts else "localhost"))
    client.force_login(User.objects.get(username=username))
    return client


def _timed(get) -> tuple[float, object]:
    start = time.perf_counter()
    response = get()
    return (time.perf_counter() - start) * 1000, response


def measure(runs: int = RUNS) -> dict:
    """Each user's home page and dashboard (as of ``DAY``): the first render in this
    process, then the median of ``runs`` more; the city's daily report as xlsx and PDF (the
    download view)."""
    from fangkong.dashboard.figures import REGISTRY

    out: dict = {"day": DAY.isoformat(), "figures": len(REGISTRY), "pages": {}, "home": {}}
    for who, username in USERS.items():
        client = _client(username)
        # The home page first: every user opens it after logging in, and its panels
        # (今日防控 and the modules' own) count the user's whole area on every load.
        for key, path, params in (
            ("home", "/", {}),
            ("pages", "/dashboard/", {"date": DAY.isoformat()}),
        ):
            first, response = _timed(lambda c=client, u=path, q=params: c.get(u, q))
            if response.status_code != 200:
                raise SystemExit(f"{who}: {path} answered {response.status_code}")
            times = [_timed(lambda c=client, u=path, q=params: c.get(u, q))[0] for _ in range(runs)]
            out[key][who] = {
                "first_ms": first,
                "median_ms": statistics.median(times),
                "max_ms": max(times),
                "figures_shown": response.content.decode().count("data-figure="),
            }
    client = _client(USERS["city"])
    from fangkong.areas.models import Area

    city = Area.objects.get(parent__isnull=True)
    for fmt in ("xlsx", "pdf"):
        params = {"area": city.pk, "date": DAY.isoformat(), "template": "default", "format": fmt}
        ms, response = _timed(lambda p=params: client.get("/dashboard/report/", p))
        if response.status_code != 200:
            raise SystemExit(f"report {fmt}: {response.status_code}")
        out[f"report_{fmt}_ms"] = ms
        out[f"report_{fmt}_bytes"] = len(response.content)
    return out


def dump(data: dict) -> None:
    print(json.dumps(data, default=str))
