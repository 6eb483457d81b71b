"""The command dashboard at PC and phone widths: figures, drill-down, trends, no outside
requests (the page fixture fails on any)."""

import pytest
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.dashboard.figures import figure_values
from fangkong.dashboard.testing import generate_city_records
from fangkong.status.clock import local_date

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    day = local_date(timezone.now())
    generate_city_records([areas["grid_a"], areas["grid_b"], areas["grid_c"]], day)
    return areas, users, day


def _number(text: str) -> int:
    """A figure as the page shows it: digits grouped by three (1,234)."""
    return int(text.replace(",", ""))


def test_dashboard_on_pc_then_phone(page, live_server, city):
    areas, users, day = city
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/dashboard/")
    values = figure_values(users["command"], areas["city"], day)
    shown = page.locator("#figures [data-figure=cases_new] a").inner_text()
    assert _number(shown) == values["cases_new"]
    assert page.locator("#trends svg.fk-chart").count() == 4
    assert page.locator("#comparison tbody tr").count() == 2
    shot(page, "dashboard-pc")
    # Drill down to 仁和区: its figures, and the breadcrumb back up to the city.
    page.click("#comparison a:text('仁和区')")
    page.wait_for_url(lambda url: f"/dashboard/area/{areas['renhe'].pk}/" in url)
    renhe = figure_values(users["command"], areas["renhe"], day)
    shown = page.locator("#figures [data-figure=scans_today] a").inner_text()
    assert _number(shown) == renhe["scans_today"]
    assert page.locator(".breadcrumb a:text('攀枝花市')").count() == 1
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/dashboard/")
    no_sideways_scroll(page)
    shot(page, "dashboard-phone")


def test_report_template_on_a_phone(page, live_server, city):
    """一表通 at phone width: build a template row by row, reorder it, save, then download
    the daily report filled from it."""
    import io
    from pathlib import Path

    from openpyxl import load_workbook

    page.set_default_timeout(60_000)  # the shared machine can be slow to answer
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/dashboard/templates/")
    page.click("a:text('新增')")
    page.fill("#id_name", "卫健委")
    page.fill("#id_title", "卫健委疫情日报")
    page.select_option("#id_items-0-key", "quarantined")
    page.click("#add-row")
    page.select_option("#id_items-1-key", "cases_new")
    page.fill("#id_items-1-label", "新增")
    page.click("[data-row='1'] button[value='up-1']")
    assert page.locator("#id_items-0-key").input_value() == "cases_new"
    assert page.locator("#id_items-0-label").input_value() == "新增"
    no_sideways_scroll(page)
    shot(page, "report-template-phone")
    page.click("#save-template")
    page.wait_for_url(lambda url: "/dashboard/templates/" in url and "/add/" not in url)
    assert "已保存" in page.content()
    page.click("#template-download")
    assert page.locator("#id_template").input_value() == "卫健委"
    with page.expect_download() as info:
        page.click("#report-form button[type=submit]")
    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
    assert ws["A1"].value == "卫健委疫情日报"
    labels = [r[0] for r in ws.iter_rows(min_row=5, values_only=True) if r[0]]
    assert labels[:4] == ["病例", "新增", "隔离与监测", "隔离中人员"]


def test_home_today_panel_on_a_phone_leads_to_its_list(page, live_server, city):
    """A grid worker's home page: 今日防控 of their own grid, and a figure opens the list it
    counts (the red people of that grid, as many as the figure says)."""
    from fangkong.dashboard.views import HOME_FIGURES

    areas, users, day = city
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/")
    values = figure_values(users["grid_a"], areas["grid_a"], day, list(HOME_FIGURES))
    panel = page.locator("#home-today")
    assert "第一网格" in panel.locator("h2").inner_text()
    for key in HOME_FIGURES:
        shown = panel.locator(f"[data-figure={key}] .fs-5").inner_text()
        assert _number(shown) == values[key], key
    assert values["status_red"] > 0  # the generated grid has red people to follow
    no_sideways_scroll(page)
    shot(page, "home-today-phone")
    panel.locator("[data-figure=status_red]").click()
    page.wait_for_url(lambda url: "/status/" in url and "colour=red" in url)
    rows = page.locator("table tbody tr")
    assert rows.count() == values["status_red"]
    assert all("红" in rows.nth(i).inner_text() for i in range(rows.count()))


def test_comparison_keeps_area_names_in_view_when_scrolled_on_a_phone(page, live_server, city):
    """The sub-area comparison (an area's sub-areas × every figure) scrolls sideways on a
    phone; scrolled to its last columns, the area names stay at the left edge (they
    scrolled away, leaving numbers without their areas)."""
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/dashboard/")
    table = page.locator("#comparison")
    table.scroll_into_view_if_needed()
    page.evaluate(
        "() => { const s = document.querySelector('#comparison').closest('.table-responsive');"
        " s.scrollLeft = s.scrollWidth; }"
    )
    name = page.locator("#comparison tbody tr").first.locator("th")
    box = name.bounding_box()
    assert box is not None and 0 <= box["x"] < 20
    # Nothing drawn over it: the topmost element at its centre is the name's cell.
    on_top = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('th') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert on_top
    shot(page, "dashboard-comparison-scrolled-phone")
