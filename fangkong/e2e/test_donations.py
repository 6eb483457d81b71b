"""A donation recorded twice, voided by touch at 360 px: the folded form, the confirm dialog,
the page saying so, and the public receipt check no longer vouching for it."""

import datetime
from decimal import Decimal

import pytest

from fangkong.core.testing import factories
from fangkong.supplies import services
from fangkong.supplies.choices import DonationKind, DonorKind, Unit, WarehouseKind
from fangkong.supplies.models import Donation

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def donation(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    actor = users["command"]
    gloves = services.create_item(
        actor=actor, data={"code": "ST", "name": "医用手套", "unit": Unit.PAIR}
    )
    warehouse = services.create_warehouse(
        actor=actor,
        data={"area": areas["city"], "name": "市应急物资仓库", "kind": WarehouseKind.WAREHOUSE},
    )
    return services.create_donation(
        actor=actor,
        area=areas["city"],
        kind=DonationKind.GOODS,
        donor_kind=DonorKind.PERSON,
        donor_name="王先生",
        date=datetime.date(2020, 2, 14),
        warehouse=warehouse,
        goods=[services.GoodsLine(gloves, Decimal("200"))],
    )


def test_voiding_a_donation_recorded_twice_on_a_phone(page, live_server, donation):
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/supplies/donations/{donation.pk}/")
    form = page.locator("main form[action$='/void/']")
    assert not form.is_visible()
    page.locator("main details summary", has_text="撤销捐赠登记").click()
    form.locator("input[name=reason]").fill("重复登记")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.message), d.accept()))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert asked and asked[0].startswith("确定撤销这笔捐赠登记？")
    assert "已撤销捐赠登记" in page.locator(".alert-success").inner_text()
    assert "重复登记" in page.locator("main").inner_text()
    assert page.locator("main form[action$='/void/']").count() == 0
    assert page.locator("a[href$='/receipt.pdf']").count() == 0
    assert Donation.objects.get(pk=donation.pk).voided_at is not None
    no_sideways_scroll(page)
    shot(page, "donation-voided-phone")

    page.goto(f"{live_server.url}/supplies/receipts/{donation.receipt_code}/")
    assert "收据无效" in page.locator("main").inner_text()
