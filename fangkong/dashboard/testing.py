"""A generated city for the dashboard tests: records of every counted model, spread at random
over the grids, states and days around ``day``. Saved directly (like ``tracing.testing``):
the figures are what is under test, not the services that write the records."""

from __future__ import annotations

import datetime
import random
import uuid

from django.utils import timezone

from fangkong.enterprises.models import Enterprise
from fangkong.health.models import Assignment
from fangkong.status.clock import at_local
from fangkong.status.models import PersonStatus
from fangkong.status.testing import make_resident
from fangkong.supervision.models import Problem
from fangkong.tips.models import Tip
from fangkong.tracing.models import Case, Contact
from fangkong.tracing.testing import make_venue
from fangkong.venues.models import Scan


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
