"""批量导入入库单 in a real browser, at phone width: the community keeper uploads the delivery
note kept in Excel. A line with an item code not in the catalogue is refused by row and
column and nothing is received; the corrected note is checked, then received; the same note
uploaded again receives nothing twice."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from fangkong.supplies import selectors, services
from fangkong.supplies.choices import Unit, WarehouseKind
from fangkong.supplies.models import Lot, Movement

from .conftest import login, shot

pytestmark = pytest.mark.browser

HEADER = ["入库单号", "入库日期", "库点", "物资编码", "数量", "单位"]


@pytest.fixture
def store(city):
    areas, users = city
    actor = users["command"]
    masks = services.create_item(
        actor=actor,
        data={
            "code": "KZ",
            "name": "医用口罩",
            "unit": Unit.PIECE,
            "alt_unit": Unit.BOX,
            "alt_factor": Decimal("50"),
        },
    )
    gloves = services.create_item(
        actor=actor, data={"code": "ST", "name": "医用手套", "unit": Unit.PAIR}
    )
    place = services.create_warehouse(
        actor=actor,
        data={"area": areas["community"], "name": "海棠花语社区", "kind": WarehouseKind.COMMUNITY},
    )
    return place, masks, gloves


def _note(tmp_path, name, lines):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["海棠花语社区物资入库单"])  # the title row above the header
    ws.append(HEADER)
    day = timezone.localdate() - datetime.timedelta(days=1)
    for line in lines:
        ws.append(["RK-0214", day, "海棠花语社区", *line])
    path = tmp_path / name
    wb.save(path)
    return path


def _upload(page, live_server, path):
    page.goto(f"{live_server.url}/supplies/movements/")
    page.click("main a[href$='/supplies/movements/import/']")
    page.set_input_files("input[name=file]", str(path))
    page.click("form button[type=submit] >> visible=true")
    page.wait_for_selector("[data-count=total]")


def test_a_keeper_receives_a_delivery_note_once_on_a_phone(page, live_server, store, tmp_path):
    place, masks, gloves = store
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "community")

    _upload(page, live_server, _note(tmp_path, "a.xlsx", [["KZ", 2, "箱"], ["XX-9", 30, ""]]))
    cells = page.locator("#import-errors tbody tr").first.locator("td").all_inner_texts()
    assert cells[:2] == ["4", "物资编码"]
    assert "XX-9" in cells[2]
    assert page.locator("text=确认导入").count() == 0
    assert not Lot.objects.exists()
    shot(page, "receipt-import-error-phone")

    good = _note(tmp_path, "b.xlsx", [["KZ", 2, "箱"], ["ST", 30, ""]])
    _upload(page, live_server, good)
    assert page.inner_text("[data-count=created]") == "2"
    assert not Lot.objects.exists()  # the check received nothing
    page.click("text=确认导入")
    page.wait_for_selector("text=导入完成。")
    shot(page, "receipt-import-done-phone")
    stock = selectors.stock_of
    assert stock(Movement.objects.all(), warehouse=place, item=masks) == 100  # 2 boxes of 50
    assert stock(Movement.objects.all(), warehouse=place, item=gloves) == 30

    _upload(page, live_server, good)  # the same note again
    assert page.inner_text("[data-count=created]") == "0"
    assert page.inner_text("[data-count=unchanged]") == "2"
    assert Lot.objects.count() == 2
