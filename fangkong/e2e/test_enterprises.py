"""A stationed liaison officer files an inspection from a phone (驻企防疫联络员)."""

import pytest

from fangkong.core.testing import factories
from fangkong.enterprises.models import Inspection
from fangkong.enterprises.testing import make_enterprise, make_liaison

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def stationed(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    ent = make_enterprise(users["community"], areas["grid_a"], name="金华车辆有限公司")
    make_enterprise(users["community"], areas["grid_b"], name="攀钢配件厂")
    make_liaison(users["community"], ent, area=areas["community"], username="liuhongmei")
    return ent


def test_liaison_files_inspection_on_a_phone(page, live_server, stationed):
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, live_server, "liuhongmei")
    # The home page lists only the liaison's own enterprise.
    page.click("text=金华车辆有限公司")
    assert page.locator("text=攀钢配件厂").count() == 0
    page.click("main a[href$='/inspections/add/']")
    page.check("input[name=masks_worn]")
    page.check("input[name=temperature_checked]")
    page.check("input[name=disinfection_done]")
    page.fill("textarea[name=notes]", "进厂测温登记规范")
    page.fill("textarea[name=problems]", "食堂未错峰就餐\n隔离观察室未配备体温计")
    no_sideways_scroll(page)
    shot(page, "enterprise-inspection-phone")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/enterprises/inspections/" in url)
    assert "食堂未错峰就餐" in page.inner_text("main")
    inspection = Inspection.objects.get()
    assert (inspection.enterprise, inspection.passed_count) == (stationed, 3)
    assert list(inspection.problems.order_by("id").values_list("description", flat=True)) == [
        "食堂未错峰就餐",
        "隔离观察室未配备体温计",
    ]
    shot(page, "enterprise-inspection-filed-phone")
