"""A generated city for the dashboard tests: records of every counted model, spread at random
over the grids, states and days around ``day``. Saved directly (like ``tracing.testing``):
the figures are what is under test, not the services that write the records."""

from __future__ import annotations

import datetime
import random
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.core.testing.factories import make_id_number
from fangkong.duty.models import Shift as DutyShift
from fangkong.enterprises.models import Enterprise
from fangkong.health.models import Assignment
from fangkong.pairing.models import Pairing
from fangkong.prices.models import Commodity, Market, PriceLine, PriceReport
from fangkong.registry.models import Household
from fangkong.screening import coverage
from fangkong.screening.models import Campaign, Finding, Visit
from fangkong.status.clock import at_local
from fangkong.status.models import PersonStatus
from fangkong.status.testing import make_resident
from fangkong.supervision.models import Problem
from fangkong.supplies.models import Item, Lot, Movement, Warehouse
from fangkong.tips.models import Tip
from fangkong.tracing.models import Case, Contact
from fangkong.tracing.testing import make_venue
from fangkong.venues.day_counts import count_scans
from fangkong.venues.models import Scan
from fangkong.volunteers.models import Assignment as Task
from fangkong.volunteers.models import Need, Volunteer
from fangkong.volunteers.models import Shift as ServiceShift


def _moment(rng: random.Random, day: datetime.date, back: int = 4) -> datetime.datetime:
    d = day - datetime.timedelta(days=rng.randint(0, back))
    return at_local(d, rng.randint(0, 23), rng.randint(0, 59))


def _maybe_after(rng: random.Random, start: datetime.datetime, day: datetime.date):
    """Half the time nothing; otherwise a moment after ``start``, possibly after ``day``."""
    if rng.random() < 0.5:
        return None
    return start + datetime.timedelta(hours=rng.randint(1, 24 * 4))


def generate_city_records(grids: list, day: datetime.date, *, seed: int = 7, people: int = 60):
    rng = random.Random(seed)
    residents = [make_resident(rng.choice(grids), name=f"居民{i}") for i in range(people)]
    now = timezone.now()
    colours = ("red", "yellow", "green")
    PersonStatus.objects.bulk_create(
        PersonStatus(
            resident=r,
            area=r.area,
            colour=rng.choice(colours),
            rules_version="test",
            computed_at=now,
            public_code=uuid.uuid4().hex[:16],
        )
        for r in residents
    )
    cases = []
    for i, r in enumerate(residents[: people // 4]):
        confirmed = _moment(rng, day)
        cases.append(
            Case.objects.create(
                resident=r,
                code=f"T-{i}",
                kind=rng.choice(("confirmed", "asymptomatic")),
                confirmed_at=confirmed,
                discharged_at=_maybe_after(rng, confirmed, day),
            )
        )
    for r in residents[people // 4 :]:
        Contact.objects.create(
            resident=r,
            case=rng.choice(cases),
            degree=rng.choice(("close", "secondary")),
            last_exposure=day,
            state=rng.choice(("suspected", "confirmed", "dismissed")),
        )
    kinds = ("home_quarantine", "central_quarantine", "health_monitoring", "post_discharge")
    for r in rng.sample(residents, people // 2):
        start = day - datetime.timedelta(days=rng.randint(-1, 10))
        released = _maybe_after(rng, at_local(start, 12), day)
        Assignment.objects.create(
            resident=r,
            kind=rng.choice(kinds),
            start_date=start,
            end_date=start + datetime.timedelta(days=14),
            place="测试隔离点",
            state="released" if released else "active",
            released_at=released,
        )
    venues = [make_venue(g, f"场所{i}") for i, g in enumerate(grids)]
    Scan.objects.bulk_create(
        Scan(
            uuid=uuid.uuid4(),
            scanned_at=_moment(rng, day, back=2),
            venue=rng.choice(venues),
            resident=rng.choice(residents),
            colour="green",
            admitted=rng.random() < 0.8,
            source="device",
            recorded_at=now,
        )
        for _ in range(people * 3)
    )
    count_scans(Scan.objects.filter(venue__in=venues))  # bulk_create bypasses Scan.save
    states = ("not_applied", "pending", "returned", "resumed")
    for i in range(people // 3):
        state = rng.choice(states)
        Enterprise.objects.create(
            area=rng.choice(grids),
            name=f"企业{i}",
            credit_code=f"91510400MA{i:08d}",
            sector="manufacturing",
            resumption_state=state,
            resumed_on=day - datetime.timedelta(days=rng.randint(-1, 3))
            if state == "resumed"
            else None,
        )
    for i in range(people // 2):
        found = day - datetime.timedelta(days=rng.randint(-1, 6))
        closed = _maybe_after(rng, at_local(found, 9), day)
        Problem.objects.create(
            area=rng.choice(grids),
            title=f"问题{i}",
            deadline=found + datetime.timedelta(days=rng.randint(0, 5)),
            found_on=found,
            state="closed" if closed else "open",
            closed_at=closed,
        )
    for i in range(people // 2):
        state = rng.choice(("new", "assigned", "verified", "unfounded", "rejected"))
        tip = Tip.objects.create(
            receipt_code=f"R{i:08d}",
            category="gathering",
            description="测试线索",
            area=rng.choice(grids),
            state=state,
            client_key="test",
        )
        Tip.objects.filter(pk=tip.pk).update(created_at=_moment(rng, day, back=3))
    staff = get_user_model().objects.create(username=f"dashboard-gen-{seed}")
    households = _screening(rng, grids, day, residents, staff)
    volunteers = _volunteers_and_duty(rng, grids, day, staff)
    _pairings(rng, households, volunteers)
    _stock(rng, grids, day)
    _prices(rng, grids, day, staff)


def _screening(rng, grids, day, residents, staff) -> list[Household]:
    """A city-wide campaign still running and a community one closed the day before."""
    root = grids[0].ancestors()[0]
    running = Campaign.objects.create(
        area=root,
        title="全市摸排",
        starts_on=day - datetime.timedelta(days=5),
        due_on=day + datetime.timedelta(days=5),
        created_by=staff,
    )
    closed = Campaign.objects.create(
        area=grids[0].parent,
        title="社区摸排",
        starts_on=day - datetime.timedelta(days=3),
        due_on=day,
        created_by=staff,
        closed=True,
        closed_at=at_local(day - datetime.timedelta(days=1), 15),
    )
    households = [
        Household.objects.create(area=rng.choice(grids), number=f"H{i}", address="测试小区")
        for i in range(len(residents) // 2)
    ]
    outcomes = ("visited", "visited", "nobody_home", "refused")
    for campaign in (running, closed):
        for h in households:
            for _ in range(rng.randint(0, 2)):
                Visit.objects.create(
                    campaign=campaign,
                    household=h,
                    visited_by=staff,
                    visited_at=_moment(rng, day),
                    outcome=rng.choice(outcomes),
                    notes="",
                )
        for r in rng.sample(residents, len(residents) // 3):
            Finding.objects.create(
                campaign=campaign,
                resident=r,
                kind=rng.choice(("returnee", "inflow", "other")),
                found_at=_moment(rng, day),
            )
    # The visits were written around ``record_visit``: recount the kept coverage, as a load does.
    coverage.rebuild()
    return households


def _volunteers_and_duty(rng, grids, day, staff) -> list[Volunteer]:
    volunteers = []
    for i, grid in enumerate(grids * 3):
        volunteer = Volunteer.objects.create(
            area=grid,
            name=f"志愿者{i}",
            id_number=make_id_number(rng=rng),
            phone="",
            state="active",
        )
        need = Need.objects.create(
            area=grid,
            kind="checkpoint",
            title=f"卡点{i}",
            starts_at=_moment(rng, day),
            ends_at=_moment(rng, day) + datetime.timedelta(days=5),
            headcount=3,
        )
        task = Task.objects.create(need=need, volunteer=volunteer, state="accepted")
        for _ in range(rng.randint(1, 4)):
            start = _moment(rng, day)
            end = _maybe_after(rng, start, day)
            ServiceShift.objects.create(
                assignment=task,
                started_at=start,
                ended_at=end,
                minutes=None if end is None else int((end - start).total_seconds() // 60),
            )
        start = _moment(rng, day)
        DutyShift.objects.create(
            area=grid, person=staff, start=start, end=start + datetime.timedelta(hours=8)
        )
        volunteers.append(volunteer)
    return volunteers


def _pairings(rng, households, volunteers) -> None:
    """A grid's volunteer looks after about a third of its households; one of them has
    been suspended, so the households they kept count as uncovered."""
    by_grid: dict[int, list[Volunteer]] = {}
    for v in volunteers:
        by_grid.setdefault(v.area_id, []).append(v)
    paired = [h for h in households if h.area_id in by_grid and rng.random() < 1 / 3]
    for h in paired:
        Pairing.objects.create(volunteer=rng.choice(by_grid[h.area_id]), area=h.area, household=h)
    if paired:
        Volunteer.objects.filter(pairings__household=paired[0]).update(state="suspended")


def _stock(rng, grids, day) -> None:
    """Two items stocked at a place per grid ten days ago and drawn down daily since, fast
    enough at some places to fall below the alert days."""
    items = [
        Item.objects.create(code=f"DG{n}", name=f"测试物资{n}", unit="piece", alert_days=3)
        for n in range(2)
    ]
    for g, grid in enumerate(grids):
        place = Warehouse.objects.create(area=grid, name=f"库点{g}")
        for item in items:
            received = at_local(day - datetime.timedelta(days=10), 8)
            quantity = Decimal(rng.randint(50, 300))
            lot = Lot.objects.create(
                item=item,
                warehouse=place,
                source="purchase",
                quantity=quantity,
                entered_quantity=quantity,
                entered_unit="piece",
                received_at=received,
            )
            rows = [("in", quantity, received)]
            for back in range(9, -2, -1):
                out = Decimal(rng.randint(0, 25))
                rows.append(("out", -out, at_local(day - datetime.timedelta(days=back), 14)))
            for kind, q, at in rows:
                if q:
                    Movement.objects.create(
                        warehouse=place,
                        item=item,
                        lot=lot,
                        kind=kind,
                        quantity=q,
                        entered_quantity=abs(q),
                        entered_unit="piece",
                        occurred_at=at,
                    )


def _prices(rng, grids, day, staff) -> None:
    """Daily prices for ten days with the odd jump above the 10 % alert threshold."""
    commodities = [
        Commodity.objects.create(name=f"测试菜{n}", category="vegetable") for n in range(2)
    ]
    for g, grid in enumerate(grids):
        market = Market.objects.create(area=grid, name=f"市场{g}", kind="market")
        for back in range(10, -2, -1):
            date = day - datetime.timedelta(days=back)
            report = PriceReport.objects.create(market=market, date=date, reported_by=staff)
            for c in commodities:
                jump = Decimal("1.3") if rng.random() < 0.25 else Decimal(1)
                PriceLine.objects.create(
                    report=report,
                    commodity=c,
                    market=market,
                    date=date,
                    price=(Decimal(rng.randint(95, 105)) / 10 * jump).quantize(Decimal("0.01")),
                )
