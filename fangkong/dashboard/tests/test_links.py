"""Every figure's link opens the list of the records it counts: followed from the rendered
dashboard (the area's figures and each sub-area's row, today and on an earlier day), the
list shows as many rows as the figure, with every parameter a filter of its form."""

import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.dashboard.figures import REGISTRY
from fangkong.dashboard.testing import generate_city_records
from fangkong.status.clock import local_date
from fangkong.supervision.models import InspectionGroup

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(areas, users):
    day = local_date(timezone.now())
    generate_city_records([areas["grid_a"], areas["grid_b"], areas["grid_c"]], day)
    # Inspection groups formed by the city, a district and a street; one stood down.
    for name, area, active in (
        ("市督导一组", "city", True),
        ("仁和区督导组", "renhe", True),
        ("街道督导组", "street", True),
        ("米易县督导组", "miyi", False),
    ):
        InspectionGroup.objects.create(name=name, area=areas[area], active=active)
    return day


def listed(client, url: str) -> int:
    """The rows the list at ``url`` shows: its total, or its pages walked where it has none
    (large lists page without counting). Fails on a parameter its filters ignore."""
    response = client.get(url)
    assert response.status_code == 200, url
    filterset = response.context.get("filterset")
    params = dict(parse_qsl(urlsplit(url).query))
    if filterset is not None:
        assert set(params) <= set(filterset.form.fields), (url, set(filterset.form.fields))
        assert filterset.is_valid(), (url, filterset.form.errors)
    else:
        assert not params, url
    if response.context.get("count") is not None:
        return response.context["count"]
    page = response.context["page"]
    if page.paginator.count is not None:
        return page.paginator.count
    rows = len(page)
    while page.has_next():
        page = client.get(f"{url}&page={page.next_page_number()}").context["page"]
        rows += len(page)
    return rows


def figure_links(response) -> list[tuple[str, object, str]]:
    """(figure key, value, url) of the area's figures and of every sub-area's row."""
    links = [
        (i["key"], i["value"], i["url"]) for g in response.context["groups"] for i in g["items"]
    ]
    keys = [f.key for f in response.context["figures"]]
    for row in response.context["comparison"]:
        if row["own"]:  # the area's own records: no list shows those alone, no links
            assert all(url == "" for _v, url in row["cells"])
            continue
        links += [(k, v, url) for k, (v, url) in zip(keys, row["cells"], strict=True)]
    return links


@pytest.mark.parametrize("back", [0, 2])
def test_every_figure_link_lists_as_many_rows_as_the_figure(client, city, users, back):
    client.force_login(users["command"])
    query = {"date": (city - datetime.timedelta(days=back)).isoformat()} if back else {}
    response = client.get(reverse("dashboard:dashboard"), query)
    links = figure_links(response)
    shown = {key for key, _value, _url in links}
    assert shown == set(REGISTRY)  # the command user reads every figure
    counted, mismatched = 0, []
    for key, value, url in links:
        assert url, key
        rows = listed(client, url)
        if REGISTRY[key].counts_list_rows:
            counted += 1
            if rows != value:
                mismatched.append((key, value, rows, url))
    assert mismatched == []
    # The city's figures and its two districts' rows (then the city's own group's row);
    # most of them not zero.
    assert [r["own"] for r in response.context["comparison"]] == [False, False, True]
    assert counted == 3 * sum(f.counts_list_rows for f in REGISTRY.values())
    values = {i["key"]: i["value"] for g in response.context["groups"] for i in g["items"]}
    zero = {k for k, f in REGISTRY.items() if f.counts_list_rows and not values[k]}
    # The generated contacts are registered now, after the earlier day.
    contacts = {f"contacts_{k}" for k in CONTACT_FIGURES}
    assert zero == (set() if not back else {k for k in contacts if REGISTRY[k].counts_list_rows})


CONTACT_FIGURES = ("close", "secondary", "to_verify", "confirmed")


def test_figures_that_link_to_records_they_do_not_count_are_the_sums():
    """Money, goods, hours, households, covered areas and contacts as persons are not rows
    of a list; every other figure's list shows its rows."""
    assert {k for k, f in REGISTRY.items() if not f.counts_list_rows} == {
        "donations_money",
        "donations_money_channels",
        "donations_goods_tonnes",
        "donations_goods_pairs",
        "party_fees",
        "supervision_streets",
        "supervision_villages",
        "supervision_communities",
        "screening_households",
        "screening_visited",
        "screening_coverage",
        "volunteer_hours_day",
        "volunteer_hours_total",
        "stock_items",
        # Persons; their lists show one row per case, or per campaign, of each.
        "contacts_close",
        "contacts_secondary",
        "screening_found",
        "screening_returnees",
        # Households covered: their list shows the pairings (a building covers many).
        "pairing_covered",
    }


SCREENING_FIGURES = ("screening_households", "screening_visited", "screening_coverage")


@pytest.mark.parametrize("back", [0, 2])
def test_screening_figures_link_the_campaigns_they_add_up(client, city, users, back):
    """摸排目标户次 of a district, street or community adds up the households of the campaigns
    running over it, which a city launched: its link lists those campaigns (it listed the
    campaigns launched inside the area: none, an empty list under a figure of hundreds)."""
    day = city - datetime.timedelta(days=back)
    running = ["全市摸排"] if not back else ["社区摸排", "全市摸排"]
    client.force_login(users["community"])
    response = client.get(reverse("dashboard:dashboard"), {"date": day.isoformat()} if back else {})
    links = [(k, url) for k, _v, url in figure_links(response) if k in SCREENING_FIGURES]
    assert len(links) == 3 * (1 + len(response.context["comparison"]))
    for _key, url in links:
        table = client.get(url).context["table"]
        assert [campaign.title for campaign, _cells in table] == running, url
