"""24-hour duty coverage: gaps (minutes with nobody on duty) and double bookings.

Shifts are half-open intervals ``[start, end)``, so a shift ending at 20:00 and the next
starting at 20:00 touch without a gap. Days are local days (Asia/Shanghai): a window runs
from local midnight to the next local midnight, and a shift crossing midnight covers the end
of one day and the start of the next.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from fangkong.status.clock import start_of_day

Interval = tuple[datetime.datetime, datetime.datetime]


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of intervals, sorted; touching intervals join into one."""
    merged: list[list[datetime.datetime]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def find_gaps(
    intervals: Iterable[Interval], window_start: datetime.datetime, window_end: datetime.datetime
) -> list[Interval]:
    """The parts of ``[window_start, window_end)`` no interval covers, in order."""
    gaps: list[Interval] = []
    cursor = window_start
    for start, end in merge_intervals(intervals):
        if end <= cursor:
            continue
        if start >= window_end:
            break
        if start > cursor:
            gaps.append((cursor, start))
        cursor = max(cursor, end)
        if cursor >= window_end:
            break
    if cursor < window_end:
        gaps.append((cursor, window_end))
    return gaps


@dataclass(frozen=True)
class DoubleBooking:
    """One person on two overlapping shifts."""

    person: Any
    first: Any
    second: Any
    start: datetime.datetime
    end: datetime.datetime


def find_double_bookings(shifts: Sequence[Any]) -> list[DoubleBooking]:
    """Pairs of shifts of the same person that overlap (touching is not overlapping)."""
    by_person: dict[int, list[Any]] = defaultdict(list)
    for s in shifts:
        by_person[s.person_id].append(s)
    found = []
    for own in by_person.values():
        own.sort(key=lambda s: (s.start, s.end, s.pk))
        for i, a in enumerate(own):
            for b in own[i + 1 :]:
                if b.start >= a.end:
                    break
                found.append(
                    DoubleBooking(a.person, a, b, max(a.start, b.start), min(a.end, b.end))
                )
    found.sort(key=lambda d: (d.start, d.first.pk, d.second.pk))
    return found


@dataclass
class DayCoverage:
    """One unit's coverage of one local day."""

    day: datetime.date
    start: datetime.datetime
    end: datetime.datetime
    shifts: list[Any] = field(default_factory=list)
    gaps: list[Interval] = field(default_factory=list)
    double_bookings: list[DoubleBooking] = field(default_factory=list)

    @property
    def gap_minutes(self) -> int:
        return sum(int((e - s).total_seconds() // 60) for s, e in self.gaps)

    @property
    def covered(self) -> bool:
        return not self.gaps


def day_window(day: datetime.date) -> Interval:
    return start_of_day(day), start_of_day(day + datetime.timedelta(days=1))


def unit_coverage(
    shifts: models.QuerySet, area, first_day: datetime.date, days: int = 1
) -> list[DayCoverage]:
    """Coverage of ``area`` (its own shifts, not its subtree's) for ``days`` local days.

    ``shifts`` is a queryset already scoped with ``visible_to``; one query reads them all.
    """
    window_start = day_window(first_day)[0]
    window_end = day_window(first_day + datetime.timedelta(days=days - 1))[1]
    in_window = shifts.filter(start__lt=window_end, end__gt=window_start)
    rows = list(
        in_window.filter(area=area).select_related("person", "covered_for").order_by("start", "id")
    )
    # The same people's shifts at other units: one person cannot be on duty twice.
    elsewhere = list(
        in_window.filter(person_id__in={s.person_id for s in rows})
        .exclude(area=area)
        .select_related("person", "area")
    )
    result = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        start, end = day_window(day)
        own = [s for s in rows if s.start < end and s.end > start]
        result.append(
            DayCoverage(
                day=day,
                start=start,
                end=end,
                shifts=own,
                # A shift of a deactivated account (a grid worker who left) guards nothing:
                # its hours show as a gap until someone else takes the shift.
                gaps=find_gaps(((s.start, s.end) for s in own if s.person.is_active), start, end),
                double_bookings=[
                    d
                    for d in find_double_bookings(own + elsewhere)
                    if d.start < end and d.end > start and (d.first in own or d.second in own)
                ],
            )
        )
    return result
