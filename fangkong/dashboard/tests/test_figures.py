"""Every figure of the registry equals a direct count over the records of a generated city,
for every area a user may see, and the sub-area comparison adds up to the same counts."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.dashboard.figures import (
    PRICE_ALERT_DAYS,
    REGISTRY,
    Moment,
    figure_table,
    figure_values,
    figure_values_by_child,
)
from fangkong.dashboard.testing import generate_city_records
from fangkong.dashboard.tests.test_seed_figures import SEED_FIGURES
from fangkong.dashboard.trends import trend_series
from fangkong.pairing.models import SERVING, Pairing
from fangkong.prices.models import PriceLine
from fangkong.prices.selectors import price_alerts
from fangkong.registry.models import Household
from fangkong.screening.models import Campaign, Visit
from fangkong.status.clock import local_date
from fangkong.status.models import PersonStatus
from fangkong.supplies.models import Movement
from fangkong.supplies.selectors import low_stock_alerts
from fangkong.venues.models import Scan
from fangkong.venues.partitioning import MAINTENANCE_SETTING
from fangkong.volunteers.models import Shift

pytestmark = pytest.mark.django_db

GRIDS = ("grid_a", "grid_b", "grid_c")


@pytest.fixture
def city(areas, users):
    day = local_date(timezone.now())
    generate_city_records([areas[g] for g in GRIDS], day)
    return day


def _area_of(obj, scope_field: str) -> Area:
    for part in scope_field.split("__"):
        obj = getattr(obj, part)
    return obj


# Figures read from per-day counts: the scans they count, by the local day's bounds.
SCAN_FIGURES = {"scans_today": Q(), "scans_refused": Q(admitted=False)}


def direct_count(figure, area: Area, day: datetime.date) -> int:
    """The records of the figure's model whose area lies under ``area``, walked in Python,
    that match its condition: independent of the SQL scoping, grouping and roll-up. Scan
    and status figures count the scans and statuses themselves, not the counts kept of them."""
    model = figure.model_class
    if figure.model == "status.ColourCount":  # the statuses, not the counts kept of them
        model = PersonStatus
        matching = PersonStatus.objects.filter(figure.condition(Moment.of(day)))
    elif figure.key in SCAN_FIGURES:
        m = Moment.of(day)
        model = Scan
        matching = Scan.objects.filter(
            SCAN_FIGURES[figure.key], scanned_at__gte=m.begin, scanned_at__lt=m.end
        )
    else:
        matching = model.objects.filter(figure.condition(Moment.of(day)))
    inside = [o for o in matching if _area_of(o, model.scope_field).path.startswith(area.path)]
    if figure.count_field != "pk":  # persons: each once
        return len({getattr(obj, f"{figure.count_field}_id") for obj in inside})
    return len(inside)


COUNTS = sorted(k for k, f in REGISTRY.items() if f.is_count)


def test_every_model_has_records(city):
    for figure in map(REGISTRY.get, COUNTS):
        assert figure.model_class.objects.exists(), figure.key


@pytest.mark.parametrize("key", COUNTS)
def test_figure_equals_direct_count(city, areas, users, key):
    figure = REGISTRY[key]
    for day in (city, city - datetime.timedelta(days=2)):
        for name in ("city", "renhe", "community", "grid_a", "miyi"):
            value = figure_values(users["command"], areas[name], day, [key])[key]
            assert value == direct_count(figure, areas[name], day), (name, day)


def test_some_figures_differ_by_day(city, areas, users):
    """The generated city moves over the days, so the as-of conditions are exercised."""
    today = figure_values(users["command"], areas["city"], city)
    earlier = figure_values(users["command"], areas["city"], city - datetime.timedelta(days=2))
    assert any(today[k] != earlier[k] for k in REGISTRY if REGISTRY[k].as_of)
    assert sum(today.values()) > 0


def test_comparison_rows_are_the_children_figures(city, areas, users):
    rows = figure_values_by_child(users["command"], areas["city"], city)
    assert [r["area"] for r in rows] == [areas["renhe"], areas["miyi"]]
    for row in rows:
        assert {k: row[k] for k in REGISTRY} == figure_values(users["command"], row["area"], city)


def test_scan_figures_stay_right_after_a_purge(city, areas, users):
    """Retention purges a past day's scans; the per-day counts kept at ingest still give
    that day's figures, its trend point and its comparison row."""
    day = city - datetime.timedelta(days=2)
    keys = list(SCAN_FIGURES)
    before = figure_table(users["command"], areas["city"], day, keys, children=True)
    assert before[0]["scans_today"] == direct_count(REGISTRY["scans_today"], areas["city"], day)
    assert before[0]["scans_today"] > before[0]["scans_refused"] > 0
    trend = trend_series(users["command"], areas["city"], city, 3, ["scans_today"])
    gone = Scan.objects.filter(scanned_at__lt=Moment.of(day).end)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Retention drops whole monthly partitions there; the append-only trigger refuses
            # row deletes but for the maintenance setting partition moves use.
            cursor.execute(f"SET LOCAL {MAINTENANCE_SETTING} = 'on'")
        assert gone._raw_delete(gone.db) > 0  # as retention does: no per-row delete
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL {MAINTENANCE_SETTING} = 'off'")
    assert figure_table(users["command"], areas["city"], day, keys, children=True) == before
    assert trend_series(users["command"], areas["city"], city, 3, ["scans_today"]) == trend


def test_comparison_adds_no_queries_per_sub_area(city, areas, users):
    """The sub-areas' figures come from the area's own grouped queries: asking for them adds
    the area tree (two queries) and the inspection-group check, not queries per sub-area."""
    for name in ("city", "renhe", "community"):
        with CaptureQueriesContext(connection) as alone:
            figure_table(users["command"], areas[name], city)
        with CaptureQueriesContext(connection) as both:
            values, rows = figure_table(users["command"], areas[name], city, children=True)
        assert rows and values == figure_values(users["command"], areas[name], city)
        assert len(both) <= len(alone) + 3, (name, len(alone), len(both))


def test_figures_are_scoped_to_the_user(city, areas, users):
    """A community's user counts its community only, even when asking for the city."""
    mine = figure_values(users["community"], areas["city"], city)
    assert mine == figure_values(users["command"], areas["community"], city)


# --- figures that are not plain counts: each against a walk over the records in Python ----


def _records(model, area: Area, keep=lambda obj: True) -> list:
    return [
        obj
        for obj in model.objects.all()
        if _area_of(obj, model.scope_field).path.startswith(area.path) and keep(obj)
    ]


def _screening(area: Area, day: datetime.date) -> tuple[int, int]:
    """(targeted, visited) households over the campaigns running at the day's end."""
    end = Moment.of(day).end
    households = _records(Household, area)
    visits = [v for v in Visit.objects.all() if v.visited_at < end]
    targeted = visited = 0
    for c in Campaign.objects.all():
        if c.starts_on > day or (c.closed_at is not None and c.closed_at < end):
            continue
        for h in households:
            if h.area.path.startswith(c.area.path):
                targeted += 1
                mine = [v for v in visits if v.campaign_id == c.pk and v.household_id == h.pk]
                # found in or moved out once: done, whatever a later visit found
                visited += any(v.outcome in ("visited", "vacant") for v in mine)
    return targeted, visited


def _percent(area, day):
    targeted, visited = _screening(area, day)
    return (Decimal(visited * 100) / targeted).quantize(Decimal("0.1")) if targeted else 0


def _hours(area, day, *, whole_day: bool) -> Decimal:
    m = Moment.of(day)
    since = m.begin if whole_day else None
    minutes = sum(
        s.minutes
        for s in _records(Shift, area)
        if s.ended_at is not None and s.ended_at < m.end and (since is None or s.ended_at >= since)
    )
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def _stock_items(area, day) -> int:
    end = Moment.of(day).end
    on_hand: dict[int, Decimal] = defaultdict(Decimal)
    for row in _records(Movement, area, lambda r: r.occurred_at < end):
        on_hand[row.item_id] += row.quantity
    return sum(1 for q in on_hand.values() if q > 0)


def _stock_low(area, day) -> int:
    """The supplies app's rule over the ledger rows picked here, up to the day's end."""
    end = Moment.of(day).end
    rows = _records(Movement, area, lambda r: r.occurred_at < end)
    return len(low_stock_alerts(Movement.objects.filter(pk__in=[r.pk for r in rows]), today=day))


def _alerts(days: int):
    def direct(area, day) -> int:
        lines = PriceLine.objects.filter(pk__in=[r.pk for r in _records(PriceLine, area)])
        since = day - datetime.timedelta(days=days - 1)
        return len(price_alerts(lines, since=since, until=day))

    return direct


def _paired(area, day, *, covered: bool) -> int:
    """Households under ``area`` a serving party member looks after, itself or by its
    building (``pairing_covered``), or the others (``pairing_uncovered``)."""
    serving = [p for p in Pairing.objects.all() if p.volunteer.state in SERVING]
    homes = {p.household_id for p in serving if p.household_id}
    buildings = {p.building_id for p in serving if p.building_id}
    return sum(
        (h.pk in homes or h.building_id in buildings) == covered for h in _records(Household, area)
    )


DIRECT_VALUES = {
    "pairing_covered": lambda a, d: _paired(a, d, covered=True),
    "pairing_uncovered": lambda a, d: _paired(a, d, covered=False),
    "screening_households": lambda a, d: _screening(a, d)[0],
    "screening_visited": lambda a, d: _screening(a, d)[1],
    "screening_coverage": _percent,
    "volunteer_hours_day": lambda a, d: _hours(a, d, whole_day=True),
    "volunteer_hours_total": lambda a, d: _hours(a, d, whole_day=False),
    "stock_items": _stock_items,
    "stock_low": _stock_low,
    "price_alerts_day": _alerts(1),
    "price_alerts_open": _alerts(PRICE_ALERT_DAYS),
}


def test_every_value_figure_is_checked():
    """A figure that is not a plain count is checked here or by the seed 003/004 test."""
    values = {k for k, f in REGISTRY.items() if not f.is_count}
    assert values == set(DIRECT_VALUES) | set(SEED_FIGURES)


@pytest.mark.parametrize("key", sorted(DIRECT_VALUES))
def test_value_figure_equals_direct_computation(city, areas, users, key):
    for day in (city, city - datetime.timedelta(days=2)):
        for name in ("city", "renhe", "community", "grid_a", "miyi"):
            value = figure_values(users["command"], areas[name], day, [key])[key]
            assert value == DIRECT_VALUES[key](areas[name], day), (name, day)


def test_value_figures_are_not_all_zero(city, areas, users):
    values = figure_values(users["command"], areas["city"], city, list(DIRECT_VALUES))
    assert all(values[k] for k in DIRECT_VALUES if k != "price_alerts_day"), values
