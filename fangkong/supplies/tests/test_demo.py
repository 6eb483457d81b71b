"""The demo city's supplies and prices: seed 003 figures, rules held, second run adds nothing."""

from decimal import Decimal

import pytest

from fangkong.core.audit import verify_chain
from fangkong.demo.supplies import load_supplies
from fangkong.prices import selectors as price_selectors
from fangkong.prices.models import PriceLine
from fangkong.supplies import selectors
from fangkong.supplies.choices import FundKind, Unit
from fangkong.supplies.models import Donation, Fund, Item, Movement

pytestmark = pytest.mark.django_db


def test_demo_supplies(areas, users):
    created = load_supplies(actor=users["command"], root=areas["city"], seed=2020)
    assert created["supply_items"] == 8 and created["markets"] == 2
    totals = selectors.donation_totals(Donation.objects.all())
    assert totals["money_total"] == Decimal("1680000")
    assert totals["money_by_channel"]["市住建局"] == Decimal("1074000")
    assert totals["goods_by_unit"][Unit.TONNE] == 10
    assert totals["goods_by_unit"][Unit.PAIR] == 10000
    funds = selectors.fund_totals_by_kind(Fund.objects.all())
    assert funds[FundKind.PARTY_FEE] == {"income": Decimal("580000"), "balance": Decimal("380000")}
    levels = selectors.stock_levels(Movement.objects.all())
    assert all(r["quantity"] > 0 for r in levels)
    assert price_selectors.price_alerts(PriceLine.objects.all())  # the pork rise shows
    assert verify_chain().ok
    assert load_supplies(actor=users["command"], root=areas["city"], seed=2020) == {}
    assert Item.objects.count() == 8
