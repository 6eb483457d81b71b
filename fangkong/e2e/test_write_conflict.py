"""Two people save the same market at the same moment: the second save passed the service's
check before the first committed, and the database's unique constraint refuses it. On a
phone, the user sees a page in Chinese saying nothing was saved and what to do, with the way
back to the form, not a server error."""

import pytest
from playwright.sync_api import expect

from fangkong.core import services as core_services
from fangkong.core.testing import factories
from fangkong.prices import services
from fangkong.prices.models import Market

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    return areas, factories.build_users(areas)


def test_a_save_the_database_refuses_in_a_race_is_a_page_with_the_way_back(
    page, live_server, city, monkeypatch
):
    areas, users = city
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/prices/markets/add/")
    form_url = page.url
    page.select_option("select[name=area]", str(areas["grid_a"].pk))
    page.fill("input[name=name]", "吉靓轩超市")
    page.select_option("select[name=kind]", "supermarket")
    # The service's check finds no such market; the other person's save commits right after.
    check = core_services.refuse_duplicate

    def other_saves_meanwhile(qs, **kw):
        check(qs, **kw)
        monkeypatch.setattr(core_services, "refuse_duplicate", check)
        data = {"area": areas["grid_a"], "name": "吉靓轩超市", "kind": "supermarket"}
        services.create_market(actor=users["command"], data=data)

    monkeypatch.setattr(core_services, "refuse_duplicate", other_saves_meanwhile)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("main form button[type=submit]")
    assert answer.value.status == 409
    page.wait_for_load_state("load")
    assert page.inner_text("h1") == "提交未能保存"
    assert "有人刚刚保存了相同的记录，本次提交未能保存" in page.inner_text("main")
    no_sideways_scroll(page)
    shot(page, "write-conflict-phone")
    assert Market.objects.filter(name="吉靓轩超市").count() == 1

    page.click("text=返回")  # the form again (the 409 answered its own address)
    expect(page.locator("main form input[name=name]")).to_have_count(1)
    assert page.url == form_url
