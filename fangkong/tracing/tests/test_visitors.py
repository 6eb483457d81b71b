"""同场未登记人员: visitors who scanned in at the case's venues without being in the registry
are found by the rules registered contacts are, shown masked in scope, and registered and
named as close contacts in one action."""

import datetime

import pytest

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
