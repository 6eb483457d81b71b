"""The supply catalogue import: exact counts, (row, column) errors, idempotent re-import."""

import openpyxl
import pytest

from fangkong.core.importing import run_import
from fangkong.supplies.models import Item

pytestmark = pytest.mark.django_db


def test_catalogue_import(tmp_path, areas, users):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["物资编码", "物资名称", "分类", "单位", "辅助单位", "换算系数", "预警天数"])
    ws.append(["KZ-001", "医用外科口罩", "防护用品", "只", "箱", 2000, 3])
    ws.append(["JJ-75", "75%酒精", "消杀用品", "公斤", "吨", 1000, ""])
    ws.append(["ST-1", "医用手套", "防护用品", "双", "双", 1, ""])  # same unit twice
    ws.append(["FH-1", "防护服", "防护用品", "套", "箱", "", ""])  # factor missing
    ws.append(["WD-1", "体温计", "医疗器械", "支", "", "", ""])  # unknown unit
    ws.append(["KZ-001", "医用外科口罩", "防护用品", "只", "", "", "x"])  # dup + bad days
    path = tmp_path / "catalogue.xlsx"
    wb.save(path)
    result = run_import(
        "supplies.item", path, actor=users["command"], area=areas["city"], skip_invalid=True
    )
    assert (result.created, result.rejected, result.total) == (2, 4, 6)
    assert sorted((e.row, e.field) for e in result.errors) == [
        (4, "辅助单位"),
        (5, "换算系数"),
        (6, "单位"),
        (7, "物资编码"),
        (7, "预警天数"),
    ]
    alcohol = Item.objects.get(code="JJ-75")
    assert (alcohol.unit, alcohol.alt_unit, alcohol.alt_factor, alcohol.alert_days) == (
        "kg",
        "t",
        1000,
        3,
    )
    again = run_import(
        "supplies.item", path, actor=users["command"], area=areas["city"], skip_invalid=True
    )
    assert (again.created, again.unchanged) == (0, 2)


def test_import_page(client, users):
    from django.urls import reverse

    client.force_login(users["command"])
    assert client.get(reverse("supplies:item_import")).status_code == 200
    assert client.get(reverse("supplies:item_import_template")).content[:2] == b"PK"
    client.force_login(users["community"])
    assert client.get(reverse("supplies:item_import")).status_code == 403


def test_a_name_is_one_items_as_in_the_form(tmp_path, areas, users):
    """A name another code has, in the catalogue or on an earlier row, is refused on its
    cell: the unique index failed the whole file with a server error."""
    from fangkong.supplies.services import create_item

    create_item(
        actor=users["command"], data={"code": "KZ-001", "name": "医用外科口罩", "unit": "piece"}
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["物资编码", "物资名称", "单位"])
    ws.append(["KZ-002", "医用外科口罩", "只"])  # the catalogue's KZ-001
    ws.append(["KZ-001", "医用外科口罩", "只"])  # the item itself: unchanged
    ws.append(["FH-1", "防护服", "套"])
    ws.append(["FH-2", "防护服", "套"])  # row 5's name under another code
    path = tmp_path / "catalogue.xlsx"
    wb.save(path)
    kw = {"actor": users["command"], "area": areas["city"]}
    result = run_import("supplies.item", path, **kw)
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (2, "物资名称", "物资目录中已有同名品目（编码 KZ-001）"),
        (5, "物资名称", "与第 4 行名称相同而编码不同：一个名称只能对应一个编码"),
    ]
    assert not result.committed
    result = run_import("supplies.item", path, skip_invalid=True, **kw)
    assert (result.created, result.updated + result.unchanged, result.rejected) == (1, 1, 2)
    assert sorted(Item.objects.values_list("code", "name")) == [
        ("FH-1", "防护服"),
        ("KZ-001", "医用外科口罩"),
    ]
