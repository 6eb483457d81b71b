"""The home page's 今日防控 panel: the dashboard's figures for the user's own area, each
linking to a list the user may open."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.testing import factories
from fangkong.health.services import create_assignment
from fangkong.status.services import recompute_all

pytestmark = pytest.mark.django_db

PANEL = "dashboard/includes/home_panel.html"


def _panel(client, user) -> dict[str, dict] | None:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    panel = next((p for p in response.context["panels"] if p["template"] == PANEL), None)
    return None if panel is None else {i["key"]: i for i in panel["items"]}


def test_today_figures_of_the_users_own_area(client, areas, users):
    command = users["command"]
    in_a = factories.make_residents(command, areas["grid_a"], 3, prefix="甲")
    factories.make_residents(command, areas["grid_c"], 2, prefix="丙")
    today = timezone.localdate()
    create_assignment(
        actor=command,
        resident=in_a[0],
        kind="home_quarantine",
        start_date=today,
        end_date=today + datetime.timedelta(days=14),
    )
    recompute_all(cause="测试")

    grid = _panel(client, users["grid_a"])
    assert {k: i["value"] for k, i in grid.items()} == {
        "status_red": 1,
        "status_yellow": 0,
        "status_green": 2,
        "quarantined": 1,
        "monitored": 0,
        "contacts_to_verify": 0,
    }
    for item in grid.values():  # every figure opens its list for this user
        assert client.get(item["url"]).status_code == 200, item["key"]
    city = _panel(client, command)
    assert (city["status_green"]["value"], city["status_red"]["value"]) == (4, 1)
    # Another district's grid worker sees none of it.
    other = _panel(client, users["grid_c"])
    assert (other["status_red"]["value"], other["status_green"]["value"]) == (0, 2)


def test_no_panel_for_a_role_without_these_figures(client, users):
    assert _panel(client, users["volunteer"]) is None
