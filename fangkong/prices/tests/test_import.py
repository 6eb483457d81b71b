"""The market list import: a messy workbook, exact counts and (row, column) errors, idempotent."""

import openpyxl
import pytest
from django.urls import reverse

from fangkong.core.audit import verify_chain
from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry
from fangkong.prices.models import Market

IMPORTER = "prices.market"


def workbook(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["仁和区商超名单（2020年2月）"])
    ws.append(["序号", "市场名称", "业态", "所在社区", "经营地址"])
    for i, r in enumerate(rows, start=1):
        ws.append([i, *r])
    wb.save(path)
    return path


def errors_of(result):
    return [(e.row, e.field, e.message) for e in result.errors]


@pytest.mark.django_db
def test_market_list_import(tmp_path, areas, users):
    path = workbook(
        tmp_path / "markets.xlsx",
        [
            ("吉靓轩超市中环天地店", "超市", "海棠花语社区", "中环路1号"),
            ("仁和农贸市场", "菜市场", "", "仁和街"),
            ("攀莲农贸市场", "农贸市场", "迷阳水岸社区", ""),  # Miyi: outside 仁和区
            ("无类型商店", "夜市", "第一网格", ""),
            ("", "超市", "海棠花语社区", ""),
            ("吉靓轩超市中环天地店", "超市", "海棠花语社区", "重复"),
        ],
    )
    actor, area = users["street"], areas["street"]
    with pytest.raises(Exception):  # noqa: B017 - a grid worker may not import markets
        run_import(IMPORTER, path, actor=users["grid_a"], area=areas["grid_a"])
    result = run_import(IMPORTER, path, actor=actor, area=area, skip_invalid=True)
    assert (result.created, result.rejected, result.total) == (2, 4, 6)
    assert [(r, f) for r, f, _m in errors_of(result)] == [
        (5, "所在社区"),
        (6, "业态"),
        (7, "市场名称"),
        (8, "市场名称"),
    ]
    markets = {m.name: (m.area_id, m.kind, m.address) for m in Market.objects.all()}
    assert markets == {
        "吉靓轩超市中环天地店": (areas["community"].pk, "supermarket", "中环路1号"),
        "仁和农贸市场": (areas["street"].pk, "market", "仁和街"),
    }
    again = run_import(IMPORTER, path, actor=actor, area=area, skip_invalid=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.filter(object_type="prices.market", action="create").count() == 2
    assert verify_chain().ok


@pytest.mark.django_db
def test_import_page_and_template(client, users):
    client.force_login(users["street"])
    assert client.get(reverse("prices:market_import")).status_code == 200
    t = client.get(reverse("prices:market_import_template"))
    assert t.status_code == 200 and t.content[:2] == b"PK"
    client.force_login(users["grid_a"])
    assert client.get(reverse("prices:market_import")).status_code == 403
