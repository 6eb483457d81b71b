"""Donations: seed 003's figures through the services, receipts, and traceability."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.core import crypto
from fangkong.core.models import AuditEntry
from fangkong.supplies import selectors, services
from fangkong.supplies.choices import DonationKind, DonorKind, FundEntryKind, FundKind, Unit
from fangkong.supplies.models import Donation, Fund, Movement

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 2, 14)


def _money(actor, area, fund, donor, amount, channel=""):
    return services.create_donation(
        actor=actor,
        area=area,
        kind=DonationKind.MONEY,
        donor_kind=DonorKind.ORGANISATION,
        donor_name=donor,
        date=DAY,
        amount=amount,
        fund=fund,
        channel=channel,
        intended_use="疫情防控",
    )


def test_seed_003_figures_are_what_the_selectors_return(areas, users, catalogue, places):
    """截止2月14日,累计捐款168万多元(其中市住建局组织有关企业捐款107.4万元),捐赠酒精、消毒液等
    防疫物品10吨、医用手套10000双 … 专项党费 … 共计58万元."""
    actor, city = users["command"], areas["city"]
    donated = services.create_fund(
        actor=actor, area=city, name="市直机关捐款", kind=FundKind.DONATION
    )
    party = services.create_fund(
        actor=actor, area=city, name="抗疫专项党费", kind=FundKind.PARTY_FEE
    )
    # 107.4 万 through the housing bureau from several firms, the rest from units directly.
    for donor, amount in [("建工集团", "500000"), ("城建公司", "374000"), ("房产公司", "200000")]:
        _money(actor, city, donated, donor, amount, channel="市住建局")
    for donor, amount in [("市直机关党员", "406000"), ("市委编办", "200000")]:
        _money(actor, city, donated, donor, amount)
    services.create_donation(
        actor=actor,
        area=city,
        kind=DonationKind.GOODS,
        donor_kind=DonorKind.ORGANISATION,
        donor_name="市直机关各单位",
        date=DAY,
        warehouse=places["city"],
        goods=[
            services.GoodsLine(catalogue["alcohol"], Decimal("6"), Unit.TONNE),
            services.GoodsLine(catalogue["disinfectant"], Decimal("4000"), Unit.KG),
            services.GoodsLine(catalogue["gloves"], Decimal("10000")),
        ],
    )
    services.record_fund_entry(
        actor=actor,
        fund=party,
        kind=FundEntryKind.INCOME,
        amount="400000",
        date=DAY,
        counterpart="市委组织部",
        purpose="转拨专项党费",
    )
    services.record_fund_entry(
        actor=actor,
        fund=party,
        kind=FundEntryKind.INCOME,
        amount="180000",
        date=DAY,
        counterpart="市直机关工委",
        purpose="工委本级管理党费配套",
    )

    totals = selectors.donation_totals(Donation.objects.visible_to(users["leader"]))
    assert totals["money_total"] == Decimal("1680000")
    assert totals["money_by_channel"]["市住建局"] == Decimal("1074000")
    assert totals["goods_by_unit"] == {Unit.TONNE: Decimal("10"), Unit.PAIR: Decimal("10000")}
    funds = selectors.fund_totals_by_kind(Fund.objects.visible_to(users["leader"]))
    assert funds[FundKind.PARTY_FEE]["income"] == Decimal("580000")
    assert funds[FundKind.DONATION]["balance"] == Decimal("1680000")
    stock = selectors.stock_by_item(Movement.objects.all())
    assert stock[catalogue["gloves"].pk] == 10000
    assert stock[catalogue["alcohol"].pk] == 6000


def test_donor_contact_is_encrypted_and_validated(areas, users, catalogue, places):
    actor = users["command"]
    fund = services.create_fund(actor=actor, area=areas["city"], name="捐款", kind="donation")
    with pytest.raises(ValidationError) as e:
        services.create_donation(
            actor=actor,
            area=areas["city"],
            kind=DonationKind.MONEY,
            donor_kind=DonorKind.PERSON,
            donor_name="王某",
            date=DAY,
            amount="100",
            fund=fund,
            donor_contact="12345",
        )
    assert "donor_contact" in e.value.message_dict
    assert not Donation.objects.exists()
    d = services.create_donation(
        actor=actor,
        area=areas["city"],
        kind=DonationKind.MONEY,
        donor_kind=DonorKind.PERSON,
        donor_name="王某",
        date=DAY,
        amount="100",
        fund=fund,
        donor_contact="13800001234",
    )
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT donor_contact FROM supplies_donation WHERE id = %s", [d.pk])
        stored = c.fetchone()[0]
    assert "13800001234" not in stored
    entry = AuditEntry.objects.filter(object_type="supplies.donation").get()
    assert "13800001234" not in str(entry.changes)
    assert crypto.decrypt(entry.changes["donor_contact"]) == "13800001234"


def test_goods_donation_needs_lines_and_writes_nothing_on_a_bad_line(
    areas, users, catalogue, places
):
    actor = users["command"]
    with pytest.raises(ValidationError) as e:
        services.create_donation(
            actor=actor,
            area=areas["city"],
            kind=DonationKind.GOODS,
            donor_kind=DonorKind.ORGANISATION,
            donor_name="某公司",
            date=DAY,
            warehouse=places["city"],
            goods=[
                services.GoodsLine(catalogue["gloves"], Decimal("5")),
                services.GoodsLine(catalogue["gloves"], Decimal("1"), Unit.TONNE),
            ],
        )
    assert "医用手套" in e.value.message_dict["goods"][0]
    assert not Donation.objects.exists() and not Movement.objects.exists()


def test_every_donated_unit_is_traced(areas, users, catalogue, places):
    """1000 donated pairs: some issued at the warehouse, some sent to a community and used
    there, some in transit to a checkpoint; the trace adds up to 1000 and names each place."""
    actor, gloves = users["command"], catalogue["gloves"]
    services.receive_stock(actor=actor, warehouse=places["city"], item=gloves, quantity=50)
    donation = services.create_donation(
        actor=actor,
        area=areas["city"],
        kind=DonationKind.GOODS,
        donor_kind=DonorKind.ORGANISATION,
        donor_name="某医疗器械公司",
        date=DAY,
        warehouse=places["city"],
        goods=[services.GoodsLine(gloves, Decimal("1000"))],
    )
    # FIFO: the 50 bought earlier go first, then the donated ones.
    services.issue_stock(
        actor=actor, warehouse=places["city"], item=gloves, quantity=150, recipient="市人民医院"
    )
    services.transfer_stock(
        actor=actor,
        source=places["city"],
        destination=places["community"],
        item=gloves,
        quantity=300,
    )
    services.issue_stock(
        actor=actor,
        warehouse=places["community"],
        item=gloves,
        quantity=120,
        recipient="第一网格志愿者",
    )
    request = services.submit_request(
        actor=actor, unit=places["checkpoint"], item=gloves, quantity=200
    )
    services.decide_request(actor=actor, request=request, approve=True)
    services.allocate_item(actor=actor, source=places["city"], item=gloves)

    rows = {(r.place, r.status): r.quantity for r in selectors.trace_donation(donation)}
    assert rows == {
        ("市应急物资仓库", "on_hand"): Decimal(400),
        ("海棠花语社区", "on_hand"): Decimal(180),
        ("市人民医院", "issued"): Decimal(100),
        ("第一网格志愿者", "issued"): Decimal(120),
        ("仁和高速卡点", "in_transit"): Decimal(200),
    }
    assert sum(rows.values()) == 1000


def test_donation_and_fund_entry_dates_may_not_be_in_the_future(areas, users, catalogue, places):
    actor, city = users["command"], areas["city"]
    fund = services.create_fund(actor=actor, area=city, name="捐款", kind=FundKind.DONATION)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for day in (datetime.date(2030, 1, 1), tomorrow):
        with pytest.raises(ValidationError) as e:
            services.create_donation(
                actor=actor,
                area=city,
                kind=DonationKind.MONEY,
                donor_kind=DonorKind.ORGANISATION,
                donor_name="某公司",
                date=day,
                amount="1000",
                fund=fund,
            )
        assert e.value.message_dict == {"date": ["捐赠日期不能晚于今天"]}
        with pytest.raises(ValidationError) as e:
            services.record_fund_entry(
                actor=actor, fund=fund, kind=FundEntryKind.INCOME, amount="10", date=day
            )
        assert e.value.message_dict == {"date": ["日期不能晚于今天"]}
    assert not Donation.objects.exists()
    assert not fund.entries.exists()


def test_a_donation_recorded_in_error_is_voided_out_of_fund_stock_and_totals(
    areas, users, catalogue, places
):
    """撤销: a repeated entry of a money donation is reversed out of its fund (红字冲销); a goods
    donation's lots leave the warehouse; neither counts any more, and both stay on record."""
    actor, city = users["command"], areas["city"]
    fund = services.create_fund(actor=actor, area=city, name="市直机关捐款", kind="donation")
    kept = _money(actor, city, fund, "建工集团", "500000")
    twice = _money(actor, city, fund, "建工集团", "500000")
    goods = services.create_donation(
        actor=actor,
        area=city,
        kind=DonationKind.GOODS,
        donor_kind=DonorKind.ORGANISATION,
        donor_name="市直机关各单位",
        date=DAY,
        warehouse=places["city"],
        goods=[services.GoodsLine(catalogue["gloves"], Decimal("10000"))],
    )
    with pytest.raises(ValidationError, match="撤销捐赠须填写原因"):
        services.void_donation(actor=actor, donation=twice, reason=" ")
    with pytest.raises(PermissionDenied):
        services.void_donation(actor=users["leader"], donation=twice, reason="重复登记")

    services.void_donation(actor=actor, donation=twice, reason="重复登记")
    services.void_donation(actor=actor, donation=goods, reason="录错库点")
    totals = selectors.donation_totals(Donation.objects.all())
    assert (totals["money_total"], totals["donation_count"], totals["goods"]) == (
        Decimal("500000"),
        1,
        [],
    )
    funds = selectors.fund_totals_by_kind(Fund.objects.all())
    assert funds[FundKind.DONATION]["balance"] == Decimal("500000")
    assert selectors.stock_by_item(Movement.objects.all()).get(catalogue["gloves"].pk, 0) == 0
    twice.refresh_from_db()
    assert (twice.void_reason, twice.voided_at is not None) == ("重复登记", True)
    entries = AuditEntry.objects.filter(object_type="supplies.donation", action="update")
    assert sorted(entries.values_list("reason", flat=True)) == sorted(["重复登记", "录错库点"])
    with pytest.raises(ValidationError, match="该捐赠登记已撤销"):
        services.void_donation(actor=actor, donation=twice, reason="再次")

    # Once spent or issued, it is corrected in the ledger instead: nothing is written.
    services.record_fund_entry(
        actor=actor,
        fund=fund,
        kind=FundEntryKind.SPENDING,
        amount="300000",
        date=DAY,
        counterpart="市卫健委",
        purpose="采购防护服",
    )
    with pytest.raises(ValidationError, match="不足以冲销"):
        services.void_donation(actor=actor, donation=kept, reason="录错")
    issued = services.create_donation(
        actor=actor,
        area=city,
        kind=DonationKind.GOODS,
        donor_kind=DonorKind.ORGANISATION,
        donor_name="爱心企业",
        date=DAY,
        warehouse=places["city"],
        goods=[services.GoodsLine(catalogue["gloves"], Decimal("100"))],
    )
    services.issue_stock(
        actor=actor,
        warehouse=places["city"],
        item=catalogue["gloves"],
        quantity=10,
        recipient="海棠花语社区",
    )
    with pytest.raises(ValidationError, match="已有出库或调拨"):
        services.void_donation(actor=actor, donation=issued, reason="录错")
    assert Donation.objects.filter(voided_at__isnull=False).count() == 2
