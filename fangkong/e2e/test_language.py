"""Language in a real browser: an English-language browser still gets Chinese pages; the menu
offers English by its own name, and the choice sticks, down to a list's yes-or-no filter."""

import pytest

from fangkong.core.testing import factories

from .conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    return factories.build_users(areas)


@pytest.fixture
def english_browser_page(browser, live_server):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


def _admitted_options(pg) -> list[str]:
    return [t.strip() for t in pg.locator("select[name=admitted] option").all_inner_texts()]


def test_chinese_first_then_english_by_choice(english_browser_page, live_server, city):
    pg = english_browser_page
    login(pg, live_server, "command")
    assert pg.locator("html").get_attribute("lang") == "zh-hans"
    pg.goto(f"{live_server.url}/venues/scans/")
    assert _admitted_options(pg) == ["全部", "是", "否"]

    pg.click("nav a.dropdown-toggle:has(i.bi-translate)")
    with pg.expect_navigation():
        pg.click("button[name=language][value=en]:text('English')")
    assert pg.locator("html").get_attribute("lang") == "en"
    assert _admitted_options(pg) == ["All", "Yes", "No"]
    pg.goto(f"{live_server.url}/")  # the choice holds on the next page
    assert pg.locator("html").get_attribute("lang") == "en"
