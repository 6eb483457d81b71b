"""Every list and every record's page on a phone: nothing runs past the right edge of a
375 px screen (a table may scroll inside its own box; the page itself never scrolls
sideways)."""

import pytest
from django.apps import apps

from fangkong.areas.models import Area
from fangkong.core.testing import builders, factories, urlmap
from fangkong.status.testing import make_resident

from .conftest import login

pytestmark = pytest.mark.browser

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const page = document.documentElement.scrollWidth - width;
  const past = [...document.querySelectorAll('main *')]
    .filter(e => !e.closest('.table-responsive') && e.getBoundingClientRect().right > width + 0.5)
    .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + e.className);
  return [page, past];
}"""


@pytest.fixture
def pages(transactional_db):
    areas = factories.build_city()
    factories.build_users(areas)
    paths = []
    for label, endpoints in sorted(urlmap.model_endpoints().items()):
        obj = builders.build(apps.get_model(label), areas["grid_a"])
        paths += endpoints.get("html_list", [])
        paths += [urlmap.with_pk(path, obj.pk) for path in endpoints.get("html_detail", [])]
    return sorted(set(paths))


def test_no_page_runs_past_a_phones_edge(page, live_server, pages):
    assert len(pages) > 60
    login(page, live_server, "command")
    page.set_viewport_size({"width": 375, "height": 740})
    problems = {}
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        overflow, past = page.evaluate(OVERFLOW)
        if overflow > 0 or past:
            problems[path] = (overflow, past)
    assert problems == {}


EMPTY_MESSAGE = """() => {
  const cell = document.querySelector('main tbody tr > td[colspan]:only-child');
  const range = document.createRange();
  range.selectNodeContents(cell);
  const r = range.getBoundingClientRect();
  return [r.left, r.right, document.documentElement.clientWidth];
}"""


@pytest.fixture
def city(transactional_db):
    return factories.build_users(factories.build_city())


def test_an_empty_lists_message_is_on_screen(page, live_server, city):
    """An empty list says so where a phone shows it: the message is one cell across a table
    wider than the screen, and centred it sat past the right edge (in English, whose column
    names are longer), the list looking blank."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    login(page, live_server, "grid_a")
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/volunteers/tasks/", "/health/assignments/"):
        page.goto(f"{live_server.url}{path}")
        assert "No matching records" in page.inner_text("main tbody"), path
        left, right, width = page.evaluate(EMPTY_MESSAGE)
        assert left >= 0 and right <= width, (path, left, right, width)


BROKEN_LABELS = """() => {
  const canvas = document.createElement('canvas').getContext('2d');
  const broken = [];
  for (const dt of document.querySelectorAll('main dl.row > dt')) {
    const style = getComputedStyle(dt);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = dt.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const word of dt.innerText.split(/[\\s/]+/)) {
      if (canvas.measureText(word).width > room + 0.5) broken.push(word);
    }
  }
  return broken;
}"""


def test_english_labels_of_a_record_are_not_broken_mid_word(page, live_server, city):
    """A record's page in English on a phone: the labels beside the values had a third of
    the width, and Households, Quarantine/monitoring place broke inside their words."""
    resident = make_resident(Area.objects.get(code="510411001001G01"), name="侯凤")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    login(page, live_server, "grid_a")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/registry/residents/{resident.pk}/")
    assert "Households" in page.inner_text("main dl.row")
    assert page.evaluate(BROKEN_LABELS) == []
