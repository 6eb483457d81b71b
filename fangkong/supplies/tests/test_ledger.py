"""The stock ledger: stock is derived from append-only rows; nothing writes stock directly."""

import ast
import random
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.models import AuditEntry
from fangkong.supplies import selectors, services
from fangkong.supplies.choices import MovementKind, Unit
from fangkong.supplies.models import Lot, Movement

pytestmark = pytest.mark.django_db
APP = Path(__file__).resolve().parents[1]


def stock(place, item):
    return selectors.stock_of(Movement.objects.all(), warehouse=place, item=item)


def test_receive_in_second_unit_is_converted_to_base_unit(users, catalogue, places):
    row = services.receive_stock(
        actor=users["command"],
        warehouse=places["city"],
        item=catalogue["alcohol"],
        quantity="2.5",
        unit=Unit.TONNE,
    )
    assert row.quantity == Decimal("2500")
    assert (row.entered_quantity, row.entered_unit) == (Decimal("2.5"), Unit.TONNE)
    assert stock(places["city"], catalogue["alcohol"]) == Decimal("2500")
    entry = AuditEntry.objects.filter(object_type="supplies.movement").get()
    assert entry.changes["quantity"] == "2500.0000"


def test_unknown_unit_is_refused_with_the_item_named(users, catalogue, places):
    with pytest.raises(ValidationError) as e:
        services.receive_stock(
            actor=users["command"],
            warehouse=places["city"],
            item=catalogue["gloves"],
            quantity=1,
            unit=Unit.TONNE,
        )
    assert "医用手套" in e.value.message_dict["unit"][0]
    assert not Movement.objects.exists()


def test_no_negative_stock_and_nothing_written_on_refusal(users, catalogue, places):
    actor = users["command"]
    services.receive_stock(
        actor=actor, warehouse=places["city"], item=catalogue["gloves"], quantity=100
    )
    before = Movement.objects.count()
    with pytest.raises(ValidationError) as e:
        services.issue_stock(
            actor=actor,
            warehouse=places["city"],
            item=catalogue["gloves"],
            quantity=101,
            recipient="卡点",
        )
    assert "库存不足" in e.value.message_dict["quantity"][0]
    with pytest.raises(ValidationError):
        services.adjust_stock(
            actor=actor,
            warehouse=places["city"],
            item=catalogue["gloves"],
            quantity=-101,
            reason="盘亏",
        )
    with pytest.raises(ValidationError):
        services.transfer_stock(
            actor=actor,
            source=places["city"],
            destination=places["community"],
            item=catalogue["gloves"],
            quantity=101,
        )
    assert Movement.objects.count() == before
    assert stock(places["city"], catalogue["gloves"]) == 100


def test_transfer_moves_the_same_lots_fifo(users, catalogue, places):
    actor = users["command"]
    first = services.receive_stock(
        actor=actor, warehouse=places["city"], item=catalogue["masks"], quantity=2, unit=Unit.BOX
    )
    second = services.receive_stock(
        actor=actor, warehouse=places["city"], item=catalogue["masks"], quantity=300
    )
    rows = services.transfer_stock(
        actor=actor,
        source=places["city"],
        destination=places["community"],
        item=catalogue["masks"],
        quantity=150,
    )
    assert [(r.kind, r.lot_id, r.quantity) for r in rows] == [
        (MovementKind.TRANSFER_OUT, first.lot_id, Decimal(-100)),
        (MovementKind.TRANSFER_OUT, second.lot_id, Decimal(-50)),
        (MovementKind.TRANSFER_IN, first.lot_id, Decimal(100)),
        (MovementKind.TRANSFER_IN, second.lot_id, Decimal(50)),
    ]
    assert stock(places["city"], catalogue["masks"]) == 250
    assert stock(places["community"], catalogue["masks"]) == 150


def test_adjustment_needs_a_reason(users, catalogue, places):
    with pytest.raises(ValidationError) as e:
        services.adjust_stock(
            actor=users["command"],
            warehouse=places["city"],
            item=catalogue["gloves"],
            quantity=5,
            reason=" ",
        )
    assert "原因" in e.value.message_dict["reason"][0]
    services.adjust_stock(
        actor=users["command"],
        warehouse=places["city"],
        item=catalogue["gloves"],
        quantity=5,
        reason="盘盈",
    )
    assert stock(places["city"], catalogue["gloves"]) == 5


def test_out_of_scope_and_permission_denied_write_nothing(users, catalogue, places):
    with pytest.raises(PermissionDenied):  # grid worker: no stock permission
        services.receive_stock(
            actor=users["grid_a"],
            warehouse=places["checkpoint"],
            item=catalogue["gloves"],
            quantity=1,
        )
    with pytest.raises(PermissionDenied):  # community staff, Miyi warehouse
        services.receive_stock(
            actor=users["community"], warehouse=places["miyi"], item=catalogue["gloves"], quantity=1
        )
    assert not Movement.objects.exists()


def test_ledger_rows_cannot_be_edited_or_deleted(users, catalogue, places):
    row = services.receive_stock(
        actor=users["command"], warehouse=places["city"], item=catalogue["gloves"], quantity=10
    )
    with pytest.raises(PermissionError):
        Movement.objects.filter(pk=row.pk).update(quantity=1000)
    with pytest.raises(PermissionError):
        Movement.objects.all().delete()
    row.quantity = Decimal(1000)
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        Lot.objects.filter(pk=row.lot_id).update(quantity=0)
    assert stock(places["city"], catalogue["gloves"]) == 10


def test_stock_equals_the_sum_of_a_random_history(users, catalogue, places):
    """Random receipts, issues, transfers and adjustments: the selector equals the running
    total kept here, per place, and no place ever went below zero."""
    rng = random.Random(7)
    actor, item = users["command"], catalogue["gloves"]
    names = ["city", "community", "checkpoint"]
    expected = dict.fromkeys(names, Decimal(0))
    for _ in range(60):
        op, a, b = rng.choice("rrito a"), rng.choice(names), rng.choice(names)
        q = Decimal(rng.randint(1, 40))
        try:
            if op == "r":
                services.receive_stock(actor=actor, warehouse=places[a], item=item, quantity=q)
                expected[a] += q
            elif op == "i":
                services.issue_stock(
                    actor=actor, warehouse=places[a], item=item, quantity=q, recipient="领用"
                )
                expected[a] -= q
            elif op == "t" and a != b:
                services.transfer_stock(
                    actor=actor, source=places[a], destination=places[b], item=item, quantity=q
                )
                expected[a] -= q
                expected[b] += q
            elif op == "a":
                services.adjust_stock(
                    actor=actor, warehouse=places[a], item=item, quantity=-q, reason="盘亏"
                )
                expected[a] -= q
        except ValidationError:
            pass
        assert all(v >= 0 for v in expected.values())
    for name in names:
        assert stock(places[name], item) == expected[name]
    levels = {
        (r["warehouse_id"], r["item_id"]): r["quantity"]
        for r in selectors.stock_levels(Movement.objects.all())
    }
    assert levels == {(places[n].pk, item.pk): v for n, v in expected.items() if v}
    assert selectors.stock_by_item(Movement.objects.all()) == {item.pk: sum(expected.values())}


def _writes_in(path: Path) -> list[str]:
    """Calls in ``path`` that could create or change ledger rows."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        text = ast.unparse(node.func)
        if text in (
            "Movement",
            "Lot",
            "Movement.objects.bulk_create",
            "Lot.objects.create",
            "Movement.objects.create",
            "FundEntry.objects.create",
            "Movement.objects.get_or_create",
            "Lot.objects.bulk_create",
        ):
            found.append(f"{path.name}:{node.lineno}:{text}")
    return found


def test_only_the_ledger_service_writes_ledger_rows():
    """No code path edits stock: there is no stock column, and ledger rows are created in
    ``services.py`` (``_post``, ``_new_lot``, ``_fund_entry``) and nowhere else in the app
    (an imported 入库单's lots are the import engine's rows; their "in" rows ``_post``'s)."""
    offenders = []
    for path in APP.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "services.py":
            continue
        offenders += _writes_in(path)
    assert offenders == []
    in_services = _writes_in(APP / "services.py")
    assert sorted(w.split(":")[2] for w in in_services) == [
        "FundEntry.objects.create",
        "Lot.objects.create",
        "Movement",
        "Movement.objects.bulk_create",
    ]
    stock_columns = [f.name for f in Movement._meta.get_fields() if "stock" in f.name]
    assert stock_columns == []


def test_a_place_with_ledger_rows_keeps_its_area(users, areas, catalogue, places):
    """Moving a place to another area would move its history and stock there without a
    transfer: refused once it has rows, so the stock of each area stays the ledger's."""
    actor = users["command"]
    place = places["community"]
    services.receive_stock(actor=actor, warehouse=place, item=catalogue["gloves"], quantity=40)
    with pytest.raises(ValidationError) as e:
        services.update_warehouse(
            actor=actor,
            warehouse=place,
            data={"area": areas["miyi_community"]},
            expected_version=None,
        )
    assert "不能更改所属区域" in e.value.message_dict["area"][0]
    place.refresh_from_db()
    assert place.area == areas["community"]
    # A place without rows yet can still be corrected.
    empty = places["miyi"]
    services.update_warehouse(
        actor=actor, warehouse=empty, data={"area": areas["community"]}, expected_version=None
    )
    empty.refresh_from_db()
    assert empty.area == areas["community"]


def test_a_place_holding_stock_cannot_be_retired(users, catalogue, places):
    """A retired place is offered by no form: its stock could never leave again."""
    actor = users["command"]
    place = places["checkpoint"]
    services.receive_stock(actor=actor, warehouse=place, item=catalogue["gloves"], quantity=40)
    services.receive_stock(actor=actor, warehouse=place, item=catalogue["masks"], quantity=10)
    with pytest.raises(ValidationError) as e:
        services.update_warehouse(
            actor=actor, warehouse=place, data={"active": False}, expected_version=None
        )
    assert e.value.message_dict["active"] == [
        "该库点尚有库存（医用口罩、医用手套），请先调出或盘点清零后再停用"
    ]
    place.refresh_from_db()
    assert place.active
    # Counted down to nothing, it retires.
    for item, q in ((catalogue["gloves"], -40), (catalogue["masks"], -10)):
        services.adjust_stock(actor=actor, warehouse=place, item=item, quantity=q, reason="盘亏")
    services.update_warehouse(
        actor=actor, warehouse=place, data={"active": False}, expected_version=None
    )
    place.refresh_from_db()
    assert not place.active


def test_a_community_returns_a_surplus_to_the_place_that_sent_it(users, catalogue, places):
    """退回: the community sends gloves back to the city warehouse they came from (outside
    its area), the same lots; it cannot push stock into any other place above it."""
    gloves = catalogue["gloves"]
    city, community = places["city"], places["community"]
    services.receive_stock(actor=users["command"], warehouse=city, item=gloves, quantity=100)
    services.transfer_stock(
        actor=users["command"], source=city, destination=community, item=gloves, quantity=60
    )
    rows = services.transfer_stock(
        actor=users["community"],
        source=community,
        destination=city,
        item=gloves,
        quantity=25,
        reason="剩余退回",
    )
    assert [(r.warehouse, r.kind, r.quantity) for r in rows] == [
        (community, MovementKind.TRANSFER_OUT, Decimal(-25)),
        (city, MovementKind.TRANSFER_IN, Decimal(25)),
    ]
    assert stock(city, gloves) == Decimal(65) and stock(community, gloves) == Decimal(35)
    before = Movement.objects.count()
    with pytest.raises(PermissionDenied):  # never sent it anything
        services.transfer_stock(
            actor=users["community"],
            source=community,
            destination=places["quarantine"],
            item=gloves,
            quantity=5,
        )
    services.receive_stock(
        actor=users["command"], warehouse=community, item=catalogue["masks"], quantity=10
    )
    with pytest.raises(PermissionDenied):  # the city sent gloves, not masks
        services.transfer_stock(
            actor=users["community"],
            source=community,
            destination=city,
            item=catalogue["masks"],
            quantity=5,
        )
    assert Movement.objects.count() == before + 1


def test_a_count_posts_the_difference_from_the_book_stock(users, catalogue, places):
    """盘点: the clerk types what is on the shelf; the ledger gets count − book stock, with
    both figures in the reason; a count equal to the book posts nothing."""
    actor, place, masks = users["command"], places["city"], catalogue["masks"]
    services.receive_stock(actor=actor, warehouse=place, item=masks, quantity=100)
    (row,) = services.adjust_stock(
        actor=actor, warehouse=place, item=masks, counted="97", reason="破损"
    )
    assert (row.kind, row.quantity, row.entered_quantity) == (
        MovementKind.ADJUST,
        Decimal(-3),
        Decimal(-3),
    )
    assert row.reason == "破损（实盘 97 只，账面 100 只）"
    (row,) = services.adjust_stock(
        actor=actor, warehouse=place, item=masks, counted="2", unit=Unit.BOX, reason="复盘"
    )
    assert row.quantity == Decimal(3) and row.lot.source == "adjustment"
    assert stock(place, masks) == Decimal(100)
    before = Movement.objects.count()
    with pytest.raises(ValidationError) as e:
        services.adjust_stock(actor=actor, warehouse=place, item=masks, counted=100, reason="月盘")
    assert e.value.message_dict["counted"] == ["实盘数与账面库存一致（100 只），无需调整"]
    services.adjust_stock(actor=actor, warehouse=place, item=masks, counted=0, reason="全部过期")
    assert stock(place, masks) == 0  # both lots emptied, oldest first
    assert Movement.objects.count() == before + 2
