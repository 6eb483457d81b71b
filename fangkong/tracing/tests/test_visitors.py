"""同场未登记人员: visitors who scanned in at the case's venues without being in the registry
are found by the rules registered contacts are, shown masked in scope, and registered and
named as close contacts in one action."""

import datetime

import pytest
from django.urls import reverse

from fangkong.core.testing.factories import make_id_number
from fangkong.status.testing import make_resident
from fangkong.tracing.engine import Params
from fangkong.tracing.testing import visitor_visit
from fangkong.tracing.tracer import visitors_of

from .conftest import t

ID_1 = make_id_number(birth=datetime.date(1991, 5, 6))
ID_2 = make_id_number(birth=datetime.date(1992, 7, 8))
PHONE_1 = "13912345678"
PHONE_2 = "13787654321"


@pytest.fixture
def visitors(city):
    """Around case A's market visit (day -2, 09:00–10:00): visitors inside and outside the
    window, one of them scanning twice."""
    v = city[1]
    return {
        # Twice at the market that morning, same ID number: one person, the later name.
        "twice": [
            visitor_visit(v, t(-2, 9, 10), 20, name="访客甲", id_number=ID_1, phone=PHONE_1),
            visitor_visit(v, t(-2, 9, 40), 10, name="访客甲乙", id_number=ID_1),
        ],
        # Left exactly 30 minutes before A came: inside the window, like C.
        "edge": visitor_visit(v, t(-2, 8), 30, name="访客丙", id_number=ID_2),
        # Entered 31 minutes after A left: outside, like D.
        "late": visitor_visit(v, t(-2, 10, 31), name="访客丁", phone="13600000001"),
        # Phone only, no exit: the default stay overlaps.
        "phone": visitor_visit(v, t(-2, 9, 30), name="电话访客", phone=PHONE_2),
        # Same time of day before the infectious period, like E.
        "early": visitor_visit(v, t(-8, 9), 60, name="期外访客", id_number=make_id_number()),
    }


def _by_name(found):
    return {f.name: f for f in found}


def test_visitors_overlapping_the_case_are_found_by_the_contacts_rules(city, visitors):
    _p, v, _w, case = city
    found = _by_name(visitors_of(case, Params()))
    assert set(found) == {"访客甲乙", "访客丙", "电话访客"}
    twice = found["访客甲乙"]
    assert len(twice.overlaps) == 2  # two scans, one person
    assert twice.scan.uuid == visitors["twice"][1].uuid  # the latest scan
    assert twice.resident is None
    assert {o.other.venue for o in twice.overlaps} == {v.pk}
    edge = found["访客丙"].overlaps[0]
    assert (edge.other.start, edge.other.end) == (t(-2, 8), t(-2, 8, 30))
    assert (edge.source.start, edge.source.end) == (t(-2, 9), t(-2, 10))
    assert found["电话访客"].overlaps[0].other.end == t(-2, 10, 30)  # default stay


def test_a_window_of_zero_keeps_only_those_truly_there_at_once(city, visitors):
    _p, _v, _w, case = city
    found = _by_name(visitors_of(case, Params(window=datetime.timedelta(0))))
    assert set(found) == {"访客甲乙", "电话访客"}


def test_a_visitor_registered_since_is_that_resident(city, visitors):
    p, _v, _w, case = city
    resident = make_resident(p["C"].area, name="后来登记")
    resident.id_number = ID_2
    resident.save()
    found = _by_name(visitors_of(case, Params()))
    assert found["访客丙"].resident == resident.pk
    assert found["访客甲乙"].resident is None


def _page(client, case) -> str:
    return client.get(reverse("tracing:case_detail", args=[case.pk])).content.decode()


def test_the_case_page_lists_them_masked(client, city, visitors, users):
    _p, _v, _w, case = city
    client.force_login(users["command"])
    page = _page(client, case)
    assert "同场未登记人员" in page
    assert "访**乙" in page  # the later name, masked as names are
    assert "访客甲乙" not in page
    for full in (ID_1, ID_2, PHONE_1, PHONE_2):
        assert full not in page
    assert ID_2[:6] + "********" + ID_2[-4:] in page
    assert PHONE_2[:3] + "****" + PHONE_2[-4:] in page
    assert "海棠农贸市场：来源 03-08 09:00–10:00，本人 03-08 08:00–08:30，" in page
    assert "未同时在场，相隔 30 分钟" in page
    assert "访*丁" not in page and "期**客" not in page
    assert "登记并列为密接" in page


def test_none_reads_as_an_empty_list(client, city, users):
    _p, _v, _w, case = city
    client.force_login(users["command"])
    assert "暂无同场未登记人员" in _page(client, case)


def test_only_visitors_at_venues_in_scope_are_shown(client, city, visitors, users):
    """Case A lives in grid A (海棠花语社区); the market is in grid A, the supermarket in
    grid C (another district). The community's staff see the case and the market's
    visitors, not the supermarket's; the city sees both; grid C cannot open the case."""
    w, case = city[2], city[3]
    client.force_login(users["grid_c"])
    assert client.get(reverse("tracing:case_detail", args=[case.pk])).status_code == 404
    # A visitor at the supermarket (grid C) overlapping A's visit there on day -1.
    visitor_visit(w, t(-1, 15, 5), 10, name="超市访客", id_number=make_id_number())
    client.force_login(users["community"])
    page = _page(client, case)
    assert "访**乙" in page
    assert "超**客" not in page
    client.force_login(users["command"])
    assert "超**客" in _page(client, case)
