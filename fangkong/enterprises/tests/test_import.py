"""Enterprise and roster imports: messy workbooks in, exact counts and (row, column) errors out."""

import datetime
import random

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied

from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry
from fangkong.core.personal import mask_name
from fangkong.core.testing.factories import make_id_number
from fangkong.demo.enterprises import make_credit_code
from fangkong.enterprises import services
from fangkong.enterprises.models import Employee, Enterprise

pytestmark = pytest.mark.django_db
_rng = random.Random(2020)

CODE_1 = make_credit_code(_rng)
CODE_2 = make_credit_code(_rng)
CODE_BAD = CODE_1[:-1] + ("0" if CODE_1[-1] != "0" else "1")


def workbook(tmp_path, rows, name="book.xlsx"):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def errors(result):
    return [(e.row, e.field, e.message) for e in result.errors]


@pytest.fixture
def park(users, areas):
    return services.create_park(
        actor=users["community"], data={"area": areas["community"], "name": "钒钛产业园"}
    )


def enterprise_rows():
    return [
        ["仁和区复工企业名录（2020年2月）"],
        [
            "企业名称",
            "统一社会信用代码",
            "所属行业",
            "所属网格",
            "所在园区",
            "职工人数",
            "联系人",
            "联系电话",
        ],
        [
            "金华车辆有限公司",
            CODE_1,
            "制造业",
            "第一网格",
            "钒钛产业园",
            "120",
            "刘红梅",
            "13800001234",
        ],
        ["攀钢配件厂", CODE_2.lower(), "制造业", "第二网格", None, 80, "颜圣萍", None],
        ["错码企业", CODE_BAD, "制造业", "第一网格", None, 5, None, None],
        ["无行业企业", make_credit_code(_rng), "航天", "第一网格", None, 5, None, None],
        ["园区不明", make_credit_code(_rng), "建筑业", "第一网格", "不存在园区", 5, None, None],
        ["外区企业", make_credit_code(_rng), "建筑业", "510421100001G01", None, 5, None, None],
    ]


def test_enterprise_import_all_or_nothing(tmp_path, users, areas, park):
    path = workbook(tmp_path, enterprise_rows())
    result = run_import(
        "enterprises.enterprise", path, actor=users["community"], area=areas["community"]
    )
    assert (result.created, result.rejected, result.committed) == (2, 4, False)
    assert errors(result) == [
        (5, "统一社会信用代码", "统一社会信用代码校验位不正确，请核对是否录错"),
        (6, "所属行业", errors(result)[1][2]),
        (7, "所在园区", "园区“不存在园区”未登记"),
        (8, "所属网格", errors(result)[3][2]),
    ]
    assert "航天" in errors(result)[1][2]
    assert Enterprise.objects.count() == 0


def test_enterprise_import_skip_invalid_and_reimport(tmp_path, users, areas, park):
    path = workbook(tmp_path, enterprise_rows())
    result = run_import(
        "enterprises.enterprise",
        path,
        actor=users["community"],
        area=areas["community"],
        skip_invalid=True,
    )
    assert (result.created, result.rejected, result.committed) == (2, 4, True)
    jinhua = Enterprise.objects.get(credit_code=CODE_1)
    assert (jinhua.name, jinhua.park, jinhua.headcount, jinhua.area) == (
        "金华车辆有限公司",
        park,
        120,
        areas["grid_a"],
    )
    assert jinhua.contact_phone == "13800001234"
    assert Enterprise.objects.get(credit_code=CODE_2).area == areas["grid_b"]
    assert (
        AuditEntry.objects.filter(object_type="enterprises.enterprise", action="create").count()
        == 2
    )
    again = run_import(
        "enterprises.enterprise",
        path,
        actor=users["community"],
        area=areas["community"],
        skip_invalid=True,
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Enterprise.objects.count() == 2


def test_enterprise_import_needs_permission(tmp_path, users, areas, liaison):
    path = workbook(tmp_path, enterprise_rows())
    with pytest.raises(PermissionDenied):
        run_import("enterprises.enterprise", path, actor=liaison, area=areas["community"])


ID_1 = make_id_number(birth=datetime.date(1988, 1, 1), rng=_rng)
ID_2 = make_id_number(birth=datetime.date(1992, 2, 2), rng=_rng)


def roster_rows(bad=True):
    rows = [
        ["姓名", "身份证号码", "手机号", "车间", "从何地返回"],
        ["王强", ID_1, "13900001111", "总装车间", "湖北省武汉市"],
        ["李娜", ID_2, None, "财务部", "四川省成都市"],
    ]
    if bad:
        rows += [
            ["坏号", ID_1[:-1] + ("0" if ID_1[-1] != "0" else "1"), None, None, None],
            ["重复", ID_2, None, None, None],
            [None, make_id_number(birth=datetime.date(1970, 3, 3), rng=_rng), None, None, None],
        ]
    return rows


def test_roster_import_by_liaison(tmp_path, liaison, ent_a, ent_b):
    path = workbook(tmp_path, roster_rows())
    result = run_import(
        "enterprises.employee",
        path,
        actor=liaison,
        area=ent_a.area,
        skip_invalid=True,
        options={"enterprise_id": ent_a.pk},
    )
    assert (result.created, result.rejected) == (2, 3)
    assert [(e.row, e.field) for e in result.errors] == [
        (4, "身份证号码"),
        (5, "身份证号码"),
        (6, "姓名"),
    ]
    assert sorted(Employee.objects.values_list("name", "department", "enterprise")) == [
        ("李娜", "财务部", ent_a.pk),
        ("王强", "总装车间", ent_a.pk),
    ]
    entries = AuditEntry.objects.filter(object_type="enterprises.employee", action="create")
    assert set(entries.values_list("area_path", flat=True)) == {ent_a.area.path}
    # Names are masked in the audit log.
    assert set(entries.values_list("object_repr", flat=True)) == {
        mask_name("王强"),
        mask_name("李娜"),
    }
    assert "王强" not in set(entries.values_list("object_repr", flat=True))
    # The same people on another enterprise's roster are other rows; re-import changes nothing.
    again = run_import(
        "enterprises.employee",
        workbook(tmp_path, roster_rows(bad=False), "again.xlsx"),
        actor=liaison,
        area=ent_a.area,
        options={"enterprise_id": ent_a.pk},
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_roster_import_for_unbound_enterprise_rejects_rows(tmp_path, liaison, ent_b):
    result = run_import(
        "enterprises.employee",
        workbook(tmp_path, roster_rows(bad=False)),
        actor=liaison,
        area=ent_b.area,
        options={"enterprise_id": ent_b.pk},
    )
    assert result.created == 0
    assert {e.message for e in result.errors} == {"该企业不在您的管辖范围内"}
    assert Employee.objects.count() == 0


def test_import_commands(tmp_path, users, areas, park, ent_a):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    rows = [r for r in enterprise_rows() if r and r[0] in ("企业名称", "金华车辆有限公司")]
    call_command(
        "import_enterprises",
        str(workbook(tmp_path, rows)),
        "--area",
        areas["community"].code,
        stdout=out,
    )
    assert Enterprise.objects.filter(credit_code=CODE_1).exists()
    call_command(
        "import_employees",
        str(workbook(tmp_path, roster_rows(bad=False), "roster.xlsx")),
        "--enterprise",
        ent_a.credit_code,
        stdout=out,
    )
    assert sorted(Employee.objects.values_list("name", flat=True)) == ["李娜", "王强"]
    with pytest.raises(CommandError) as e:
        call_command(
            "import_employees", str(tmp_path / "roster.xlsx"), "--enterprise", "X", stdout=out
        )
    assert e.value.returncode == 2
