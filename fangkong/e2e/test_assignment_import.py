"""批量导入隔离/监测安排 (协查名单) in a real browser, at phone width: the community uploads the
list the command office sent. A row whose quarantine ends before it starts is refused by row
and column and nothing is written; the corrected list is checked, then imported, and the
arrangements are on the list page. No page scrolls sideways."""

import datetime

import openpyxl
import pytest
from django.utils import timezone

from fangkong.health.models import Assignment
from fangkong.status.testing import make_resident

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser

HEADER = ["姓名", "公民身份号码", "管控措施", "隔离开始日期", "隔离结束日期", "隔离地点"]


@pytest.fixture
def people(city):
    areas, _users = city
    return [
        make_resident(areas["grid_a"], name="欧阳明月"),
        make_resident(areas["grid_b"], name="王五"),
    ]


def _list(tmp_path, name, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["仁和区疫情防控指挥部协查名单"])  # the title row above the header
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def _upload(page, live_server, path):
    page.goto(f"{live_server.url}/health/assignments/")
    page.click("main a[href$='/health/assignments/import/']")
    page.wait_for_url("**/health/assignments/import/")
    no_sideways_scroll(page)
    page.set_input_files("input[name=file]", str(path))
    page.click("form button[type=submit] >> visible=true")
    page.wait_for_selector("[data-count=total]")
    no_sideways_scroll(page)


def test_a_community_imports_the_command_offices_list_on_a_phone(
    page, live_server, people, tmp_path
):
    a1, b1 = people
    today = timezone.localdate()
    end = today + datetime.timedelta(days=13)
    page.set_viewport_size({"width": 360, "height": 740})
    login(page, live_server, "community")

    rows = [
        [a1.name, a1.id_number, "居家", today, end, "幸福小区3栋"],
        [b1.name, b1.id_number, "集中隔离", today, today - datetime.timedelta(days=1), "仁和宾馆"],
    ]
    _upload(page, live_server, _list(tmp_path, "a.xlsx", rows))
    cells = page.locator("#import-errors tbody tr").first.locator("td").all_inner_texts()
    assert cells == ["4", "隔离结束日期", "结束日期不能早于开始日期"]
    assert page.locator("text=确认导入").count() == 0
    assert not Assignment.objects.exists()
    shot(page, "assignment-import-error-phone")

    rows[1][4] = end
    _upload(page, live_server, _list(tmp_path, "b.xlsx", rows))
    assert page.inner_text("[data-count=created]") == "2"
    assert not Assignment.objects.exists()  # the check wrote nothing
    page.click("text=确认导入")
    page.wait_for_selector("text=导入完成。")
    no_sideways_scroll(page)
    shot(page, "assignment-import-done-phone")
    assert sorted(Assignment.objects.values_list("kind", flat=True)) == [
        "central_quarantine",
        "home_quarantine",
    ]

    page.goto(f"{live_server.url}/health/assignments/")
    listed = page.locator("main table tbody tr").all_inner_texts()
    assert len(listed) == 2
    assert any("居家隔离" in r for r in listed) and any("集中隔离" in r for r in listed)
    no_sideways_scroll(page)
