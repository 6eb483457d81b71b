"""Requests, allocation with priority to the front line, dispatch and receipt."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.supplies import selectors, services
from fangkong.supplies.choices import AllocationState, RequestState, Urgency, WarehouseKind
from fangkong.supplies.models import Movement, SupplyRequest

pytestmark = pytest.mark.django_db


def _approved(actor, unit, item, qty, urgency=Urgency.NORMAL):
    r = services.submit_request(actor=actor, unit=unit, item=item, quantity=qty, urgency=urgency)
    return services.decide_request(actor=actor, request=r, approve=True)


def test_allocation_serves_front_line_first_then_urgent_then_earliest(
    users, catalogue, places, areas
):
    actor, masks = users["command"], catalogue["masks"]
    other = services.create_warehouse(
        actor=actor,
        data={"area": areas["renhe"], "name": "区仓库", "kind": WarehouseKind.WAREHOUSE},
    )
    # Submitted in the reverse of the order they must be served.
    r_other = _approved(actor, other, masks, 100, Urgency.URGENT)
    r_comm = _approved(actor, places["community"], masks, 100)
    r_comm_urgent = _approved(actor, places["miyi"], masks, 100, Urgency.URGENT)
    r_check = _approved(actor, places["checkpoint"], masks, 100)
    r_quar = _approved(actor, places["quarantine"], masks, 100)
    services.receive_stock(actor=actor, warehouse=places["city"], item=masks, quantity=350)

    created = services.allocate_item(actor=actor, source=places["city"], item=masks)
    assert [(a.request_id, a.quantity, a.rank) for a in created] == [
        (r_quar.pk, 100, 1),
        (r_check.pk, 100, 2),
        (r_comm_urgent.pk, 100, 3),
        (r_comm.pk, 50, 4),  # stock ran out part-way
    ]
    states = dict(SupplyRequest.objects.values_list("pk", "state"))
    assert (
        states[r_comm.pk] == RequestState.APPROVED and states[r_other.pk] == RequestState.APPROVED
    )
    assert states[r_quar.pk] == RequestState.FULFILLED
    # More stock arrives: the partly served community request gets its remaining 50 first.
    services.receive_stock(actor=actor, warehouse=places["city"], item=masks, quantity=60)
    second = services.allocate_item(actor=actor, source=places["city"], item=masks)
    assert [(a.request_id, a.quantity) for a in second] == [(r_comm.pk, 50), (r_other.pk, 10)]


def test_plan_allocation_order_is_a_total_order():
    class U:
        def __init__(self, kind):
            self.kind = kind

    class R:
        def __init__(self, pk, kind, urgency, minute, qty):
            self.pk, self.unit, self.urgency = pk, U(kind), urgency
            self.created_at = datetime.datetime(2020, 2, 1, 8, minute)
            self.approved_quantity = Decimal(qty)

    reqs = [
        R(1, WarehouseKind.COMMUNITY, Urgency.URGENT, 0, 10),
        R(2, WarehouseKind.HOSPITAL, Urgency.NORMAL, 5, 10),
        R(3, WarehouseKind.QUARANTINE_SITE, Urgency.NORMAL, 5, 10),
        R(4, WarehouseKind.CHECKPOINT, Urgency.NORMAL, 1, 10),
        R(5, WarehouseKind.CHECKPOINT, Urgency.URGENT, 9, 10),
    ]
    plan = services.plan_allocation(reqs, Decimal(45), {4: Decimal(5)})
    assert [(p.request.pk, p.quantity) for p in plan] == [
        (2, 10),
        (3, 10),
        (5, 10),
        (4, 5),
        (1, 10),
    ]


def test_dispatch_is_in_transit_until_the_unit_signs(users, catalogue, places):
    actor, gloves = users["command"], catalogue["gloves"]
    services.receive_stock(actor=actor, warehouse=places["city"], item=gloves, quantity=80)
    req = _approved(actor, places["checkpoint"], gloves, 50)
    (allocation,) = services.allocate_item(actor=actor, source=places["city"], item=gloves)
    movements = Movement.objects.all()
    assert selectors.stock_of(movements, warehouse=places["city"], item=gloves) == 30
    assert selectors.stock_of(movements, warehouse=places["checkpoint"], item=gloves) == 0
    assert selectors.in_transit(allocation.__class__.objects.all()) == {gloves.pk: 50}
    with pytest.raises(PermissionDenied):  # grid worker of another grid
        services.confirm_receipt(actor=users["grid_b"], allocation=allocation)
    services.confirm_receipt(actor=users["community"], allocation=allocation, note="已清点")
    allocation.refresh_from_db()
    assert allocation.state == AllocationState.RECEIVED
    assert allocation.received_by == users["community"]
    assert selectors.stock_of(movements, warehouse=places["checkpoint"], item=gloves) == 50
    with pytest.raises(ValidationError):
        services.confirm_receipt(actor=users["community"], allocation=allocation)
    assert selectors.stock_of(movements, warehouse=places["checkpoint"], item=gloves) == 50
    assert req.pk == allocation.request_id


def test_decisions(users, catalogue, places):
    actor = users["command"]
    r = services.submit_request(
        actor=users["community"],
        unit=places["community"],
        item=catalogue["masks"],
        quantity=2,
        unit_of_measure="box",
    )
    assert r.quantity == 100
    with pytest.raises(PermissionDenied):
        services.decide_request(actor=users["community"], request=r, approve=True)
    with pytest.raises(ValidationError):
        services.decide_request(actor=actor, request=r, approve=False, note="")
    with pytest.raises(ValidationError):
        services.decide_request(actor=actor, request=r, approve=True, approved_quantity=101)
    services.decide_request(
        actor=actor, request=r, approve=True, approved_quantity=80, expected_version=1
    )
    r.refresh_from_db()
    assert (r.state, r.approved_quantity) == (RequestState.APPROVED, 80)
    with pytest.raises(ValidationError):
        services.decide_request(actor=actor, request=r, approve=False, note="重复")


def _out(actor, place, item, qty, days_ago):
    from .conftest import days_ago as ago

    services.issue_stock(
        actor=actor,
        warehouse=place,
        item=item,
        quantity=qty,
        recipient="用",
        occurred_at=ago(days_ago),
    )


def test_low_stock_by_days_of_cover_at_the_burn_rate(users, catalogue, places):
    """The window is the last 7 days including today. Masks at the city warehouse: 100 a day
    on the 6 days before today and 50 today → 650 ÷ 7 a day, 250 left → 2.7 days < 3: alert.
    Gloves: 60 used (60 ÷ 7 a day), 100 left → 11.7 days: no alert. Issues 7 and 8 days ago
    lie outside the window."""
    from .conftest import days_ago

    actor, masks, gloves = users["command"], catalogue["masks"], catalogue["gloves"]
    services.receive_stock(
        actor=actor, warehouse=places["city"], item=masks, quantity=5000, occurred_at=days_ago(20)
    )
    services.receive_stock(
        actor=actor, warehouse=places["city"], item=gloves, quantity=170, occurred_at=days_ago(20)
    )
    _out(actor, places["city"], masks, 4000, 8)
    for n in range(1, 8):
        _out(actor, places["city"], masks, 100, n)
        _out(actor, places["city"], gloves, 10, n)
    _out(actor, places["city"], masks, 50, 0)
    rows = {(r.item.code): r for r in selectors.stock_table(Movement.objects.all())}
    assert rows["KZ"].quantity == 250
    assert rows["KZ"].daily_outflow == Decimal(650) / 7
    assert rows["KZ"].days_of_cover == Decimal("2.7")
    assert rows["ST"].days_of_cover == Decimal("11.7")
    alerts = selectors.low_stock_alerts(Movement.objects.all())
    assert [(a.warehouse.name, a.item.code) for a in alerts] == [("市应急物资仓库", "KZ")]
    # Scoped: the Miyi community user sees none of it.
    assert selectors.low_stock_alerts(Movement.objects.visible_to(users["grid_c"])) == []


def test_todays_issue_counts_in_the_burn_rate(users, catalogue, places):
    """1,801.5 kg stocked and 1,500 kg issued today: 1,500 ÷ 7 a day, 301.5 left → 1.4 days
    < 3: alert today (it ignored today's outflow: 日均消耗 0, no alert)."""
    from .conftest import days_ago

    actor, alcohol = users["command"], catalogue["alcohol"]
    place = places["quarantine"]
    services.receive_stock(
        actor=actor, warehouse=place, item=alcohol, quantity="1801.5", occurred_at=days_ago(0, 8)
    )
    _out(actor, place, alcohol, 1500, 0)
    (row,) = selectors.stock_table(Movement.objects.all())
    assert (row.quantity, row.daily_outflow) == (Decimal("301.5"), Decimal(1500) / 7)
    assert row.days_of_cover == Decimal("1.4") and row.low
    assert selectors.low_stock_alerts(Movement.objects.all()) == [row]


def test_an_item_emptied_in_the_window_stays_with_stock_zero_and_alerts(users, catalogue, places):
    """Emptied today by an issue, or by a count: listed with stock 0 and low, emptied places
    before those with days left; stock emptied before the window is no longer listed."""
    from .conftest import days_ago

    actor, masks, gloves = users["command"], catalogue["masks"], catalogue["gloves"]
    city, community = places["city"], places["community"]
    for place, item in ((city, masks), (city, gloves), (community, masks)):
        services.receive_stock(
            actor=actor, warehouse=place, item=item, quantity=100, occurred_at=days_ago(20)
        )
    _out(actor, city, masks, 100, 0)  # emptied today
    services.adjust_stock(
        actor=actor, warehouse=community, item=masks, quantity=-100, reason="盘亏"
    )
    _out(actor, city, gloves, 90, 1)  # 10 left at 90 ÷ 7 a day: 0.8 days
    rows = {
        (r.warehouse.name, r.item.code): r for r in selectors.stock_table(Movement.objects.all())
    }
    assert {k: (r.quantity, r.low) for k, r in rows.items()} == {
        ("市应急物资仓库", "KZ"): (0, True),
        ("市应急物资仓库", "ST"): (10, True),
        ("海棠花语社区", "KZ"): (0, True),
    }
    assert rows[("市应急物资仓库", "KZ")].days_of_cover == 0
    assert rows[("海棠花语社区", "KZ")].days_of_cover is None  # nothing issued: counted away
    alerts = selectors.low_stock_alerts(Movement.objects.all())
    assert [(a.warehouse.name, a.item.code) for a in alerts][-1] == ("市应急物资仓库", "ST")
    # Eight days on, the emptied rows have not moved within the window: no longer listed.
    later = timezone.localdate() + datetime.timedelta(days=8)
    assert [
        (r.warehouse.name, r.item.code, r.quantity)
        for r in selectors.stock_table(Movement.objects.all(), today=later)
    ] == [("市应急物资仓库", "ST", 10)]


def test_low_stock_compares_the_exact_days_of_cover_not_the_rounded_one(users, catalogue, places):
    """70 issued over the window (10 a day) and 29.6 left: 2.96 days, shown as 3.0, is still
    below the 3 alert days."""
    from .conftest import days_ago

    actor, alcohol = users["command"], catalogue["alcohol"]
    services.receive_stock(
        actor=actor,
        warehouse=places["city"],
        item=alcohol,
        quantity="99.6",
        occurred_at=days_ago(20),
    )
    _out(actor, places["city"], alcohol, 70, 3)
    (row,) = selectors.stock_table(Movement.objects.all())
    assert (row.days_of_cover, row.low) == (Decimal("3.0"), True)


def test_fund_balance_derived_and_never_negative(areas, users):
    actor = users["command"]
    fund = services.create_fund(actor=actor, area=areas["city"], name="专项党费", kind="party_fee")
    services.record_fund_entry(
        actor=actor,
        fund=fund,
        kind="income",
        amount="580000",
        date=datetime.date(2020, 2, 10),
        counterpart="市委组织部",
    )
    services.record_fund_entry(
        actor=actor,
        fund=fund,
        kind="allocation",
        amount="300000",
        date=datetime.date(2020, 2, 11),
        counterpart="市卫健委",
    )
    services.record_fund_entry(
        actor=actor,
        fund=fund,
        kind="spending",
        amount="80000.50",
        date=datetime.date(2020, 2, 12),
        counterpart="口罩采购",
    )
    with pytest.raises(ValidationError) as e:
        services.record_fund_entry(
            actor=actor,
            fund=fund,
            kind="spending",
            amount="200000",
            date=datetime.date(2020, 2, 12),
            counterpart="超支",
        )
    assert "199999.50" in e.value.message_dict["amount"][0]
    row = selectors.fund_list(type(fund).objects.all()).get()
    assert (row.income, row.allocated, row.spent, row.balance) == (
        Decimal("580000"),
        Decimal("-300000"),
        Decimal("-80000.50"),
        Decimal("199999.50"),
    )
