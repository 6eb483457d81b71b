"""/api/v1/ markets, commodities, price lines and price alerts."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.prices import services

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_markets_scoped_and_alerts(users, necessities, markets):
    assert [m["name"] for m in api(users["grid_c"]).get("/api/v1/markets/").json()["results"]] == [
        "攀莲农贸市场"
    ]
    today = timezone.localdate()
    egg = necessities["鸡蛋"]
    for n, p in enumerate(["5", "5", "5", "6"]):
        day = today - datetime.timedelta(days=3 - n)
        services.submit_price_report(
            actor=users["command"],
            market=markets["market"],
            date=day,
            today=day,
            prices={egg.pk: (p, "100")},
        )
    alerts = api(users["grid_c"]).get("/api/v1/price-lines/alerts/").json()
    assert [(a["market"], a["price"], a["baseline"], a["rise_percent"]) for a in alerts] == [
        (markets["market"].pk, "6.00", "5.00", "20.0")
    ]
    assert api(users["grid_a"]).get("/api/v1/price-lines/alerts/").json() == []
    lines = api(users["grid_c"]).get("/api/v1/price-lines/").json()
    assert lines["count"] == 4
    assert api(users["grid_c"]).post("/api/v1/commodities/", {"name": "x"}).status_code == 403
