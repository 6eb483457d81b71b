"""The command dashboard at PC and phone widths: figures, drill-down, trends, no outside
requests (the page fixture fails on any)."""

import pytest
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.dashboard.figures import figure_values
from fangkong.dashboard.testing import generate_city_records
from fangkong.status.clock import local_date

from .conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    day = local_date(timezone.now())
    generate_city_records([areas["grid_a"], areas["grid_b"], areas["grid_c"]], day)
    return areas, users, day


def test_dashboard_on_pc_then_phone(page, live_server, city):
    areas, users, day = city
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/dashboard/")
    values = figure_values(users["command"], areas["city"], day)
    shown = page.locator("#figures [data-figure=cases_new] a").inner_text()
    assert int(shown) == values["cases_new"]
    assert page.locator("#trends svg.fk-chart").count() == 4
    assert page.locator("#comparison tbody tr").count() == 2
    shot(page, "dashboard-pc")
    # Drill down to 仁和区: its figures, and the breadcrumb back up to the city.
    page.click("#comparison a:text('仁和区')")
    page.wait_for_url(lambda url: f"/dashboard/area/{areas['renhe'].pk}/" in url)
    renhe = figure_values(users["command"], areas["renhe"], day)
    shown = page.locator("#figures [data-figure=scans_today] a").inner_text()
    assert int(shown) == renhe["scans_today"]
    assert page.locator(".breadcrumb a:text('攀枝花市')").count() == 1
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/dashboard/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "dashboard-phone")
