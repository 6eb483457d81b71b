"""Seeds 003 and 004 on the dashboard: the facts entered through the services show up as
the dashboard's figures.

003: 截止2月14日,累计捐款168万多元(其中市住建局组织有关企业捐款107.4万元),捐赠酒精、消毒液等
防疫物品10吨、医用手套10000双 … 专项党费 … 共计58万元.
004: 4 支调研督导组, covering 3 streets/towns, 9 villages and 16 communities.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from fangkong.areas.choices import AreaLevel
from fangkong.core.testing import factories
from fangkong.dashboard.figures import figure_values
from fangkong.supervision import services as supervision
from fangkong.supplies import services as supplies
from fangkong.supplies.choices import DonationKind, DonorKind, FundEntryKind, FundKind, Unit
from fangkong.supplies.models import Fund
from fangkong.supplies.tests.conftest import catalogue, places  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
DAY = datetime.date(2020, 2, 14)

SEED_FIGURES = {
    "donations_money": Decimal("1680000"),
    "donations_money_channels": Decimal("1074000"),
    "donations_goods_tonnes": Decimal("10"),
    "donations_goods_pairs": Decimal("10000"),
    "party_fees": Decimal("580000"),
    "supervision_groups": 4,
    "supervision_streets": 3,
    "supervision_villages": 9,
    "supervision_communities": 16,
}


def enter_seed_004(areas, users) -> None:
    """3 streets/towns under 仁和区 with 3 villages each and 5, 5 and 6 communities; four
    groups, the fourth on a village the first already covers."""
    streets = []
    for s, communities in enumerate((5, 5, 6), start=1):
        street = factories.area(f"51041120{s}", f"第{s}镇", AreaLevel.STREET, areas["renhe"])
        names = [f"{s}镇{v}村" for v in range(1, 4)] + [
            f"{s}镇{c}社区" for c in range(1, communities + 1)
        ]
        for n, name in enumerate(names, start=1):
            factories.area(f"{street.code}{n:03d}", name, AreaLevel.COMMUNITY, street)
        streets.append(street)
    village = streets[0].children.get(name="1镇1村")
    for i, assigned in enumerate([[streets[0]], [streets[1]], [streets[2]], [village]], 1):
        supervision.create_group(
            actor=users["command"],
            data={
                "name": f"第{i}督导组",
                "area": areas["city"],
                "members": [users["leader"]],
                "assigned_areas": assigned,
            },
        )


def enter_seed_003(areas, users, catalogue, places) -> None:  # noqa: F811
    actor, city = users["command"], areas["city"]
    donated = supplies.create_fund(
        actor=actor, area=city, name="市直机关捐款", kind=FundKind.DONATION
    )
    party = supplies.create_fund(
        actor=actor, area=city, name="抗疫专项党费", kind=FundKind.PARTY_FEE
    )
    money = [
        ("建工集团", "500000", "市住建局"),
        ("城建公司", "374000", "市住建局"),
        ("房产公司", "200000", "市住建局"),
        ("市直机关党员", "406000", ""),
        ("市委编办", "200000", ""),
    ]
    common = {"actor": actor, "area": city, "donor_kind": DonorKind.ORGANISATION, "date": DAY}
    for donor, amount, channel in money:
        supplies.create_donation(
            **common,
            kind=DonationKind.MONEY,
            donor_name=donor,
            amount=amount,
            fund=donated,
            channel=channel,
            intended_use="疫情防控",
        )
    supplies.create_donation(
        **common,
        kind=DonationKind.GOODS,
        donor_name="市直机关各单位",
        warehouse=places["city"],
        goods=[
            supplies.GoodsLine(catalogue["alcohol"], Decimal("6"), Unit.TONNE),
            supplies.GoodsLine(catalogue["disinfectant"], Decimal("4000"), Unit.KG),
            supplies.GoodsLine(catalogue["gloves"], Decimal("10000")),
        ],
    )
    for amount, counterpart in (("400000", "市委组织部"), ("180000", "市直机关工委")):
        supplies.record_fund_entry(
            actor=actor,
            fund=party,
            kind=FundEntryKind.INCOME,
            amount=amount,
            date=DAY,
            counterpart=counterpart,
            purpose="专项党费",
        )


@pytest.fixture
def seeds(areas, users, catalogue, places):  # noqa: F811
    enter_seed_004(areas, users)
    enter_seed_003(areas, users, catalogue, places)


def test_dashboard_figures_reproduce_the_seeds(seeds, areas, users):
    values = figure_values(users["leader"], areas["city"], DAY, list(SEED_FIGURES))
    assert values == SEED_FIGURES
    # The day before, nothing had been donated yet.
    before = figure_values(users["leader"], areas["city"], DAY - datetime.timedelta(days=1))
    assert before["donations_money"] == 0 and before["party_fees"] == 0


def test_dashboard_page_shows_the_seed_figures(client, seeds, areas, users):
    client.force_login(users["leader"])
    response = client.get(reverse("dashboard:dashboard"))
    items = {i["key"]: i["value"] for g in response.context["groups"] for i in g["items"]}
    assert {k: items[k] for k in SEED_FIGURES} == SEED_FIGURES
    html = response.content.decode()
    # 168万 grouped by three digits (GB/T 15835), not a row of zeros to count.
    assert ">1,680,000<" in html and "累计捐款(元)" in html


def test_donation_figures_link_lists_whose_total_is_the_figure(client, seeds, areas, users):
    """累计捐款 and 其中经部门组织捐款 as of a day: their links list the donations they add up,
    the list's 捐款合计 being the figure (the channel figure listed every money donation, and
    an earlier day's list counted the donations made since)."""
    fund = supplies.create_fund(
        actor=users["command"], area=areas["city"], name="次日捐款", kind=FundKind.DONATION
    )
    supplies.create_donation(
        actor=users["command"],
        area=areas["city"],
        donor_kind=DonorKind.ORGANISATION,
        date=DAY + datetime.timedelta(days=1),
        kind=DonationKind.MONEY,
        donor_name="次日捐款单位",
        amount="50000",
        fund=fund,
        channel="市住建局",
    )
    client.force_login(users["leader"])
    response = client.get(reverse("dashboard:dashboard"), {"date": DAY.isoformat()})
    items = {i["key"]: i for g in response.context["groups"] for i in g["items"]}
    for key in ("donations_money", "donations_money_channels"):
        listed = client.get(items[key]["url"]).context["totals"]["money_total"]
        assert listed == items[key]["value"] == SEED_FIGURES[key], key


def test_party_fee_figure_links_funds_whose_income_is_the_figure(client, seeds, areas, users):
    """专项党费收入 as of a day: its link lists the party-fee funds with the income booked up to
    that day (it listed every entry to date, so a day looked back showed later income)."""
    party = Fund.objects.get(kind=FundKind.PARTY_FEE)
    supplies.record_fund_entry(
        actor=users["command"],
        fund=party,
        kind=FundEntryKind.INCOME,
        amount="20000",
        date=DAY + datetime.timedelta(days=1),
        counterpart="区委组织部",
        purpose="专项党费",
    )
    client.force_login(users["leader"])
    response = client.get(reverse("dashboard:dashboard"), {"date": DAY.isoformat()})
    item = next(
        i for g in response.context["groups"] for i in g["items"] if i["key"] == "party_fees"
    )
    funds = list(client.get(item["url"]).context["table"])
    assert [fund.name for fund, _cells in funds] == ["抗疫专项党费"]
    assert funds[0][0].income == item["value"] == SEED_FIGURES["party_fees"]
    # Today the later income is in both.
    response = client.get(reverse("dashboard:dashboard"))
    item = next(
        i for g in response.context["groups"] for i in g["items"] if i["key"] == "party_fees"
    )
    fund = next(iter(client.get(item["url"]).context["table"]))[0]
    assert fund.income == item["value"] == SEED_FIGURES["party_fees"] + 20000
