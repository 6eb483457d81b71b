"""What users see in a real browser: sign-in per role, search, language, import, phone layout."""

import random

import openpyxl
import pytest

from fangkong.core.testing import factories
from fangkong.registry import services
from fangkong.registry.models import Resident

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    rng = random.Random(2020)
    for name, grid in [("张三", "grid_a"), ("李四", "grid_a"), ("张三丰", "grid_b")]:
        services.create_resident(
            actor=users["command"],
            data={
                "area": areas[grid],
                "name": name,
                "id_number": factories.make_id_number(rng=rng),
                "phone": factories.make_phone(rng),
            },
        )
    return areas, users


def _search(page, q):
    # The table is swapped in by htmx after the answer: read it only once that has settled
    # (a loaded machine showed the list from before the search).
    with page.expect_response(lambda r: r.request.method == "POST" and "/residents/" in r.url):
        page.fill("#id_q", q)
        page.press("#id_q", "Enter")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    return sorted(page.locator("#object-table tbody tr td:first-child").all_inner_texts())


def test_grid_worker_searches_by_pinyin_initials_and_traditional_characters(
    page, live_server, city
):
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/registry/residents/")
    assert _search(page, "zs") == ["张三"]  # 张三丰 lives in another grid
    assert "zs" not in page.url and "search=" in page.url  # the term stays out of the URL
    assert _search(page, "張三") == ["张三"]
    shot(page, "resident-list-search")


def test_export_after_a_search_holds_what_the_list_shows(page, live_server, city, tmp_path):
    """The search swaps in only the table; the export link follows it (out of band)."""
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/registry/residents/")
    assert _search(page, "zs") == ["张三", "张三丰"]
    with page.expect_download() as download:
        page.click("#list-export")
    download.value.save_as(tmp_path / "residents.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "residents.xlsx", read_only=True)
    names = sorted(row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True))
    assert names == ["张三", "张三丰"]


def test_each_role_lands_on_its_home_page(page, live_server, city):
    for username, visible in [("command", "张三丰"), ("grid_b", "张三丰")]:
        login(page, live_server, username)
        page.goto(f"{live_server.url}/registry/residents/")
        assert visible in page.inner_text("#object-table")
        page.context.clear_cookies()
    login(page, live_server, "volunteer")
    response = page.goto(f"{live_server.url}/registry/residents/")
    assert response.status == 403
    shot(page, "volunteer-forbidden")


def test_language_switch_to_traditional_and_english(page, live_server, city):
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    for code in ("zh-hant", "en"):
        page.click("a.dropdown-toggle:has(.bi-translate) >> nth=0")
        page.click(f"button[name=language][value={code}] >> visible=true")
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.lang") == code
        shot(page, f"home-{code}")
    assert "Residents" in page.inner_text("body") or "Resident" in page.inner_text("body")


def test_import_workbook_preview_confirm_and_progress(page, live_server, city, tmp_path):
    areas, _ = city
    rng = random.Random(7)
    rows = "\n".join(
        f"新居民{i},{factories.make_id_number(rng=rng)},{areas['grid_a'].code}" for i in range(30)
    )
    path = tmp_path / "名单.csv"
    path.write_text("姓名,身份证号,网格\n" + rows + "\n", encoding="utf-8-sig")
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/registry/residents/import/")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=area]", str(areas["community"].pk))
    page.click("form button[type=submit] >> visible=true")
    page.wait_for_selector("text=确认导入")
    shot(page, "import-preview")
    assert Resident.objects.count() == 3  # the preview wrote nothing
    assert page.inner_text("[data-count=created]") == "30"
    page.click("text=确认导入")
    page.wait_for_selector("text=导入完成。")
    assert page.inner_text("[data-count=created]") == "30"
    shot(page, "import-result")
    assert Resident.objects.count() == 33


def test_resident_list_fits_a_phone(page, live_server, city):
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/registry/residents/")
    no_sideways_scroll(page)
    shot(page, "resident-list-phone")
