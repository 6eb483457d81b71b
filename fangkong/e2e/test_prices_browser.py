"""A grid worker reports today's prices from a phone; a price rise shows as an alert."""

import datetime

import pytest
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.prices import services
from fangkong.prices.models import PriceLine, PriceReport

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def market(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    actor = users["command"]
    pork = services.create_commodity(actor=actor, data={"name": "猪肉", "category": "meat"})
    services.create_commodity(actor=actor, data={"name": "大白菜", "category": "vegetable"})
    m = services.create_market(
        actor=actor, data={"area": areas["grid_a"], "name": "吉靓轩超市", "kind": "supermarket"}
    )
    today = timezone.localdate()
    for n in range(1, 8):  # a week of pork at 26 元/斤
        day = today - datetime.timedelta(days=n)
        services.submit_price_report(
            actor=actor, market=m, date=day, today=day, prices={pork.pk: ("26", "")}
        )
    return m, pork


def test_phone_price_report_then_alert(page, live_server, market):
    m, pork = market
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "grid_a")
    page.goto(f"{live_server.url}/prices/markets/{m.pk}/report/")
    # One form with every necessity; the page fits the phone's width.
    assert page.locator("#price-report .card").count() == 2
    no_sideways_scroll(page)
    page.fill(f"#id_price_{pork.pk}", "-5")
    page.click("#price-report button[type=submit]")
    page.wait_for_load_state("load")
    assert page.locator("#price-report .invalid-feedback").count() == 1
    assert PriceReport.objects.filter(date=timezone.localdate()).count() == 0
    page.fill(f"#id_price_{pork.pk}", "30.50")
    page.fill(f"#id_stock_{pork.pk}", "420")
    shot(page, "price-report-phone")
    page.click("#price-report button[type=submit]")
    page.wait_for_url(lambda url: url.endswith(f"/prices/markets/{m.pk}/report/"))
    assert "今日已填报" in page.inner_text("main")
    line = PriceLine.objects.get(date=timezone.localdate())
    assert (str(line.price), str(line.stock)) == ("30.50", "420.00")
    page.goto(f"{live_server.url}/prices/alerts/")
    row = page.locator("#object-table tbody tr").first.inner_text()
    assert "猪肉" in row and "17.3" in row
    shot(page, "price-alerts-phone")
