"""Importing the 包联台账 kept in Excel: members by name (namesakes told apart by phone),
targets by grid, building and household number, the rules of pairing by hand, per-row
errors, all or nothing, and a second import of the same file that changes nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry
from fangkong.pairing import services
from fangkong.pairing.models import Pairing
from fangkong.volunteers.choices import PoolState
from fangkong.volunteers.tests.conftest import make_volunteer

pytestmark = pytest.mark.django_db
IMPORTER = "pairing.pairing"
HEADER = ["序号", "党员姓名", "手机", "所属网格", "楼栋", "户号", "备注"]


def workbook(target, rows, header=HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["海棠花语社区党员包联台账"])
    ws.append(header)
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    wb.save(target)
    return target


@pytest.fixture
def namesakes(estate, users, areas):
    """Two serving party members both called 党员乙, and a volunteer who is no party member."""
    community = users["community"]
    return [
        make_volunteer(
            community,
            areas["community"],
            "党员乙",
            is_party_member=True,
            state=PoolState.ACTIVE,
            phone=phone,
        )
        for phone in ("13900000001", "13900000002")
    ] + [make_volunteer(community, areas["community"], "张志愿", state=PoolState.ACTIVE)]


MESSY = [
    ["党员甲", "", "第一网格", "1栋", "", "整栋包联"],  # 3: the whole building
    ["党员乙", "13900000001", "第二网格", "", "2-201", ""],  # 4: a namesake, by phone
    ["党员乙", "", "第一网格", "", "1-101", ""],  # 5: which 党员乙?
    ["党员乙", "139 0000 0002", "第一网格", "1栋", "1-102", ""],  # 6: the other one
    ["党员甲", "", "第一网格", "", "9-999", ""],  # 7: no such household
    ["党员甲", "", "第一网格", "", "2-201", ""],  # 8: a household of another grid
    ["党员甲", "", "海棠花语社区第一网格", "1栋", "", ""],  # 9: row 3 again (qualified grid)
    ["党员甲", "", "第一网格", "", "1-101", ""],  # 10: in the building row 3 pairs
    ["张志愿", "", "第一网格", "", "1-101", ""],  # 11: no party member
    ["党员乙", "13900000009", "第一网格", "", "1-101", ""],  # 12: a phone of nobody
    ["党员甲", "", "", "", "1-102", ""],  # 13: no grid, the import's area is a community
]


def errors(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.field, e.message) for e in result.errors]


def test_a_messy_ledger_gets_an_error_per_bad_row_and_writes_nothing(
    tmp_path, estate, namesakes, users, areas
):
    path = workbook(tmp_path / "包联台账.xlsx", MESSY)
    result = run_import(IMPORTER, path, actor=users["community"], area=areas["community"])
    assert (result.total, result.created, result.updated, result.unchanged) == (11, 3, 0, 0)
    assert (result.rejected, result.committed) == (8, False)
    assert errors(result) == [
        (5, "党员姓名", "有2名同名党员，请填写党员手机号以区分"),
        (7, "户号", "该网格内没有户编号为“9-999”的户"),
        (8, "户号", "该网格内没有户编号为“2-201”的户"),
        (9, "党员姓名", "与第 3 行党员姓名重复"),
        (10, "户号", "该党员已包联这一户所在的整栋楼"),
        (
            11,
            "党员姓名",
            "未找到该党员：须为本区域在岗或储备的党员志愿者，或已向本社区报到的党员",
        ),
        (12, "手机", "该手机号与这个姓名的党员对不上，请核对"),
        (13, "所属网格", "未填写网格"),
    ]
    assert not Pairing.objects.exists()  # all or nothing
    assert not AuditEntry.objects.filter(object_type="pairing.pairing").exists()
    # With “skip invalid rows”, the three good ones are written, each audited.
    kept = run_import(
        IMPORTER, path, actor=users["community"], area=areas["community"], skip_invalid=True
    )
    assert (kept.created, kept.rejected, kept.committed) == (3, 8, True)
    first, second = namesakes[:2]
    assert set(Pairing.objects.values_list("volunteer", "building", "household", "notes")) == {
        (estate.member.pk, estate.building.pk, None, "整栋包联"),
        (first.pk, None, estate.h201.pk, ""),
        (second.pk, None, estate.h102.pk, ""),
    }
    created = AuditEntry.objects.filter(object_type="pairing.pairing", action="create")
    assert sorted(created.values_list("object_repr", flat=True)) == sorted(
        ["党*甲 · 1栋（整栋）", "党*乙 · 2-201", "党*乙 · 1栋 1-102"]
    )
    assert services.paired_households(estate.member_user).count() == 2


def test_importing_the_same_ledger_again_changes_nothing(tmp_path, estate, namesakes, users, areas):
    good = [MESSY[0], MESSY[1], MESSY[3]]
    path = workbook(tmp_path / "包联台账.xlsx", good)
    first = run_import(IMPORTER, path, actor=users["community"], area=areas["community"])
    assert (first.created, first.unchanged, first.rejected, first.committed) == (3, 0, 0, True)
    entries = AuditEntry.objects.filter(object_type="pairing.pairing").count()
    again = run_import(IMPORTER, path, actor=users["community"], area=areas["community"])
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert again.committed and Pairing.objects.count() == 3
    # Only the import's own entry is added (nothing was created or changed).
    assert AuditEntry.objects.filter(object_type="pairing.pairing").count() == entries + 1
    # A pairing entered by hand is the same pairing: a changed note updates it.
    hand = services.pair(actor=users["community"], volunteer=estate.member, household=estate.h201)
    changed = workbook(
        tmp_path / "again.xlsx", [["党员甲", "", "第二网格", "", "2-201", "独居老人"]]
    )
    third = run_import(IMPORTER, changed, actor=users["community"], area=areas["community"])
    assert (third.created, third.updated, third.unchanged) == (0, 1, 0)
    hand.refresh_from_db()
    assert hand.notes == "独居老人"


def test_rows_stay_inside_the_chosen_grid(tmp_path, estate, users, areas):
    path = workbook(
        tmp_path / "grid.xlsx",
        [
            ["党员甲", "", "", "", "1-101", ""],  # 3: no grid: the chosen grid
            ["党员甲", "", "第二网格", "", "2-201", ""],  # 4: another grid
            ["党员甲", "", "", "", "2-201", ""],  # 5: a household of another grid
        ],
    )
    result = run_import(IMPORTER, path, actor=users["community"], area=areas["grid_a"])
    assert (result.created, result.rejected) == (1, 2)
    assert [(row, field) for row, field, _m in errors(result)] == [(4, "所属网格"), (5, "户号")]
    assert "“2-201”" in errors(result)[1][2]


def test_a_grid_worker_may_not_import(client, tmp_path, estate, users, areas):
    path = workbook(tmp_path / "grid.xlsx", [MESSY[0]])
    with pytest.raises(PermissionDenied):
        run_import(IMPORTER, path, actor=users["grid_a"], area=areas["grid_a"])
    assert not Pairing.objects.exists()
    client.force_login(users["grid_a"])
    assert client.get(reverse("pairing:pairing_import")).status_code == 403
    assert client.get(reverse("pairing:pairing_import_template")).status_code == 403
    page = client.get(reverse("pairing:pairing_list"))
    assert reverse("pairing:pairing_import").encode() not in page.content


def test_web_import_through_preview_and_confirmation(
    client, estate, users, areas, django_capture_on_commit_callbacks
):
    from fangkong.core.models import Job

    client.force_login(users["community"])
    page = client.get(reverse("pairing:pairing_list"))
    assert reverse("pairing:pairing_import").encode() in page.content
    buf = io.BytesIO()
    workbook(buf, [MESSY[0]])
    buf.seek(0)
    buf.name = "包联台账.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pairing:pairing_import"), {"file": buf, "area": areas["community"].pk}
        )
    assert response.status_code == 302
    job = Job.objects.get()
    assert not Pairing.objects.exists()  # the preview writes nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_confirm", args=[job.pk]))
    assert list(Pairing.objects.values_list("volunteer", "building")) == [
        (estate.member.pk, estate.building.pk)
    ]


def test_template_download(client, users):
    client.force_login(users["community"])
    response = client.get(reverse("pairing:pairing_import_template"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = {
        str(v).rstrip("*") for row in sheet.iter_rows(max_row=5, values_only=True) for v in row if v
    }
    assert {"包联党员", "党员手机号", "网格", "楼栋", "户编号", "备注"} <= cells
