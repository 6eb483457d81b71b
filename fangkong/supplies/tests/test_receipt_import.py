"""Importing a delivery note (入库单): each line a lot and its "in" row written as the 入库 form
writes them, base quantities converted from the second unit, per-cell errors, all or nothing,
and the same note imported again receiving nothing twice."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from fangkong.core import audit
from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry
from fangkong.supplies import selectors, services
from fangkong.supplies.choices import LotSource, MovementKind
from fangkong.supplies.models import Lot, Movement

pytestmark = pytest.mark.django_db
IMPORTER = "supplies.receipt"
# Headers as a warehouse's own sheet has them: aliases, a hint in brackets, a stray column.
HEADER = ["序号", "单据号", "入库时间", "库点名称", "编码", "实收数量", "单位", "来源", "备注"]


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def workbook(target, rows, header=HEADER):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["海棠花语社区物资入库单"])  # a title row above the header
    ws.append(header)
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    wb.save(target)
    return target


def note(day=None):
    """Three lines of one note: masks by the box (50 each), gloves in their unit, alcohol by
    the tonne into the checkpoint inside the community."""
    day = day or yesterday()
    return [
        ["RK-001", day, "海棠花语社区", "KZ", 2, "箱", "", "首批"],
        ["RK-001", day, "海棠花语社区", "ST", 30, "", "采购", ""],
        ["RK-001", day, "仁和高速卡点", "JJ", "0.5", "吨", "上级调拨", ""],
    ]


def errors(result) -> list[tuple[int, str]]:
    return [(e.row, e.field) for e in result.errors]


def stock(place, item) -> Decimal:
    return selectors.stock_of(Movement.objects.all(), warehouse=place, item=item)


def _import(path, user, area, **kwargs):
    return run_import(IMPORTER, path, actor=user, area=area, **kwargs)


def test_a_note_is_received_line_by_line_in_base_units(tmp_path, users, areas, catalogue, places):
    community, checkpoint = places["community"], places["checkpoint"]
    masks, gloves, alcohol = catalogue["masks"], catalogue["gloves"], catalogue["alcohol"]
    services.receive_stock(
        actor=users["community"], warehouse=community, item=masks, quantity=10
    )  # stock already on the shelf
    path = workbook(tmp_path / "入库单.xlsx", note())
    result = _import(path, users["community"], areas["community"])
    assert (result.created, result.unchanged, result.rejected, result.committed) == (3, 0, 0, True)
    assert stock(community, masks) == 110
    assert stock(community, gloves) == 30
    assert stock(checkpoint, alcohol) == 500
    lots = {lot.item_id: lot for lot in Lot.objects.filter(document="RK-001")}
    assert len(lots) == 3
    box = lots[masks.pk]
    assert (box.quantity, box.entered_quantity, box.entered_unit) == (100, 2, "box")
    assert (box.source, box.note, box.warehouse_id) == (LotSource.PURCHASE, "首批", community.pk)
    midnight = datetime.datetime.combine(yesterday(), datetime.time())
    assert box.received_at == timezone.make_aware(midnight)
    assert lots[alcohol.pk].source == LotSource.ALLOCATION
    # Each lot has exactly its "in" row, as the 入库 form writes it.
    rows = Movement.objects.filter(lot__document="RK-001")
    assert sorted(rows.values_list("item_id", "kind", "quantity", "entered_unit")) == sorted(
        [
            (masks.pk, MovementKind.IN, 100, "box"),
            (gloves.pk, MovementKind.IN, 30, "pair"),
            (alcohol.pk, MovementKind.IN, 500, "t"),
        ]
    )
    movement = rows.get(item=masks)
    assert (movement.occurred_at, movement.reason, movement.created_by) == (
        box.received_at,
        "首批",
        users["community"],
    )


def test_every_lot_and_movement_is_audited_as_the_form_audits_them(
    tmp_path, users, areas, catalogue, places
):
    path = workbook(tmp_path / "入库单.xlsx", note())
    _import(path, users["community"], areas["community"])
    for lot in Lot.objects.filter(document="RK-001"):
        (entry,) = AuditEntry.objects.filter(
            object_type="supplies.lot", object_id=str(lot.pk), action="create"
        )
        assert set(entry.changes) == set(audit.snapshot(lot))
        assert entry.changes["document"] == "RK-001"
        assert entry.area_path == lot.warehouse.area.path
        assert entry.object_repr == f"{lot.item.name} · RK-001"
        (movement,) = lot.movements.all()
        (moved,) = AuditEntry.objects.filter(
            object_type="supplies.movement", object_id=str(movement.pk), action="create"
        )
        assert moved.changes == audit.snapshot(movement)
    (event,) = AuditEntry.objects.filter(action="import", object_type="supplies.lot")
    assert (event.changes["importer"], event.changes["created"]) == (IMPORTER, 3)


def test_the_same_note_again_receives_nothing(tmp_path, users, areas, catalogue, places):
    path = workbook(tmp_path / "入库单.xlsx", note())
    _import(path, users["community"], areas["community"])
    entries = AuditEntry.objects.count()
    again = _import(path, users["community"], areas["community"])
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    assert again.committed
    assert Lot.objects.count() == 3 and Movement.objects.count() == 3
    assert stock(places["community"], catalogue["masks"]) == 100
    assert AuditEntry.objects.count() == entries + 1  # only the import's own entry
    # The same line in the base unit spelled out, with another note and date: still the line.
    same = [["RK-001", timezone.localdate(), "海棠花语社区", "ST", 30, "双", "", "补录"]]
    third = _import(workbook(tmp_path / "again.xlsx", same), users["community"], areas["community"])
    assert (third.created, third.unchanged, third.committed) == (0, 1, True)
    assert Lot.objects.get(item=catalogue["gloves"]).note == ""


def test_a_changed_quantity_is_refused_on_its_cell(tmp_path, users, areas, catalogue, places):
    _import(workbook(tmp_path / "入库单.xlsx", note()), users["community"], areas["community"])
    changed = note()
    changed[0][4] = 3  # 3 boxes instead of 2
    changed[1][5] = "箱"  # gloves have no second unit
    result = _import(
        workbook(tmp_path / "改.xlsx", changed), users["community"], areas["community"]
    )
    assert (result.unchanged, result.rejected, result.committed) == (1, 2, False)
    assert errors(result) == [(3, "实收数量"), (4, "单位")]
    message = result.errors[0].message
    assert "已按 2 箱 入库" in message and "盘点调整" in message
    assert stock(places["community"], catalogue["masks"]) == 100


def test_a_line_twice_in_one_file_is_a_duplicate(tmp_path, users, areas, catalogue, places):
    day = yesterday()
    rows = [
        ["RK-002", day, "海棠花语社区", "KZ", 1, "箱", "", ""],
        ["RK-002", day, "海棠花语社区", "ST", 5, "", "", ""],
        ["RK-002", day, "海棠花语社区", "KZ", 50, "只", "", ""],  # the masks again
        ["RK-003", day, "海棠花语社区", "KZ", 50, "只", "", ""],  # another note: fine
    ]
    result = _import(workbook(tmp_path / "dup.xlsx", rows), users["community"], areas["community"])
    assert (result.rejected, result.committed) == (1, False)
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (5, "编码", "与第 3 行编码重复")
    ]
    assert not Lot.objects.exists() and not Movement.objects.exists()


def test_each_bad_cell_is_named_and_nothing_is_written(tmp_path, users, areas, catalogue, places):
    services.update_item(
        actor=users["command"],
        item=catalogue["disinfectant"],
        data={"active": False},
        expected_version=None,
    )
    day = yesterday()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [
        ["RK-A", day, "海棠花语社区", "KZ", 2, "箱", "", ""],  # 3: good
        ["RK-B", day, "海棠花语社区", "NOPE", 2, "", "", ""],  # 4: no such item
        ["RK-C", day, "海棠花语社区", "XDY", 2, "", "", ""],  # 5: retired item
        ["RK-D", day, "不存在的仓库", "ST", 2, "", "", ""],  # 6: no such place
        ["RK-E", day, "迷阳水岸社区", "ST", 2, "", "", ""],  # 7: a place outside the area
        ["RK-F", tomorrow, "海棠花语社区", "JJ", 2, "", "", ""],  # 8: in the future
        ["RK-G", day, "海棠花语社区", "ST", 2, "", "捐赠", ""],  # 9: a donation
        ["RK-H", day, "海棠花语社区", "JJ", 2, "只", "", ""],  # 10: not a unit of alcohol
        ["RK-I", day, "海棠花语社区", "JJ", -2, "", "", ""],  # 11: not positive
    ]
    result = _import(workbook(tmp_path / "bad.xlsx", rows), users["community"], areas["community"])
    assert (result.created, result.rejected, result.committed) == (1, 8, False)
    found = {(e.row, e.field): e.message for e in result.errors}
    assert list(found) == [
        (4, "编码"),
        (5, "编码"),
        (6, "库点名称"),
        (7, "库点名称"),
        (8, "入库时间"),
        (9, "来源"),
        (10, "单位"),
        (11, "实收数量"),
    ]
    assert "NOPE" in found[(4, "编码")]
    assert found[(5, "编码")] == "该物资已停用"
    # A place outside the area reads exactly as one that does not exist.
    assert found[(6, "库点名称")] == found[(7, "库点名称")] == "未找到该库点（本区域内）"
    assert "捐赠登记" in found[(9, "来源")]
    assert not Lot.objects.exists() and not Movement.objects.exists()
    assert not AuditEntry.objects.filter(object_type__in=["supplies.lot", "supplies.movement"])
    # Skipping the bad rows receives the good one.
    kept = _import(
        workbook(tmp_path / "bad.xlsx", rows),
        users["community"],
        areas["community"],
        skip_invalid=True,
    )
    assert (kept.created, kept.rejected, kept.committed) == (1, 8, True)
    assert stock(places["community"], catalogue["masks"]) == 100


def test_a_preview_writes_nothing(tmp_path, users, areas, catalogue, places):
    path = workbook(tmp_path / "入库单.xlsx", note())
    result = _import(path, users["community"], areas["community"], dry_run=True)
    assert (result.created, result.committed) == (3, False)
    assert not Lot.objects.exists() and not Movement.objects.exists()
    assert not AuditEntry.objects.filter(object_type__in=["supplies.lot", "supplies.movement"])


def test_the_area_bounds_the_places(tmp_path, users, areas, catalogue, places):
    path = workbook(tmp_path / "入库单.xlsx", note())
    # A grid: the checkpoint is inside it, the community's own warehouse is not.
    narrow = _import(path, users["community"], areas["grid_a"])
    assert errors(narrow) == [(3, "库点名称"), (4, "库点名称")]
    with pytest.raises(PermissionDenied):  # an area above the user's own
        _import(path, users["community"], areas["street"])
    with pytest.raises(PermissionDenied):  # a reader may not receive stock
        _import(path, users["leader"], areas["city"])
    assert not Lot.objects.exists()


def test_the_database_refuses_a_line_received_twice(users, catalogue, places):
    fields = {
        "item": catalogue["masks"],
        "warehouse": places["community"],
        "source": LotSource.PURCHASE,
        "quantity": 1,
        "entered_quantity": 1,
        "entered_unit": "piece",
        "received_at": timezone.now(),
    }
    Lot.objects.create(document="RK-1", **fields)
    Lot.objects.create(**fields)  # lots from the form have no note: any number of them
    Lot.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lot.objects.create(document="RK-1", **fields)


def test_the_template_imports_back(client, tmp_path, users, areas, catalogue, places):
    client.force_login(users["community"])
    response = client.get(reverse("supplies:receipt_import_template"))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["入库单号*", "入库日期*", "库点*", "物资编码*", "数量*"]
    sheet.append(["RK-100", yesterday().isoformat(), "海棠花语社区", "KZ", 4, "箱", "采购", ""])
    wb.save(tmp_path / "template.xlsx")
    result = _import(tmp_path / "template.xlsx", users["community"], areas["community"])
    assert (result.created, result.rejected, result.committed) == (1, 0, True)
    assert stock(places["community"], catalogue["masks"]) == 200


def test_web_import_through_preview_and_confirmation(
    client, users, areas, catalogue, places, django_capture_on_commit_callbacks
):
    from fangkong.core.models import Job

    client.force_login(users["community"])
    listing = client.get(reverse("supplies:movement_list"))
    assert reverse("supplies:receipt_import").encode() in listing.content
    page = client.get(reverse("supplies:receipt_import"))
    assert page.status_code == 200 and "入库单号" in page.content.decode()
    buf = io.BytesIO()
    workbook(buf, note())
    buf.seek(0)
    buf.name = "入库单.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supplies:receipt_import"), {"file": buf, "area": areas["community"].pk}
        )
    assert response.status_code == 302
    job = Job.objects.get()
    assert not Lot.objects.exists()  # the preview writes nothing
    preview = client.get(reverse("core:job_detail", args=[job.pk]))
    assert preview.status_code == 200
    assert reverse("core:job_confirm", args=[job.pk]) in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:job_confirm", args=[job.pk]))
    assert Lot.objects.filter(document="RK-001").count() == 3
    assert stock(places["checkpoint"], catalogue["alcohol"]) == 500
    detail = client.get(reverse("supplies:warehouse_detail", args=[places["community"].pk]))
    body = detail.content.decode()
    assert "RK-001" in body and reverse("supplies:receipt_import") in body


def test_only_those_who_receive_stock_see_the_page(client, users):
    client.force_login(users["leader"])  # reads the ledger, posts nothing
    assert client.get(reverse("supplies:receipt_import")).status_code == 403
    assert client.get(reverse("supplies:receipt_import_template")).status_code == 403
    listing = client.get(reverse("supplies:movement_list"))
    assert listing.status_code == 200
    assert reverse("supplies:receipt_import").encode() not in listing.content


def test_a_line_received_by_hand_with_its_note_number_is_received_once(
    tmp_path, users, areas, catalogue, places
):
    """The 入库 form takes the note's number: importing the note later matches that line,
    and the same line typed in again is refused on the number."""
    community, masks = places["community"], catalogue["masks"]
    services.receive_stock(
        actor=users["community"],
        warehouse=community,
        item=masks,
        quantity=2,
        unit="box",
        occurred_at=timezone.make_aware(datetime.datetime.combine(yesterday(), datetime.time())),
        document=" RK-001 ",
    )
    assert stock(community, masks) == 100
    with pytest.raises(ValidationError) as again:
        services.receive_stock(
            actor=users["community"], warehouse=community, item=masks, quantity=2, document="RK-001"
        )
    assert again.value.message_dict == {
        "document": [f"入库单“RK-001”的{masks.name}已在{community.name}入库，不能重复登记"]
    }

    result = _import(
        workbook(tmp_path / "入库单.xlsx", note()), users["community"], areas["community"]
    )
    assert (result.created, result.unchanged, result.rejected) == (2, 1, 0)
    assert stock(community, masks) == 100


def test_the_receipt_form_takes_the_note_number(client, users, catalogue, places):
    community, masks = places["community"], catalogue["masks"]
    client.force_login(users["community"])
    url = reverse("supplies:movement_add", args=["in"])
    assert 'name="document"' in client.get(url).content.decode()
    data = {"warehouse": community.pk, "item": masks.pk, "quantity": "3", "document": "RK-9"}
    assert client.post(url, data).status_code == 302
    assert Lot.objects.get(document="RK-9").quantity == 3
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "入库单“RK-9”的" in refused.content.decode()
    assert stock(community, masks) == 3
