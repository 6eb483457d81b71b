"""The venue and checkpoint list import: a street's own workbook in, scan codes kept."""

import openpyxl
import pytest
from django.urls import reverse

from fangkong.core.audit import verify_chain
from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry
from fangkong.venues.models import Venue

IMPORTER = "venues.venue"


def workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["仁和街道场所卡点名单"])
    ws.append(["序号", "卡点名称", "类型", "所在社区", "地址", "限流人数", "是否测温", "核酸时限"])
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r])
    wb.save(path)
    return path


@pytest.mark.django_db
def test_a_streets_venue_list_comes_in_with_scan_codes_kept_on_reimport(tmp_path, areas, users):
    rows = [
        ("仁和农贸市场", "菜市场", "海棠花语社区", "仁和街 8 号", 300, "是", 48),
        ("海棠花语小区东门", "小区", "第一网格", "", None, "否", None),
        ("G5 仁和收费站卡点", "道路卡点", "", "G5 仁和收费站", None, "是", 72),
        ("迷阳水岸小区", "小区", "迷阳水岸社区", "", None, "", None),  # Miyi: another district
        ("夜市", "夜市", "海棠花语社区", "", None, "", None),
        ("无限流", "超市", "海棠花语社区", "", "很多", "", None),
        ("测温不明", "超市", "海棠花语社区", "", None, "也许", None),
    ]
    path = workbook(tmp_path / "venues.xlsx", rows)
    actor, area = users["street"], areas["street"]
    with pytest.raises(Exception):  # noqa: B017 - a grid worker may not import venues
        run_import(IMPORTER, path, actor=users["grid_a"], area=areas["grid_a"])

    result = run_import(IMPORTER, path, actor=actor, area=area, skip_invalid=True)

    assert (result.created, result.rejected, result.total) == (3, 4, 7)
    assert [(e.row, e.field) for e in result.errors] == [
        (6, "所在社区"),
        (7, "类型"),
        (8, "限流人数"),
        (9, "是否测温"),
    ]
    venues = {
        v.name: (v.area_id, v.kind, v.address, v.capacity, v.measures_temperature, v.nat_hours)
        for v in Venue.objects.all()
    }
    assert venues == {
        "仁和农贸市场": (areas["community"].pk, "market", "仁和街 8 号", 300, True, 48),
        "海棠花语小区东门": (areas["grid_a"].pk, "compound", "", None, False, None),
        "G5 仁和收费站卡点": (areas["street"].pk, "checkpoint", "G5 仁和收费站", None, True, 72),
    }
    codes = dict(Venue.objects.values_list("name", "code"))
    assert len(set(codes.values())) == 3 and all(len(c) == 16 for c in codes.values())
    assert Venue.objects.get(name="仁和农贸市场").name_initials  # found by pinyin initials

    rows[0] = ("仁和农贸市场", "菜市场", "海棠花语社区", "仁和街 10 号", 200, "是", 48)
    again = run_import(
        IMPORTER, workbook(tmp_path / "again.xlsx", rows[:3]), actor=actor, area=area
    )

    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    market = Venue.objects.get(name="仁和农贸市场")
    assert (market.address, market.capacity) == ("仁和街 10 号", 200)
    assert dict(Venue.objects.values_list("name", "code")) == codes  # posters stay valid
    assert AuditEntry.objects.filter(object_type="venues.venue", action="create").count() == 3
    assert verify_chain().ok


@pytest.mark.django_db
def test_import_page_template_and_list_button(client, users):
    client.force_login(users["street"])
    assert client.get(reverse("venues:venue_import")).status_code == 200
    t = client.get(reverse("venues:venue_import_template"))
    assert t.status_code == 200 and t.content[:2] == b"PK"
    assert (
        reverse("venues:venue_import") in client.get(reverse("venues:venue_list")).content.decode()
    )
    client.force_login(users["grid_a"])
    assert client.get(reverse("venues:venue_import")).status_code == 403


@pytest.mark.django_db
def test_the_venue_lists_export_imports_back_unchanged(client, tmp_path, areas, users):
    """The export writes 不限 for a venue without a capacity limit; the import reads it back."""
    path = workbook(
        tmp_path / "venues.xlsx",
        [
            ("仁和农贸市场", "菜市场", "海棠花语社区", "仁和街 8 号", 300, "是", 48),
            ("海棠花语小区东门", "小区", "第一网格", "", None, "否", None),
        ],
    )
    run_import(IMPORTER, path, actor=users["street"], area=areas["street"])
    client.force_login(users["street"])
    exported = tmp_path / "export.xlsx"
    response = client.get(reverse("venues:venue_list") + "?export=xlsx")
    exported.write_bytes(b"".join(response.streaming_content))
    assert openpyxl.load_workbook(exported).active["E3"].value == "不限"

    again = run_import(IMPORTER, exported, actor=users["street"], area=areas["street"])

    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)
