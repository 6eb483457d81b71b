"""Tip figures a dashboard reads: per state, per sub-area, rewards — scoped."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from fangkong.tips import selectors, services
from fangkong.tips.forms import form_token
from fangkong.tips.models import Reward, Tip

pytestmark = pytest.mark.django_db


def _tip(area, n, **contact):
    return services.submit_tip(
        category="gathering",
        description="有人聚集打牌",
        area=area,
        client_address=f"10.1.0.{n}",
        **contact,
    )


def test_counts_by_state_and_area_and_rewards(areas, users):
    command = users["command"]
    a = _tip(
        areas["community"], 1, anonymous=False, contact_name="举报人", contact_phone="13800000000"
    )
    _tip(areas["grid_c"], 2)
    _tip(areas["miyi_street"], 3)
    services.assign_tip(actor=command, tip=a, area=areas["grid_a"])
    services.verify_tip(actor=command, tip=a, founded=True, outcome="属实，已劝散")
    reward = services.record_reward(actor=command, tip=a, amount=Decimal("150"))
    services.mark_reward_paid(actor=command, reward=reward, paid_on=datetime.date.today())
    visible = Tip.objects.visible_to(command)
    assert selectors.tip_counts(visible) == {
        "new": 2,
        "assigned": 0,
        "verified": 1,
        "unfounded": 0,
        "rejected": 0,
        "total": 3,
    }
    by_area = selectors.tip_counts_by_area(visible, areas["city"])
    assert [(r["area"].name, r["total"], r["verified"]) for r in by_area] == [
        ("仁和区", 1, 1),
        ("米易县", 2, 0),
    ]
    assert selectors.reward_totals(Reward.objects.visible_to(command)) == {
        "recorded": 1,
        "paid": 1,
        "amount_total": Decimal("150.00"),
        "paid_amount": Decimal("150.00"),
    }
    # A community sees only its own.
    assert selectors.tip_counts(Tip.objects.visible_to(users["community"]))["total"] == 1


def test_public_form_requires_the_csrf_token(areas):
    client = Client(enforce_csrf_checks=True)
    data = {
        "category": "price",
        "description": "口罩每个卖二十元",
        "place": "某超市",
        "anonymous": "on",
        "started": form_token(0),
    }
    assert client.post(reverse("tips:submit"), data).status_code == 403
    assert Tip.objects.count() == 0


def test_reward_list_heads_with_the_totals_of_what_it_lists(client, areas, users):
    """The office pays rewards and reports the money: the 举报奖励 list showed the rows but
    no sum, so the amounts were added up by hand from the export. It now heads with the
    count and yuan recorded and paid, for the rows the filter and scope show."""
    command = users["command"]
    rewards = []
    for n, (area, amount) in enumerate(
        [
            (areas["community"], "150"),
            (areas["community"], "200.50"),
            (areas["miyi_street"], "80"),
        ],
        1,
    ):
        tip = _tip(area, n, anonymous=False, contact_name="举报人", contact_phone="13800000000")
        services.assign_tip(actor=command, tip=tip, area=area)
        services.verify_tip(actor=command, tip=tip, founded=True, outcome="属实")
        rewards.append(services.record_reward(actor=command, tip=tip, amount=Decimal(amount)))
    services.mark_reward_paid(actor=command, reward=rewards[0], paid_on=datetime.date.today())
    client.force_login(command)
    url = reverse("tips:reward_list")
    page = client.get(url).content.decode()
    assert "共 3 笔，奖励合计 430.50 元；已发放 1 笔 150.00 元" in page
    page = client.get(url + "?paid=false").content.decode()
    assert "共 2 笔，奖励合计 280.50 元；已发放 0 笔 0.00 元" in page
    client.force_login(users["street"])
    page = client.get(url).content.decode()
    assert "共 2 笔，奖励合计 350.50 元；已发放 1 笔 150.00 元" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_rewarding_one_tip_at_once_record_one_reward(areas, users):
    from django.core.exceptions import ValidationError

    from fangkong.core.testing.sessions import second_while_first_uncommitted

    command = users["command"]
    tip = _tip(
        areas["community"], 1, anonymous=False, contact_name="举报人", contact_phone="13800000000"
    )
    services.assign_tip(actor=command, tip=tip, area=areas["grid_a"])
    services.verify_tip(actor=command, tip=tip, founded=True, outcome="属实，已劝散")

    def reward():
        return services.record_reward(actor=command, tip=tip, amount=Decimal("150"))

    race = second_while_first_uncommitted(reward, reward)
    assert race.first is None and race.second_waited
    assert isinstance(race.second, ValidationError)
    assert race.second.message_dict == {"tip": ["该线索已登记奖励"]}
    assert Reward.objects.filter(tip=tip).count() == 1
