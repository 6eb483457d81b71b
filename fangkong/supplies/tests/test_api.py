"""/api/v1/ supplies endpoints: scoped, masked, written through the services."""

import datetime

import pytest
from rest_framework.test import APIClient

from fangkong.supplies import services
from fangkong.supplies.choices import DonationKind, DonorKind
from fangkong.supplies.models import SupplyRequest, Warehouse

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_warehouses_scoped_created_and_version_locked(users, areas, places):
    names = {
        w["name"] for w in api(users["community"]).get("/api/v1/warehouses/").json()["results"]
    }
    assert names == {"海棠花语社区", "仁和高速卡点"}
    r = api(users["street"]).post(
        "/api/v1/warehouses/", {"area": areas["miyi"].pk, "name": "越权仓库"}
    )
    assert r.status_code == 403
    assert not Warehouse.objects.filter(name="越权仓库").exists()
    r = api(users["street"]).post(
        "/api/v1/warehouses/", {"area": areas["street"].pk, "name": "街道仓库", "kind": "warehouse"}
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    ok = api(users["street"]).patch(f"/api/v1/warehouses/{pk}/", {"keeper": "张", "version": 1})
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api(users["street"]).patch(f"/api/v1/warehouses/{pk}/", {"keeper": "李", "version": 1})
    assert stale.status_code == 409
    assert api(users["street"]).delete(f"/api/v1/warehouses/{pk}/").status_code == 405


def test_stock_endpoint_and_movements_read_only(users, catalogue, places):
    services.receive_stock(
        actor=users["command"],
        warehouse=places["checkpoint"],
        item=catalogue["gloves"],
        quantity=40,
    )
    services.receive_stock(
        actor=users["command"], warehouse=places["miyi"], item=catalogue["gloves"], quantity=9
    )
    rows = api(users["grid_a"]).get("/api/v1/stock-movements/stock/")
    assert rows.status_code == 403  # grid workers do not see the ledger
    rows = api(users["community"]).get("/api/v1/stock-movements/stock/").json()
    assert [(r["warehouse"], r["quantity"]) for r in rows] == [(places["checkpoint"].pk, "40.0000")]
    assert api(users["command"]).post("/api/v1/stock-movements/", {}).status_code == 405


def test_request_submitted_through_the_api(users, catalogue, places):
    r = api(users["community"]).post(
        "/api/v1/supply-requests/",
        {
            "unit": places["checkpoint"].pk,
            "item": catalogue["masks"].pk,
            "quantity": "500",
            "urgency": "urgent",
        },
    )
    assert r.status_code == 201, r.json()
    assert r.json()["state"] == "submitted"
    r = api(users["community"]).post(
        "/api/v1/supply-requests/",
        {"unit": places["miyi"].pk, "item": catalogue["masks"].pk, "quantity": "5"},
    )
    assert r.status_code == 400  # a unit the caller cannot see does not exist for them
    assert SupplyRequest.objects.count() == 1


def test_donation_contact_masked_and_fund_balance(users, areas):
    actor = users["command"]
    fund = services.create_fund(actor=actor, area=areas["city"], name="捐款", kind="donation")
    services.create_donation(
        actor=actor,
        area=areas["city"],
        kind=DonationKind.MONEY,
        donor_kind=DonorKind.PERSON,
        donor_name="赵先生",
        donor_contact="13700001111",
        date=datetime.date(2020, 2, 2),
        amount="2500",
        fund=fund,
    )
    (d,) = api(users["leader"]).get("/api/v1/donations/").json()["results"]
    assert d["donor_contact"] == "137****1111"
    (f,) = api(users["leader"]).get("/api/v1/funds/").json()["results"]
    assert (f["income"], f["balance"]) == ("2500.00", "2500.00")
    assert api(users["grid_a"]).get("/api/v1/donations/").status_code == 403
