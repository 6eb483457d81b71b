"""Contact tracing rules, free of the database: visits from scans, and their overlaps.

A *visit* is an entry scan of a person at a venue. It ends at the person's first exit scan
at that venue within ``max_stay`` after the entry, or ``default_stay`` after the entry when
no such exit was recorded (most venues only scan people in). Two visits at one venue
*overlap* when each starts no later than ``window`` after the other ends — the tolerance
covers clocks, queues and the air a case leaves behind. The benchmark's DuckDB oracle
(``bench/tracing.py``) states exactly these rules in SQL.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

IN, OUT = "in", "out"


@dataclass(frozen=True)
class Params:
    window: datetime.timedelta = datetime.timedelta(minutes=30)
    default_stay: datetime.timedelta = datetime.timedelta(minutes=60)
    max_stay: datetime.timedelta = datetime.timedelta(hours=12)
    # Infectious period before onset (or before confirmation when onset is unknown).
    lookback: datetime.timedelta = datetime.timedelta(days=4)

    @classmethod
    def from_settings(cls, window_minutes: int | None = None) -> Params:
        from django.conf import settings

        conf = getattr(settings, "FANGKONG_TRACING", {})
        if window_minutes is None:  # 0 is a window too: only visits that truly overlap
            window_minutes = conf.get("window_minutes", 30)
        return cls(
            window=datetime.timedelta(minutes=window_minutes),
            default_stay=datetime.timedelta(minutes=conf.get("default_stay_minutes", 60)),
            max_stay=datetime.timedelta(hours=conf.get("max_stay_hours", 12)),
            lookback=datetime.timedelta(days=conf.get("lookback_days", 4)),
        )


@dataclass(frozen=True)
class ScanRow:
    person: int
    venue: int
    at: datetime.datetime
    direction: str


@dataclass(frozen=True)
class Visit:
    person: int
    venue: int
    start: datetime.datetime
    end: datetime.datetime
    exit_recorded: bool


@dataclass(frozen=True)
class Overlap:
    """Why ``other`` is a contact: their visit met ``source``'s visit at ``source.venue``."""

    source: Visit
    other: Visit

    @property
    def start(self) -> datetime.datetime:
        return max(self.source.start, self.other.start)

    @property
    def end(self) -> datetime.datetime:
        return min(self.source.end, self.other.end)

    @property
    def minutes(self) -> int:
        """Minutes both were present (0 when they only met within the window)."""
        return max(0, int((self.end - self.start).total_seconds() // 60))


def build_visits(scans: Iterable[ScanRow], params: Params) -> list[Visit]:
    """Visits from scans of any people and venues, in any order."""
    exits: dict[tuple[int, int], list[datetime.datetime]] = defaultdict(list)
    entries: list[ScanRow] = []
    for s in scans:
        if s.direction == IN:
            entries.append(s)
        elif s.direction == OUT:
            exits[(s.person, s.venue)].append(s.at)
    for times in exits.values():
        times.sort()
    visits = []
    for s in entries:
        end, recorded = s.at + params.default_stay, False
        for t in exits.get((s.person, s.venue), ()):
            if t > s.at:
                if t <= s.at + params.max_stay:
                    end, recorded = t, True
                break
        visits.append(Visit(s.person, s.venue, s.at, end, recorded))
    return visits


def overlaps(a: Visit, b: Visit, window: datetime.timedelta) -> bool:
    return a.venue == b.venue and b.start <= a.end + window and b.end >= a.start - window


def meetings(
    sources: Iterable[Visit], others: Iterable[Visit], params: Params, exclude: set[int]
) -> dict[int, list[Overlap]]:
    """For each person of ``others`` not in ``exclude``: the overlaps with ``sources``."""
    by_venue: dict[int, list[Visit]] = defaultdict(list)
    for v in sources:
        by_venue[v.venue].append(v)
    found: dict[int, list[Overlap]] = defaultdict(list)
    for b in others:
        if b.person in exclude:
            continue
        for a in by_venue.get(b.venue, ()):
            if overlaps(a, b, params.window):
                found[b.person].append(Overlap(a, b))
    return found


def scan_range_for(visit: Visit, params: Params) -> tuple[datetime.datetime, datetime.datetime]:
    """The scans at ``visit.venue`` that decide every overlap with it, and its exact times:
    entries from ``max_stay`` before it (people already inside) to ``window`` after it ends,
    and the exits of those entries (up to ``max_stay`` later)."""
    begin = visit.start - params.window - params.max_stay
    end = visit.end + params.window + params.max_stay
    return begin, end
