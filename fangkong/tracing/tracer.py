"""Finding a case's contacts in the database: scans by index, rules from ``engine``.

Indexed reads per hop, whatever the size of the city: the source people's own scans
(``scan_resident_time``) and those they made as visitors before they were registered
(``scan_visitor_id_time``, by their ID number's blind index), the scans at the venues they
visited around those visits (``scan_venue_time``, one join with the time ranges), and
household members. Nothing scans a table; the scan indexes cover the columns read, so the
reads never touch the table itself. ``close_contacts_of_cases`` does the same reads once for
a whole set of cases.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection
from django.utils import timezone

from .engine import IN, OUT, Overlap, Params, ScanRow, Visit, build_visits, meetings, scan_range_for

VENUE_RANGES_PER_QUERY = 2000  # 6,000 parameters, well under SQLite's 32,766
COLUMNS = "s.resident_id, s.venue_id, s.scanned_at, s.direction"
VISITOR_ID_COLUMNS = "s.id_number_index, s.venue_id, s.scanned_at, s.direction, s.resident_id"
VENUE_COLUMNS = f"{COLUMNS}, s.id_number_index"
REGISTRY_KEYS_PER_QUERY = 5000
VISITOR_COLUMNS = (
    "s.venue_id, s.scanned_at, s.direction, s.uuid, s.id_number_index, s.phone_index, "
    "s.visitor_name"
)


def _scan_table() -> str:
    return connection.ops.quote_name(apps.get_model("venues", "Scan")._meta.db_table)


def person_scans(people: list[int], since: datetime.datetime, until: datetime.datetime):
    """(sql, params): the scans of ``people`` in [since, until], by ``scan_resident_time``."""
    adapt = connection.ops.adapt_datetimefield_value
    marks = ", ".join(["%s"] * len(people))
    sql = (
        f"SELECT {COLUMNS} FROM {_scan_table()} s WHERE s.resident_id IN ({marks}) "  # noqa: S608
        "AND s.scanned_at >= %s AND s.scanned_at <= %s AND s.direction IN (%s, %s)"
    )
    return sql, [*people, adapt(since), adapt(until), IN, OUT]


def former_visitor_scans(id_indexes: list[str], since: datetime.datetime, until: datetime.datetime):
    """(sql, params): the scans made as visitors in [since, until] under these ID numbers'
    blind indexes (``scan_visitor_id_time``), keyed by the index. A checkpoint keeps an
    unknown ID number as a visitor's; once the person is registered, those scans are theirs
    (``visits_of``). Scans are append-only: they keep ``resident`` empty, and the person is
    found through the registry at each trace. Only visitors' rows carry the index; the
    resident column comes back to be sure (not asked for in SQL: SQLite's statistics take
    ``resident_id IS NULL`` for a rare key and walked every visitor's scan of the period)."""
    adapt = connection.ops.adapt_datetimefield_value
    marks = ", ".join(["%s"] * len(id_indexes))
    sql = (
        f"SELECT {VISITOR_ID_COLUMNS} FROM {_scan_table()} s "  # noqa: S608
        # IS NOT NULL: the partial index's own condition, stated for SQLite's planner.
        f"WHERE s.id_number_index IN ({marks}) AND s.id_number_index IS NOT NULL "
        "AND s.scanned_at >= %s AND s.scanned_at <= %s AND s.direction IN (%s, %s)"
    )
    return sql, [*id_indexes, adapt(since), adapt(until), IN, OUT]


def venue_scans(ranges: list[tuple[int, datetime.datetime, datetime.datetime]]):
    """(sql, params): everyone's scans at each (venue, from, to) — one join of the ranges
    with ``scan_venue_time``, a range scan of the index per range. ``visits_around`` keeps
    registered people's, and visitors' whose ID number has been registered since. No filter
    in SQL: one on either column let SQLite's planner, on some statistics, split the read
    over two indexes and leave the covering one."""
    return _scans_at(ranges, VENUE_COLUMNS)


def visitor_scans(ranges: list[tuple[int, datetime.datetime, datetime.datetime]]):
    """(sql, params): unregistered visitors' scans at each (venue, from, to). Their identity
    columns are not in ``scan_venue_time``, so this reads the table; visitors are few."""
    return _scans_at(ranges, VISITOR_COLUMNS, "s.resident_id IS NULL")


def _scans_at(ranges, columns: str, where: str = ""):
    adapt = connection.ops.adapt_datetimefield_value
    on = "s.venue_id = r.v AND s.scanned_at >= r.lo AND s.scanned_at <= r.hi"
    if connection.vendor == "postgresql":
        ranges_sql = "unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS r(v, lo, hi)"
        params = [[v for v, _, _ in ranges], [lo for _, lo, _ in ranges]]
        params.append([hi for _, _, hi in ranges])
        # The ranges' overall span as constants: the planner prunes the time partitions
        # (the default one included) outside it, which the ranges' own bounds, known only
        # row by row, cannot do at plan time.
        on += " AND s.scanned_at >= %s AND s.scanned_at <= %s"
        params += [min(lo for _, lo, _ in ranges), max(hi for _, _, hi in ranges)]
    else:
        values = ", ".join(["(%s, %s, %s)"] * len(ranges))
        ranges_sql = f"(SELECT column1 v, column2 lo, column3 hi FROM (VALUES {values})) r"  # noqa: S608
        params = [x for v, lo, hi in ranges for x in (v, adapt(lo), adapt(hi))]
    sql = f"SELECT {columns} FROM {ranges_sql} JOIN {_scan_table()} s ON {on}"  # noqa: S608
    return (f"{sql} WHERE {where}" if where else sql), params


def registered_as(id_indexes: Iterable[str]) -> dict[str, int]:
    """{ID number's blind index: the resident registered under it} for those registered."""
    Resident = apps.get_model("registry", "Resident")
    keys = sorted(set(id_indexes))
    out: dict[str, int] = {}
    for start in range(0, len(keys), REGISTRY_KEYS_PER_QUERY):
        out.update(
            Resident.objects.filter(
                id_number_index__in=keys[start : start + REGISTRY_KEYS_PER_QUERY]
            )
            .order_by()
            .values_list("id_number_index", "pk")
        )
    return out


def _fetch(query: tuple[str, list], at: int = 2) -> list[list]:
    """A read's rows, the scan time (column ``at``) aware: SQLite gives the naive UTC Django
    stores there."""
    with connection.cursor() as cursor:
        cursor.execute(*query)
        rows = [list(row) for row in cursor.fetchall()]
    if connection.vendor == "sqlite":
        utc = datetime.UTC
        for row in rows:
            row[at] = row[at].replace(tzinfo=utc)
    return rows


def _people_rows(query: tuple[str, list]) -> list[ScanRow]:
    """``venue_scans``' rows as registered people's: a visitor's scan is the person's its ID
    number has been registered to since; one still unregistered is not (``visitors_of``)."""
    raw = _fetch(query)
    person_of = registered_as(idx for person, _v, _at, _d, idx in raw if person is None and idx)
    rows = []
    for person, venue, at, direction, idx in raw:
        if person is None and (person := person_of.get(idx)) is None:
            continue  # a visitor not (yet) in the registry, or one who left only a phone
        rows.append(ScanRow(person, venue, at, direction))
    return rows


def _rows(query: tuple[str, list]) -> list[ScanRow]:
    return [ScanRow(*row) for row in _fetch(query)]


def query_plan(query: tuple[str, list], *, analyze: bool = False) -> str:
    """The database's plan for one of the reads above (EXPLAIN, one line per step); with
    ``analyze`` PostgreSQL runs the read and adds rows, times and buffers to each step."""
    sql, params = query
    if connection.vendor == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    else:
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def index_only(plan: str, index: str) -> bool:
    """``plan`` reads the scans from a covering index alone (on PostgreSQL from each
    partition's copy of it), never from the table."""
    if connection.vendor == "sqlite":
        return f"COVERING INDEX {index}" in plan and "SCAN s" not in plan
    return "Index Only Scan" in plan and "Seq Scan" not in plan


def _merged(ranges: Iterable[tuple[int, datetime.datetime, datetime.datetime]]):
    """Overlapping time ranges of one venue as one: each scan is read once."""
    out: list[list] = []
    for venue, lo, hi in sorted(ranges):
        if out and out[-1][0] == venue and lo <= out[-1][2]:
            out[-1][2] = max(out[-1][2], hi)
        else:
            out.append([venue, lo, hi])
    return [tuple(r) for r in out]


def visits_of(
    people: Iterable[int], since: datetime.datetime, until: datetime.datetime, params: Params
) -> list[Visit]:
    """Visits of ``people`` that began in [since, until] (their exits may come later)."""
    people = list(people)
    if not people:
        return []
    rows = _rows(person_scans(people, since, until + params.max_stay))
    # What they scanned as visitors before they were registered: an arrival checked at the
    # city's checkpoints for days before the grid worker registered them.
    Resident = apps.get_model("registry", "Resident")
    person_of = dict(
        Resident.objects.filter(pk__in=people, id_number_index__isnull=False)
        .order_by()
        .values_list("id_number_index", "pk")
    )
    if person_of:
        former = former_visitor_scans(list(person_of), since, until + params.max_stay)
        rows += [
            ScanRow(person_of[idx], venue, at, direction)
            for idx, venue, at, direction, resident in _fetch(former)
            if resident is None
        ]
    return [v for v in build_visits(rows, params) if since <= v.start <= until]


def visits_around(sources: list[Visit], params: Params) -> list[Visit]:
    """Everyone's visits at the venues of ``sources`` that may overlap one of them."""
    ranges = _merged((v.venue, *scan_range_for(v, params)) for v in sources)
    rows: list[ScanRow] = []
    for start in range(0, len(ranges), VENUE_RANGES_PER_QUERY):
        rows += _people_rows(venue_scans(ranges[start : start + VENUE_RANGES_PER_QUERY]))
    return build_visits(rows, params)


def household_members(people: Iterable[int]) -> dict[int, int]:
    """{member: the person of ``people`` they live with} for every other household member."""
    Resident = apps.get_model("registry", "Resident")
    people = list(people)
    homes = dict(
        Resident.objects.filter(pk__in=people, household__isnull=False)
        .order_by()
        .values_list("household_id", "pk")
    )
    if not homes:
        return {}
    return {
        member: homes[home]
        for member, home in Resident.objects.filter(household_id__in=list(homes))
        .order_by()
        .values_list("pk", "household_id")
        if member not in people
    }


def households_of(people: Iterable[int]) -> dict[int, list[int]]:
    """{person of ``people``: the other members of their household}."""
    Resident = apps.get_model("registry", "Resident")
    homes = dict(
        Resident.objects.filter(pk__in=list(people), household__isnull=False)
        .order_by()
        .values_list("pk", "household_id")
    )
    if not homes:
        return {}
    members: dict[int, list[int]] = defaultdict(list)
    for member, home in (
        Resident.objects.filter(household_id__in=set(homes.values()))
        .order_by()
        .values_list("pk", "household_id")
    ):
        members[home].append(member)
    return {p: [m for m in members[home] if m != p] for p, home in homes.items()}


@dataclass
class Exposure:
    """One reason a person is a contact."""

    kind: str  # "venue" | "household" | "named"
    via: int  # the person they were exposed to (the case, or a close contact)
    overlap: Overlap | None = None
    at: datetime.datetime | None = None  # household: from when the source was infectious
    # household: until when they lived with the infectious source (the case's isolation;
    # for a close contact, the end of the trace), which quarantine is counted from
    until: datetime.datetime | None = None


@dataclass
class Candidate:
    person: int
    degree: str  # "close" | "secondary"
    exposures: list[Exposure] = field(default_factory=list)

    @property
    def first_exposure(self) -> datetime.datetime:
        return min(e.overlap.start if e.overlap else e.at for e in self.exposures)

    @property
    def last_exposure(self) -> datetime.datetime:
        return max(e.overlap.end if e.overlap else (e.until or e.at) for e in self.exposures)


@dataclass
class TraceResult:
    period: tuple[datetime.datetime, datetime.datetime]
    case_visits: list[Visit]
    close: dict[int, Candidate]
    secondary: dict[int, Candidate]


def infectious_period(case, params: Params) -> tuple[datetime.datetime, datetime.datetime]:
    """From ``lookback`` before onset (or confirmation) to confirmation, when the case was
    isolated."""
    if case.onset_date:
        onset = timezone.make_aware(datetime.datetime.combine(case.onset_date, datetime.time()))
        begin = min(onset, case.confirmed_at) - params.lookback
    else:
        begin = case.confirmed_at - params.lookback
    return begin, case.confirmed_at


def _hop(
    sources: dict[int, datetime.datetime],
    until: datetime.datetime,
    params: Params,
    exclude: set[int],
    degree: str,
) -> tuple[list[Visit], dict[int, Candidate]]:
    """People who met any of ``sources`` (person → infectious from) before ``until``."""
    since = min(sources.values())
    own = [v for v in visits_of(sources, since, until, params) if v.start >= sources[v.person]]
    others = visits_around(own, params)
    members = household_members(sources)
    return own, _candidates(sources, until, own, others, members, params, exclude, degree)


def _candidates(
    sources: dict[int, datetime.datetime],
    until: datetime.datetime,
    own: list[Visit],
    others: Iterable[Visit],
    members: dict[int, int],
    params: Params,
    exclude: set[int],
    degree: str,
) -> dict[int, Candidate]:
    """The contacts of ``sources`` from their visits ``own``, the visits ``others`` around
    them and their household ``members`` (member → source), who lived with their source
    from when it was infectious until ``until``."""
    found: dict[int, Candidate] = {}
    since = min(sources.values())
    for person, overlaps in meetings(own, others, params, exclude | set(sources)).items():
        c = found.setdefault(person, Candidate(person, degree))
        c.exposures += [Exposure("venue", o.source.person, overlap=o) for o in overlaps]
    for member, source in members.items():
        if member in exclude or member in sources:
            continue
        c = found.setdefault(member, Candidate(member, degree))
        c.exposures.append(
            Exposure("household", source, at=max(sources[source], since), until=until)
        )
    return found


def close_contacts(case, params: Params) -> tuple[list[Visit], dict[int, Candidate]]:
    """The case's visits in its infectious period, and its close contacts."""
    begin, end = infectious_period(case, params)
    return _hop({case.resident_id: begin}, end, params, set(), "close")


def close_contacts_of_cases(
    cases: Iterable, params: Params
) -> dict[int, tuple[list[Visit], dict[int, Candidate]]]:
    """``close_contacts`` of many cases (case pk → visits, contacts) with the same three reads
    done once for all of them: the cases' scans, the scans around all their visits, their
    households. Each case's contacts are found from its own visits only, as one by one."""
    cases = list(cases)
    if not cases:
        return {}
    periods = {c.pk: infectious_period(c, params) for c in cases}
    since = min(begin for begin, _ in periods.values())
    until = max(end for _, end in periods.values())
    by_person: dict[int, list[Visit]] = defaultdict(list)
    for v in visits_of({c.resident_id for c in cases}, since, until, params):
        by_person[v.person].append(v)
    own = {
        c.pk: [
            v for v in by_person[c.resident_id] if periods[c.pk][0] <= v.start <= periods[c.pk][1]
        ]
        for c in cases
    }
    around: dict[int, list[Visit]] = defaultdict(list)
    for v in visits_around([v for visits in own.values() for v in visits], params):
        around[v.venue].append(v)
    homes = households_of({c.resident_id for c in cases})
    out = {}
    for c in cases:
        mine = own[c.pk]
        others = [b for venue in {v.venue for v in mine} for b in around[venue]]
        members = dict.fromkeys(homes.get(c.resident_id, ()), c.resident_id)
        sources = {c.resident_id: periods[c.pk][0]}
        out[c.pk] = (
            mine,
            _candidates(sources, periods[c.pk][1], mine, others, members, params, set(), "close"),
        )
    return out


def trace(case, params: Params, *, until: datetime.datetime | None = None) -> TraceResult:
    """Close contacts of ``case`` (venue overlaps and household), then secondary contacts:
    those who met a close contact between their exposure and ``until`` (default: now)."""
    begin, end = infectious_period(case, params)
    case_visits, close = close_contacts(case, params)
    secondary: dict[int, Candidate] = {}
    if close:
        until = until or timezone.now()
        sources = {p: c.first_exposure for p, c in close.items() if c.first_exposure <= until}
        if sources:
            _, secondary = _hop(sources, until, params, {case.resident_id, *close}, "secondary")
    return TraceResult((begin, end), case_visits, close, secondary)


# --- visitors: people who scanned in without being in the registry --------------------------


@dataclass(frozen=True)
class VisitorScan:
    """A visitor's entry scan that began an overlapping visit; ``(at, uuid)`` is its key."""

    at: datetime.datetime
    uuid: uuid.UUID
    venue: int
    name: str
    has_phone: bool = False


@dataclass
class Visitor:
    """An unregistered person (``key``: their ID number's blind index, else their phone's,
    else the one scan) whose visits overlapped the case's. ``resident``: the registered
    resident their ID number now belongs to, if they registered since."""

    key: str
    overlaps: list[Overlap]
    scans: list[VisitorScan]
    resident: int | None = None

    @property
    def scan(self) -> VisitorScan:
        """The scan to read their ID number and phone from: the latest that has a phone (all
        of one person's have the ID number they are grouped by), else the latest."""
        return max(self.scans, key=lambda s: (s.has_phone, s.at, s.uuid))

    @property
    def name(self) -> str:
        """The latest name they gave."""
        named = [s for s in self.scans if s.name]
        return max(named, key=lambda s: (s.at, s.uuid)).name if named else ""

    @property
    def last_exposure(self) -> datetime.datetime:
        return max(o.end for o in self.overlaps)

    def at_venues(self, venues: set[int]) -> Visitor | None:
        """Only what happened at ``venues`` (a viewer's scope); None when nothing did."""
        overlaps = [o for o in self.overlaps if o.other.venue in venues]
        if not overlaps:
            return None
        scans = [s for s in self.scans if s.venue in venues]
        return Visitor(self.key, overlaps, scans, self.resident)


def _visitor_key(at, scan_uuid, id_index, phone_index) -> str:
    if id_index:
        return f"id:{id_index}"
    if phone_index:
        return f"phone:{phone_index}"
    return f"scan:{at.isoformat()}:{scan_uuid}"


def visitors_of(case, params: Params) -> list[Visitor]:
    """Unregistered visitors whose visits overlapped the case's own in its infectious
    period, by the rules registered contacts are found by (``close_contacts``): the same
    visits of the case, venue ranges, default stay, exits and window."""
    begin, end = infectious_period(case, params)
    own = visits_of([case.resident_id], begin, end, params)
    ranges = _merged((v.venue, *scan_range_for(v, params)) for v in own)
    raw = []
    for start in range(0, len(ranges), VENUE_RANGES_PER_QUERY):
        raw += _fetch(visitor_scans(ranges[start : start + VENUE_RANGES_PER_QUERY]), at=1)
    rows: list[ScanRow] = []
    entries: dict[tuple[str, int, datetime.datetime], VisitorScan] = {}
    id_of: dict[str, str] = {}
    for venue, at, direction, scan_uuid, id_index, phone_index, name in raw:
        scan_uuid = scan_uuid if isinstance(scan_uuid, uuid.UUID) else uuid.UUID(str(scan_uuid))
        key = _visitor_key(at, scan_uuid, id_index, phone_index)
        rows.append(ScanRow(key, venue, at, direction))
        if direction == IN:
            entries[(key, venue, at)] = VisitorScan(
                at, scan_uuid, venue, name or "", bool(phone_index)
            )
        if id_index:
            id_of[key] = id_index
    Resident = apps.get_model("registry", "Resident")
    # The case's own scans from before it was registered are among the visitors' rows (and
    # already among its visits): it never meets itself.
    case_index = (
        Resident.objects.filter(pk=case.resident_id).values_list("id_number_index", flat=True)
    ).first()
    itself = {_visitor_key(None, None, case_index, None)} if case_index else set()
    found = meetings(own, build_visits(rows, params), params, itself)
    registered = registered_as(id_of.values())
    visitors = []
    for key, overlaps in found.items():
        scans = {entries[(key, o.other.venue, o.other.start)] for o in overlaps}
        ordered = sorted(scans, key=lambda s: (s.at, s.uuid))
        visitors.append(Visitor(key, overlaps, ordered, registered.get(id_of.get(key))))
    return sorted(visitors, key=lambda v: (min(o.other.start for o in v.overlaps), v.key))
