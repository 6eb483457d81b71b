"""Every figure of the registry equals a direct count over the records of a generated city,
for every area a user may see, and the sub-area comparison adds up to the same counts."""

import datetime

import pytest
from django.utils import timezone

from fangkong.areas.models import Area
from fangkong.dashboard.figures import (
    REGISTRY,
    Moment,
    figure_values,
    figure_values_by_child,
)
from fangkong.dashboard.testing import generate_city_records
from fangkong.status.clock import local_date

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


def direct_count(figure, area: Area, day: datetime.date) -> int:
    """The records of the figure's model whose area lies under ``area``, walked in Python,
    that match its condition: independent of the SQL scoping, grouping and roll-up."""
    model = figure.model_class
    matching = model.objects.filter(figure.condition(Moment.of(day)))
    return sum(1 for obj in matching if _area_of(obj, model.scope_field).path.startswith(area.path))


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


def test_figures_are_scoped_to_the_user(city, areas, users):
    """A community's user counts its community only, even when asking for the city."""
    mine = figure_values(users["community"], areas["city"], city)
    assert mine == figure_values(users["command"], areas["community"], city)
