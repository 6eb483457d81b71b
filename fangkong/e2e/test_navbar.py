"""The grouped navbar on a phone: a grid worker opens the menu and reaches a list from it."""

import pytest

from fangkong.core.testing import factories

from .conftest import login, no_sideways_scroll, shot

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
    no_sideways_scroll(page)
    shot(page, "navbar-grid-worker-phone")
    with page.expect_navigation():
        page.click("#mainNav a.dropdown-item:text('居民')")
    assert page.url.endswith("/registry/residents/")


# Each top-level label of the menu on one line, and nothing off the right edge: the common
# PC widths (1366 is most cheap laptops), in Chinese and in the much longer English.
WRAPPED_LABELS = """
() => [...document.querySelectorAll('#mainNav .nav-link')].filter(a => {
  const tops = new Set();
  const walk = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
  for (let t = walk.nextNode(); t; t = walk.nextNode()) {
    if (!t.textContent.trim() || t.parentElement.closest('.visually-hidden')) continue;
    const r = document.createRange(); r.selectNodeContents(t);
    for (const x of r.getClientRects()) tops.add(Math.round(x.top));
  }
  return tops.size > 1;
}).map(a => a.innerText.trim())
"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("width", [1024, 1280, 1366, 1920])
def test_menu_fits_pc_widths(page, live_server, city, width, language):
    page.set_viewport_size({"width": width, "height": 800})
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    login(page, live_server, "command")
    no_sideways_scroll(page)
    if page.locator("button.navbar-toggler").is_visible():
        page.click("button.navbar-toggler")
        page.locator("#mainNav.show").wait_for()
    assert page.evaluate(WRAPPED_LABELS) == []
    no_sideways_scroll(page)
