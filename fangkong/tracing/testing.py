"""Building tracing scenarios in tests and benchmarks: venues and scans saved directly."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from fangkong.core.personal import index_value
from fangkong.venues.models import Scan, Venue


def make_venue(area, name: str = "测试市场") -> Venue:
    return Venue.objects.create(area=area, name=name, kind="market")


def make_scan(person, venue, at: datetime.datetime, direction: str = "in", **who) -> Scan:
    """A green, admitted device scan of ``person`` (None for a visitor: ``who`` then holds
    what the visitor's row keeps)."""
    return Scan.objects.create(
        uuid=uuid.uuid4(),
        scanned_at=at,
        venue=venue,
        resident=person,
        direction=direction,
        colour="green",
        admitted=True,
        source="device",
        recorded_at=timezone.now(),
        **who,
    )


def visit(person, venue, start: datetime.datetime, minutes: int | None = None) -> None:
    """An entry scan, and an exit scan ``minutes`` later when given."""
    make_scan(person, venue, start)
    if minutes is not None:
        make_scan(person, venue, start + datetime.timedelta(minutes=minutes), "out")


def visitor_scan(
    venue,
    at: datetime.datetime,
    *,
    name: str = "",
    id_number: str = "",
    phone: str = "",
    direction: str = "in",
) -> Scan:
    """An unregistered visitor's scan, with the blind indexes the venue services compute."""
    return make_scan(
        None,
        venue,
        at,
        direction,
        visitor_name=name,
        id_number=id_number,
        phone=phone,
        id_number_index=index_value(id_number, kind="id_number", purpose="id"),
        phone_index=index_value(phone, kind="phone", purpose="phone"),
    )


def visitor_visit(venue, start: datetime.datetime, minutes: int | None = None, **who) -> Scan:
    """A visitor's entry scan, and an exit scan ``minutes`` later when given."""
    entry = visitor_scan(venue, start, **who)
    if minutes is not None:
        visitor_scan(venue, start + datetime.timedelta(minutes=minutes), direction="out", **who)
    return entry
