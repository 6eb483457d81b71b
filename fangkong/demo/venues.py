"""Demo venues and today's scans: a residential compound per community, a market in every
third community, a road checkpoint per street, and entries/exits of nearby residents so the
occupancy and the scan lists show something. Deterministic with the seed; a second run adds
nothing. Scans are bulk-inserted with one audit entry for all of them."""

from __future__ import annotations

import datetime
import random
import uuid

from django.utils import timezone

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core import audit
from fangkong.core.models.audit import AuditAction
from fangkong.registry.models import Resident
from fangkong.status.models import PersonStatus
from fangkong.venues import partitioning
from fangkong.venues.choices import Direction, ScanSource, VenueKind
from fangkong.venues.day_counts import count_scans
from fangkong.venues.models import Scan, Venue

AUDIT_REASON = "演示数据（fangkong load-demo）"
SCANS_PER_VENUE = 12
# Venues' open hours (local time) for the demo's scans.
OPEN_FROM, OPEN_UNTIL = 7, 22


def _code(rng: random.Random) -> str:
    return "".join(
        rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(16)
    )


def _planned(areas: dict[str, Area]) -> list[dict]:
    plan = []
    streets = sorted(
        (a for a in areas.values() if a.level == AreaLevel.STREET), key=lambda a: a.code
    )
    for street in streets:
        plan.append(
            {
                "area": street,
                "name": f"{street.name}道路卡点",
                "kind": VenueKind.CHECKPOINT,
                "nat_hours": 48,
                "capacity": None,
            }
        )
    communities = sorted(
        (a for a in areas.values() if a.level == AreaLevel.COMMUNITY), key=lambda a: a.code
    )
    for i, community in enumerate(communities):
        plan.append(
            {
                "area": community,
                "name": f"{community.name}小区出入口",
                "kind": VenueKind.COMPOUND,
                "nat_hours": None,
                "capacity": None,
            }
        )
        if i % 3 == 0:
            plan.append(
                {
                    "area": community,
                    "name": f"{community.name}农贸市场",
                    "kind": VenueKind.MARKET,
                    "nat_hours": None,
                    "capacity": 200,
                }
            )
    return plan


def load_venues(areas: dict[str, Area], events: list[audit.Event], *, seed: int) -> dict[str, int]:
    """Create the missing demo venues and today's scans at them; returns the counts."""
    if partitioning.is_partitioned():
        partitioning.create_upcoming_partitions(3, today=timezone.localdate())
    rng = random.Random(seed * 7 + 5)
    existing = set(Venue.objects.values_list("area_id", "name"))
    new = []
    for spec in _planned(areas):
        code = _code(rng)  # drawn for every planned venue, so codes do not shift on top-up
        if (spec["area"].pk, spec["name"]) in existing:
            continue
        new.append(Venue(code=code, measures_temperature=True, address="", **spec))
    Venue.objects.bulk_create(new)
    for venue in new:
        events.append(
            audit.event_for(
                venue, AuditAction.CREATE, changes=audit.snapshot(venue), reason=AUDIT_REASON
            )
        )
    scans = _scans_for(new, rng)
    Scan.objects.bulk_create(scans, batch_size=2000)
    count_scans(Scan.objects.filter(venue__in=new))  # bulk_create bypasses Scan.save
    if scans:
        events.append(
            audit.Event(
                action=AuditAction.IMPORT,
                object_type=audit.object_type(Scan),
                object_repr=f"演示扫码记录 {len(scans)} 条",
                changes={"created": len(scans)},
                reason=AUDIT_REASON,
            )
        )
    return {"venues": len(new), "scans": len(scans)}


def _scans_for(venues: list[Venue], rng: random.Random) -> list[Scan]:
    if not venues:
        return []
    people: dict[str, list[int]] = {}
    for pk, path in Resident.objects.order_by("pk").values_list("pk", "area__path"):
        people.setdefault(path, []).append(pk)
    colours = dict(PersonStatus.objects.values_list("pk", "colour"))
    now = timezone.now()
    pick_time = _open_hours_sampler(now)
    recorded = now
    scans = []
    for venue in venues:
        nearby = [
            pk for path, pks in people.items() if path.startswith(venue.area.path) for pk in pks
        ]
        for pk in rng.sample(nearby, min(SCANS_PER_VENUE, len(nearby))):
            colour = colours.get(pk, "green")
            at = pick_time(rng)
            admitted = colour == "green"
            temperature = f"36.{rng.randrange(0, 8)}"
            scans.append(
                _scan(venue, pk, at, Direction.IN, colour, admitted, temperature, recorded, rng)
            )
            if admitted and rng.random() < 0.5:
                out = min(at + datetime.timedelta(minutes=rng.randrange(5, 90)), now)
                scans.append(
                    _scan(venue, pk, out, Direction.OUT, colour, True, None, recorded, rng)
                )
    return scans


def _open_hours_sampler(now: datetime.datetime):
    """A function giving a random moment of the last 24 hours that falls in a venue's open
    hours (OPEN_FROM–OPEN_UNTIL local time): in the morning the demo's scans are mostly
    yesterday's, in the evening today's, and a demo loaded before dawn does not pile the
    day's visits into its last hour (which made everyone a contact of everyone)."""
    local = timezone.localtime(now)
    spans = []  # (start, seconds) of the open hours within (now - 24 h, now]
    for days_back in (1, 0):
        day = local - datetime.timedelta(days=days_back)
        opens = day.replace(hour=OPEN_FROM, minute=0, second=0, microsecond=0)
        closes = day.replace(hour=OPEN_UNTIL, minute=0, second=0, microsecond=0)
        start, end = max(opens, local - datetime.timedelta(hours=24)), min(closes, local)
        if end > start:
            spans.append((start, int((end - start).total_seconds())))
    total = sum(seconds for _start, seconds in spans)

    def pick(rng: random.Random) -> datetime.datetime:
        offset = rng.randrange(total)
        for start, seconds in spans:
            if offset < seconds:
                return start + datetime.timedelta(seconds=offset)
            offset -= seconds
        raise AssertionError("offset beyond the open hours")  # pragma: no cover

    return pick


def _scan(venue, pk, at, direction, colour, admitted, temperature, recorded, rng) -> Scan:
    return Scan(
        scanned_at=at,
        uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
        venue=venue,
        resident_id=pk,
        direction=direction,
        temperature=temperature,
        colour=colour,
        admitted=admitted,
        source=ScanSource.DEVICE if venue.kind == VenueKind.CHECKPOINT else ScanSource.PUBLIC,
        recorded_at=recorded,
    )
