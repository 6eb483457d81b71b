"""A keyboard-only user: the skip link, and the focus kept after an htmx answer replaced the
element that held it."""

import random

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from fangkong.core.testing import factories
from fangkong.registry import services

from .conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def person(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    return services.create_resident(
        actor=users["command"],
        data={
            "area": areas["grid_a"],
            "name": "键盘甲",
            "id_number": factories.make_id_number(rng=random.Random(7)),
            "phone": factories.make_phone(random.Random(7)),
        },
    )


def _focus_in(page, selector: str) -> bool:
    """Whether the focus is (or, within a second, comes) inside ``selector``: the page moves
    it after htmx settles the swap, a moment after the new content appears."""
    try:
        page.wait_for_function(
            "s => !!document.querySelector(s)"
            " && document.querySelector(s).contains(document.activeElement)",
            arg=selector,
            timeout=1000,
        )
    except PlaywrightTimeout:
        return False
    return True


def test_revealing_by_keyboard_keeps_the_focus_on_the_answer(page, live_server, person):
    """Enter on the reason field swapped the personal-data box: the focus fell to the page's
    body and the next Tab started again at the menu."""
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/registry/residents/{person.pk}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"

    page.focus("#reveal-reason")
    page.keyboard.type("   ")
    page.keyboard.press("Enter")  # a blank reason: the box comes back asking for one
    page.wait_for_selector("#reveal-reason[aria-invalid=true]")
    assert _focus_in(page, "#reveal-reason")

    page.keyboard.type("入户核对")  # typed after the blanks, which the service trims
    page.keyboard.press("Enter")
    page.wait_for_selector("#resident-personal .badge")
    assert _focus_in(page, "#resident-personal")
