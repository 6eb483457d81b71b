"""Importing a volunteer list kept in Excel: row-by-row errors, idempotent re-import that
keeps the pool state a community decided, scope of the rows."""

import random

import openpyxl
import pytest

from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry
from fangkong.core.testing import factories
from fangkong.volunteers import services
from fangkong.volunteers.choices import PoolState, Source
from fangkong.volunteers.models import Volunteer

from .conftest import make_volunteer

pytestmark = pytest.mark.django_db
rng = random.Random(33)
IDS = [factories.make_id_number(rng=rng) for _ in range(4)]
HEADER = [
    "序号",
    "姓名",
    "身份证号码",
    "手机号",
    "社区",
    "单位",
    "是否党员",
    "技能",
    "服务日期",
    "时段",
]


def _book(tmp_path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["市直机关党员干部志愿者名单"])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    path = tmp_path / "志愿者.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def messy(tmp_path):
    return _book(
        tmp_path,
        [
            [
                1,
                "刘红梅",
                IDS[0],
                "13800000001",
                "海棠花语社区",
                "市退役军人事务局",
                "是",
                "医疗护理、驾驶",
                "工作日",
                "上午、下午",
            ],
            [
                2,
                "颜圣萍",
                IDS[1],
                "13800000002",
                "第一网格",
                "市退役军人事务局",
                "否",
                "",
                "周末",
                "全天",
            ],
            [3, "刘向柳", "51041119900101", "13800000003", "海棠花语社区", "", "", "", "", ""],
            [4, "李济民", IDS[2], "13800000004", "迷阳水岸社区", "", "", "", "", ""],
            [5, "江克美", IDS[3], "13800000005", "海棠花语社区", "", "是", "唱歌", "", ""],
            [6, "王光华", IDS[0], "13800000006", "海棠花语社区", "", "", "", "", ""],
            [7, "李阳", IDS[3], "12", "海棠花语社区", "", "也许", "", "", ""],
        ],
    )


def _import(path, user, area, **kw):
    return run_import("volunteers.volunteer", path, actor=user, area=area, **kw)


def test_messy_list_is_checked_row_by_row_and_nothing_is_written(messy, users, areas):
    result = _import(messy, users["community"], areas["community"])
    assert (result.created, result.rejected, result.committed) == (2, 5, False)
    cells = sorted((e.row, e.field) for e in result.errors)
    assert cells == [
        (5, "身份证号码"),
        (6, "社区"),
        (7, "技能"),
        (8, "身份证号码"),  # the same ID number as row 3
        (9, "手机号"),
        (9, "是否党员"),
        (9, "身份证号码"),  # the same ID number as row 7
    ]
    messages = {(e.row, e.field): e.message for e in result.errors}
    assert messages[(6, "社区")] == "社区“迷阳水岸社区”不在本次导入范围（海棠花语社区）内"
    assert messages[(7, "技能")].startswith("未知的取值“唱歌”")
    assert Volunteer.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_good_rows_enter_the_reserve_pool_and_reimport_keeps_decisions(messy, users, areas):
    result = _import(messy, users["community"], areas["community"], skip_invalid=True)
    assert (result.created, result.committed) == (2, True)
    liu = Volunteer.objects.get(name="刘红梅")
    assert (liu.state, liu.source, liu.is_party_member) == (PoolState.RESERVE, Source.IMPORT, True)
    assert (liu.skills, liu.available_days, liu.available_times) == (
        ",medical,driving,",
        ",1,2,3,4,5,",
        ",am,pm,",
    )
    assert Volunteer.objects.get(name="颜圣萍").area == areas["grid_a"]
    services.review_volunteer(
        actor=users["community"], volunteer=liu, state=PoolState.SUSPENDED, expected_version=None
    )
    again = _import(messy, users["community"], areas["community"], skip_invalid=True)
    assert (again.created, again.updated + again.unchanged) == (0, 2)
    liu.refresh_from_db()
    assert liu.state == PoolState.SUSPENDED
    assert Volunteer.objects.count() == 2


def test_import_needs_the_permission(messy, users, areas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _import(messy, users["grid_a"], areas["grid_a"])


def test_party_membership_ticked_the_way_forms_tick_it(tmp_path, users, areas):
    """A list kept on a paper form's layout ticks 是否党员 with √ (or ✓, ×): it was refused."""
    ids = [factories.make_id_number(rng=rng) for _ in range(4)]
    rows = [
        [i, name, ids[i], f"1380000010{i}", "海棠花语社区", "", tick, "", "", ""]
        for i, (name, tick) in enumerate([("甲", "√"), ("乙", "✓"), ("丙", "×"), ("丁", "✔")])
    ]
    result = _import(_book(tmp_path, rows), users["community"], areas["community"])
    assert [e.message for e in result.errors] == []
    members = dict(Volunteer.objects.values_list("name", "is_party_member"))
    assert members == {"甲": True, "乙": True, "丙": False, "丁": True}


def test_skills_and_times_written_as_lists_keep_them(tmp_path, users, areas):
    """A list's 技能, 服务日期 and 时段 as people write them (会开车, 周一至周五, 8:00-12:00,
    several values on separate lines, 无) were refused row by row as 未知的取值."""
    cells = [
        ("会开车、护士", "周一至周五", "8:00-12:00"),
        ("司机\n心理咨询", "星期一到星期三\n周日", "晚间"),
        ("无", "周六日", "夜班"),
        ("消毒；搬运", "周1-5", "早上，下午"),
        ("医疗护理,驾驶", "随时", "上午（6-12时）"),
    ]
    ids = [factories.make_id_number(rng=rng) for _ in cells]
    rows = [
        [i, f"志愿者{'甲乙丙丁戊'[i]}", ids[i], f"1380000020{i}", "海棠花语社区", "", "", *c]
        for i, c in enumerate(cells)
    ]
    result = _import(_book(tmp_path, rows), users["community"], areas["community"])
    assert [e.message for e in result.errors] == []
    stored = {
        v.name: (v.skills, v.available_days, v.available_times)
        for v in Volunteer.objects.order_by("name")
    }
    assert stored == {
        "志愿者甲": (",medical,driving,", ",1,2,3,4,5,", ",am,"),
        "志愿者乙": (",driving,psychological,", ",1,2,3,7,", ",ev,"),
        "志愿者丙": ("", ",6,7,", ",night,am,ev,"),
        "志愿者丁": (",disinfection,logistics,", ",1,2,3,4,5,", ",am,pm,"),
        "志愿者戊": (",medical,driving,", ",1,2,3,4,5,6,7,", ",am,"),
    }


def test_one_volunteer_per_phone_as_the_form(tmp_path, users, areas):
    """A phone another volunteer has, in the database or on an earlier row, is refused on
    its cell, as the form refuses it; a re-import of a list that already shared a phone
    (imported before this rule) is not."""
    cmd = users["community"]
    held = make_volunteer(cmd, areas["grid_a"], "刘红梅", phone="13800000301")
    ids = [factories.make_id_number(rng=rng) for _ in range(3)]
    rows = [
        [1, "颜圣萍", ids[0], "13800000301", "海棠花语社区", "", "", "", "", ""],
        [2, "李济民", ids[1], "13800000302", "海棠花语社区", "", "", "", "", ""],
        [3, "江克美", ids[2], "138 0000 0302", "海棠花语社区", "", "", "", "", ""],
    ]
    result = _import(_book(tmp_path, rows), cmd, areas["community"])
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (3, "手机号", "该手机号已登记为志愿者，请勿重复录入"),
        (5, "手机号", "与第 4 行相同：一个手机号只能登记一名志愿者"),
    ]
    assert (result.created, result.committed) == (1, False)
    assert Volunteer.objects.count() == 1

    # Two volunteers an old import stored with one phone: their list imports again.
    twin = Volunteer(area=areas["grid_a"], name="颜圣萍", id_number=ids[0], phone=held.phone)
    twin.save()
    rows = [
        [1, "刘红梅", held.id_number, held.phone, "海棠花语社区", "", "", "", "", ""],
        [2, "颜圣萍", ids[0], held.phone, "海棠花语社区", "市供销社", "", "", "", ""],
    ]
    again = _import(_book(tmp_path, rows), cmd, areas["community"])
    assert [e.message for e in again.errors] == [] and again.committed
    twin.refresh_from_db()
    assert twin.organisation == "市供销社"
