"""The grouped navbar on a phone: a grid worker opens the menu and reaches a list from it."""

import pytest

from fangkong.core.testing import factories

from .conftest import login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    return factories.build_users(areas)


def test_grouped_menu_at_phone_width(page, live_server, city):
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "grid_a")
    page.click("button.navbar-toggler")
    menus = page.locator("#mainNav > ul.me-auto > li.dropdown > a.dropdown-toggle")
    menus.first.wait_for()
    labels = [t.strip() for t in menus.all_inner_texts()]
    assert 1 <= len(labels) <= 8 and labels[0] == "人口与排查"
    page.click("#mainNav a.dropdown-toggle:text('人口与排查')")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    shot(page, "navbar-grid-worker-phone")
    with page.expect_navigation():
        page.click("#mainNav a.dropdown-item:text('居民')")
    assert page.url.endswith("/registry/residents/")
