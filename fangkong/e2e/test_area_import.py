"""导入区域网格 in a real browser: the district office uploads the county's list made in
Excel. A file with a wrong row is refused as a whole, naming the row and column; the corrected
file is checked, then written on confirmation without choosing it again; the same file with a
renamed grid renames it by its code."""

import openpyxl
import pytest

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area
from fangkong.core.testing import factories

from .conftest import login, shot

pytestmark = pytest.mark.browser

HEADER = ["区划代码", "名称", "层级", "上级代码"]
GOOD = [
    ["510411002", "大河街道", "街道", "510411"],
    ["510411002001", "金沙社区", "社区", "510411002"],
    ["510411002001G01", "金沙第一网格", "网格", "510411002001"],
    ["510411002001G02", "金沙第二网格", None, "510411002001"],
]


@pytest.fixture
def city(transactional_db):
    areas = factories.build_city()
    factories.build_users(areas)
    return areas


def _xlsx(tmp_path, rows, name):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["仁和区区域网格清单"])  # the title row people put above the header
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _upload(pg, path, *, dry_run: bool) -> str:
    pg.set_input_files("#id_file", str(path))
    pg.set_checked("#id_dry_run", dry_run)
    pg.click("main form[data-upload] button[type=submit]")
    return pg.inner_text("[data-result]")


def test_a_bad_row_refuses_the_file_then_the_good_one_goes_in_and_renames_by_code(
    page, live_server, city, tmp_path
):
    before = Area.objects.count()
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/areas/")
    page.click("main a[href$='/areas/import/']")

    bad = _xlsx(
        tmp_path, [*GOOD[:2], ["510411002001G01", "金沙第一网格", "网格", "510499"]], "a.xlsx"
    )
    message = _upload(page, bad, dry_run=False)
    assert "有 1 处错误，未写入任何数据" in message
    cells = page.locator("main table tbody tr").first.locator("td").all_inner_texts()
    assert cells[:2] == ["5", "上级代码"]
    assert "510499" in cells[2]
    assert Area.objects.count() == before
    shot(page, "area-import-error")

    good = _xlsx(tmp_path, GOOD, "b.xlsx")
    message = _upload(page, good, dry_run=True)
    assert "预检通过：将新增 4 个区域" in message
    assert Area.objects.count() == before
    shot(page, "area-import-checked")
    page.click("main form[data-confirm] button")  # the checked file, not chosen again
    message = page.inner_text("[data-result]")
    assert "已导入：新增 4 个区域，更新 0 个，未变 0 个" in message
    grid = Area.objects.get(code="510411002001G02")
    assert (grid.name, grid.parent.code, grid.level) == (
        "金沙第二网格",
        "510411002001",
        AreaLevel.GRID,
    )

    renamed = [*GOOD[:3], ["510411002001G02", "金沙二网格", "网格", "510411002001"]]
    message = _upload(page, _xlsx(tmp_path, renamed, "c.xlsx"), dry_run=False)
    assert "已导入：新增 0 个区域，更新 1 个，未变 3 个" in message
    grid.refresh_from_db()
    assert grid.name == "金沙二网格"
    assert Area.objects.count() == before + 4
    shot(page, "area-import-renamed")


def test_a_csv_whose_rows_stop_before_the_level_column_takes_the_level_from_the_parent(
    page, live_server, city, tmp_path
):
    """A list kept as CSV, 层级 last and left out where the parent gives it: the rows end
    after 上级代码. The page failed with a server error (the short row's missing cell was read
    past its end); such a row now reads as a blank 层级, as the help text promises."""
    path = tmp_path / "网格.csv"
    path.write_text(
        "区划代码,名称,上级代码,层级\n"
        "510411001001G03,第三网格,510411001001\n"
        "510411001001G04,第四网格,510411001001,网格\n",
        encoding="utf-8",
    )
    login(page, live_server, "command")
    page.goto(f"{live_server.url}/areas/import/")
    message = _upload(page, path, dry_run=False)
    assert "已导入：新增 2 个区域" in message
    third = Area.objects.get(code="510411001001G03")
    assert (third.name, third.level) == ("第三网格", AreaLevel.GRID)
    assert third.parent == city["community"]
