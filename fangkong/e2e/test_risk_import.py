"""批量导入风险地区名单 in a real browser at PC width: the command office uploads the day's list
re-keyed in Excel. A row with an unknown level is refused by row and column and nothing is
written; the corrected list, with 名单外地区解除, previews the place it will lift; confirmed,
the designations are on the list page. At phone width the upload page does not scroll
sideways."""

import datetime
import importlib

import openpyxl
import pytest

from fangkong.risk.models import RiskDesignation, RiskLevel
from fangkong.risk.services import set_risk_level
from fangkong.status.clock import at_local

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser

HEADER = ["序号", "风险地区", "区划代码", "风险等级"]
REASON = "国务院联防联控机制 4月10日公布名单"


@pytest.fixture
def levels(city):
    """The levels migration 0002 seeds: a browser test's database is emptied after each test
    (``transactional_db``), so a test that ran before may have removed them."""
    seeded = importlib.import_module("fangkong.risk.migrations.0002_seed_levels")
    for name, rank, colour in seeded.LEVELS:
        RiskLevel.objects.get_or_create(rank=rank, defaults={"name": name, "colour": colour})


@pytest.fixture
def listed(city, levels):
    """Yesterday's list named 长春市, which today's list leaves out."""
    _areas, users = city
    return set_risk_level(
        actor=users["command"],
        level=RiskLevel.objects.get(name="中风险"),
        effective_from=at_local(datetime.date(2022, 4, 1), 0),
        reason="通报",
        place_name="吉林省长春市",
    )


def _list(tmp_path, name, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["中高风险地区名单"])  # the title row above the header
    ws.append(HEADER)
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    path = tmp_path / name
    wb.save(path)
    return path


def _upload(page, live_server, path, *, lift=False):
    page.goto(f"{live_server.url}/risk/designations/")
    page.click("main a[href$='/risk/designations/import/']")
    page.set_input_files("input[name=file]", str(path))
    page.fill("textarea[name=reason], input[name=reason]", REASON)
    page.fill("input[name=effective_from]", "2022-04-10T12:00")
    if lift:
        page.check("input[name=lift_unlisted]")
    page.click("form button[type=submit] >> visible=true")
    page.wait_for_selector("[data-count=total]")


def test_command_imports_the_day_list_and_lifts_the_places_left_out(
    page, live_server, listed, tmp_path
):
    page.set_viewport_size({"width": 1366, "height": 800})
    login(page, live_server, "command")

    bad = [["湖北省武汉市", "4201", "高风险"], ["上海市浦东新区", "310115", "极高"]]
    _upload(page, live_server, _list(tmp_path, "a.xlsx", bad))
    cells = page.locator("#import-errors tbody tr").first.locator("td").all_inner_texts()
    assert cells[:2] == ["4", "风险等级"]
    assert "极高" in cells[2]
    assert page.locator("text=确认导入").count() == 0
    assert RiskDesignation.objects.count() == 1
    shot(page, "risk-import-error-pc")

    good = [["湖北省武汉市", "4201", "高风险"], ["上海市浦东新区", "310115", "中风险"]]
    _upload(page, live_server, _list(tmp_path, "b.xlsx", good), lift=True)
    assert page.inner_text("[data-count=created]") == "2"
    lifted = page.locator("[data-field=lifted-places]")
    assert "名单外地区将解除 1 个" in lifted.inner_text()
    assert "吉林省长春市" in lifted.inner_text()
    assert RiskDesignation.objects.count() == 1  # the preview wrote nothing
    shot(page, "risk-import-preview-pc")
    page.click("text=确认导入")
    page.wait_for_selector("text=导入完成。")
    assert "名单外地区解除 1 个" in page.locator("[data-field=lifted-places]").inner_text()

    page.goto(f"{live_server.url}/risk/designations/")
    table = page.locator("main table").inner_text()
    assert "湖北省武汉市（4201）" in table
    assert "上海市浦东新区（310115）" in table
    assert REASON in table
    listed.refresh_from_db()
    assert listed.effective_to is not None
    shot(page, "risk-import-list-pc")


def test_the_upload_page_does_not_scroll_sideways_on_a_phone(page, live_server, city):
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/risk/designations/import/")
    assert page.locator("input[name=lift_unlisted]").count() == 1
    no_sideways_scroll(page)
    shot(page, "risk-import-phone")
