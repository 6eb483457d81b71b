"""The comparison across sub-areas adds up: records of the area itself (a street's own road
checkpoint, a city's own warehouse or fund) get their own row, on the dashboard and in the
daily report's sheet of sub-areas."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.dashboard.figures import REGISTRY, figure_table
from fangkong.dashboard.report import build_report, default_template, render_xlsx
from fangkong.dashboard.testing import generate_city_records
from fangkong.status.clock import local_date

pytestmark = pytest.mark.django_db

# Not sums over areas: items held anywhere, a percentage, areas covered by inspection groups.
NOT_ADDITIVE = {
    "stock_items",
    "screening_coverage",
    "supervision_streets",
    "supervision_villages",
    "supervision_communities",
}


@pytest.fixture
def day(areas, users):
    """Records in the grids and in the street itself (its road checkpoint, its warehouse…)."""
    day = local_date(timezone.now())
    generate_city_records([areas["grid_a"], areas["grid_b"], areas["street"]], day)
    return day


def test_rows_add_up_to_the_area_with_a_row_of_its_own(day, areas, users):
    values, rows = figure_table(users["command"], areas["street"], day, children=True)
    assert [r["area"] for r in rows] == [areas["community"], areas["street"]]
    assert [r["own"] for r in rows] == [False, True]
    summed = [k for k in REGISTRY if k not in NOT_ADDITIVE]
    assert any(rows[1][k] for k in summed)
    for key in summed:
        assert sum((Decimal(r[key]) for r in rows), Decimal(0)) == values[key], key
    # An area without records of its own has no such row.
    _values, rows = figure_table(users["command"], areas["community"], day, children=True)
    assert [r["own"] for r in rows] == [False, False]


def test_dashboard_and_report_show_the_own_row(client, day, areas, users):
    client.force_login(users["command"])
    page = client.get(reverse("dashboard:area", args=[areas["street"].pk])).content.decode()
    assert 'data-own="1"' in page and "仁和街道本级" in page
    report = build_report(users["command"], areas["street"], day, default_template())
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(report)))["下级区域"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "海棠花语社区",
        "仁和街道本级",
    ]
