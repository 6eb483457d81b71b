"""The audit log in a real browser: from a resident's page, 操作记录 opens that record's
history in words (the grid by name, the ID number never), and 导出Excel downloads the same
entries as a workbook."""

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fangkong.core.testing import factories
from fangkong.registry import services

from .conftest import login, no_sideways_scroll, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def moved(transactional_db):
    areas = factories.build_city()
    users = factories.build_users(areas)
    resident = services.create_resident(
        actor=users["grid_a"],
        data={
            "area": areas["grid_a"],
            "name": "张三",
            "id_number": factories.make_id_number(gender="M"),
        },
    )
    resident = services.update_resident(
        actor=users["community"],
        resident=resident,
        data={"area": areas["grid_b"]},
        expected_version=resident.version,
    )
    return resident, areas


def test_a_records_history_reads_in_words_and_exports(page, live_server, moved):
    resident, areas = moved
    login(page, live_server, "community")
    page.goto(f"{live_server.url}/registry/residents/{resident.pk}/")
    page.click("a:has-text('操作记录')")
    page.wait_for_url(lambda url: f"object_id={resident.pk}" in url)
    assert f"仅显示 居民 #{resident.pk} 的操作记录" in page.inner_text("main")
    rows = page.locator("tbody tr")
    assert rows.count() == 2  # its creation and its move, nothing else
    changes = page.inner_text("tbody")
    assert f"网格：{areas['grid_a'].name} → {areas['grid_b'].name}" in changes
    assert "身份证号：（已加密）" in changes
    shot(page, "audit-history")

    with page.expect_download() as info:
        page.click("a:has-text('导出Excel')")
    ws = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
    header, *data = list(ws.iter_rows(values_only=True))
    assert header[:4] == ("编号", "时间", "操作人", "操作")
    assert sorted(row[3] for row in data) == ["修改", "新增"]
    assert {row[5] for row in data} == {str(resident.pk)}
    move = next(row for row in data if row[3] == "修改")
    assert move[7] == f"网格：{areas['grid_a'].name} → {areas['grid_b'].name}"


def test_on_a_phone_each_entry_reads_as_a_card_without_sideways_scrolling(page, live_server, moved):
    resident, areas = moved
    login(page, live_server, "community")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/audit/?object_type=registry.resident&object_id={resident.pk}")
    no_sideways_scroll(page)
    assert not page.locator("table.fk-stack thead").is_visible()
    move = page.locator("tbody tr").first  # newest first: the move
    assert move.bounding_box()["width"] <= 375
    # Each cell of its own line under its column's name (a pseudo-element: not in the text).
    label = move.locator("td.fk-wrap").evaluate("td => getComputedStyle(td, '::before').content")
    assert label.replace('"', "").replace(" ", "") == "变更内容："
    assert f"网格：{areas['grid_a'].name} → {areas['grid_b'].name}" in move.inner_text()
    # The first line holds the number, the time, who and what, side by side.
    first = [move.locator("td").nth(i).bounding_box()["y"] for i in range(4)]
    assert max(first) - min(first) < 12
    shot(page, "audit-phone")
