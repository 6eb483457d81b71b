"""Scans made as a visitor before being registered: a checkpoint keeps an unknown ID number
as a visitor's, and once the grid worker registers the person those scans are theirs. A case
that arrived days before its registration is traced through those days, and so is a close
contact when its secondaries are sought."""

from django.db import connection

from fangkong.core.testing.factories import make_id_number
from fangkong.status.testing import make_resident
from fangkong.tracing.engine import Params
from fangkong.tracing.models import Contact, Exposure
from fangkong.tracing.services import trace_case
from fangkong.tracing.testing import visit, visitor_visit
from fangkong.tracing.tracer import (
    close_contacts,
    close_contacts_of_cases,
    former_visitor_scans,
    index_only,
    query_plan,
    venue_scans,
    visitors_of,
)

from .conftest import t


def _contacts(case) -> dict[str, str]:
    return dict(Contact.objects.filter(case=case).values_list("resident__name", "degree"))


def test_the_cases_days_as_a_visitor_find_its_contacts(city, users):
    p, _v, w, case = city
    # Day -3, before A was registered: the supermarket's checkpoint took A's ID number as a
    # visitor's. D was inside with A; E came after A had left and the window had passed.
    visitor_visit(w, t(-3, 11), 30, name="病例甲", id_number=p["A"].id_number)
    visit(p["D"], w, t(-3, 11, 20), 20)
    visit(p["E"], w, t(-3, 13), 10)
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    found = _contacts(case)
    assert "病例甲" not in found  # its own scans as a visitor do not make it its contact
    assert found["窗口之外"] == "close"  # outside the window at the market, met at the shop
    assert "期外到访" not in found
    (e,) = Exposure.objects.filter(contact__case=case, contact__resident=p["D"])
    assert (e.kind, e.venue_id, e.source_id, e.overlap_minutes) == ("venue", w.pk, p["A"].pk, 10)
    assert (e.source_start, e.source_end) == (t(-3, 11), t(-3, 11, 30))
    visits, _close = close_contacts(case, Params())
    assert (w.pk, t(-3, 11), t(-3, 11, 30)) in {(v.venue, v.start, v.end) for v in visits}
    # The set-based pass over many cases finds the same.
    together = close_contacts_of_cases([case], Params())[case.pk]
    assert p["D"].pk in together[1]
    # The case is not a visitor who met itself.
    assert "病例甲" not in {found.name for found in visitors_of(case, Params())}


def test_only_the_cases_own_id_number_and_period_count(city, users):
    p, _v, w, case = city
    other = make_resident(p["A"].area, name="他人")
    # Another person's visitor scan, and the case's own before its infectious period.
    visitor_visit(w, t(-3, 11), 30, name="他人", id_number=other.id_number)
    visitor_visit(w, t(-9, 11), 30, name="病例甲", id_number=p["A"].id_number)
    visit(p["D"], w, t(-3, 11, 20), 20)
    visit(p["E"], w, t(-9, 11, 10), 10)
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    found = _contacts(case)
    assert "窗口之外" not in found and "期外到访" not in found


def test_a_close_contacts_days_as_a_visitor_find_secondaries(city, users):
    p, _v, w, case = city
    later = make_resident(p["G"].area, name="晚到次密接")
    # B (A's close contact from day -2) scanned in at the supermarket as a visitor on day -1
    # evening, before being registered; the new resident was inside with B.
    visitor_visit(w, t(-1, 20), 30, name="重叠者", id_number=p["B"].id_number)
    visit(later, w, t(-1, 20, 10), 10)
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    assert _contacts(case)["晚到次密接"] == "secondary"
    (e,) = Exposure.objects.filter(contact__case=case, contact__resident=later)
    assert (e.venue_id, e.source_id) == (w.pk, p["B"].pk)


def test_someone_there_as_a_visitor_and_registered_since_is_a_close_contact(city, users):
    p, v, _w, case = city
    later = make_resident(p["A"].area, name="后来登记者")
    # In the market with A on day -2 as a visitor, under the ID number they have been
    # registered with since; another visitor there is still unregistered.
    visitor_visit(v, t(-2, 9, 20), 15, name="后来登记者", id_number=later.id_number)
    visitor_visit(v, t(-2, 9, 25), 10, name="仍未登记", id_number=make_id_number())
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    found = _contacts(case)
    assert found["后来登记者"] == "close"
    assert "仍未登记" not in found  # not a resident: listed among the visitors instead
    (e,) = Exposure.objects.filter(contact__case=case, contact__resident=later)
    assert (e.kind, e.venue_id, e.source_id, e.overlap_minutes) == ("venue", v.pk, p["A"].pk, 15)
    assert (e.contact_start, e.contact_end) == (t(-2, 9, 20), t(-2, 9, 35))
    visitors = {x.name: x for x in visitors_of(case, Params())}
    assert visitors["后来登记者"].resident == later.pk  # shown as the resident they are now
    assert visitors["仍未登记"].resident is None


def test_the_venue_read_stays_index_only(city):
    _p, v, _w, _case = city
    visitor_visit(v, t(-2, 9, 20), 15, name="访客", id_number=make_id_number())
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SET LOCAL enable_seqscan = off")
    plan = query_plan(venue_scans([(v.pk, t(-3, 0), t(-2, 12))]))
    if connection.vendor == "sqlite":
        assert index_only(plan, "scan_venue_time")
    else:
        # On a handful of rows PostgreSQL takes the primary key (time first; test_tracing
        # says why); bench/tests/test_tracing.py reads the plan on a city-sized table.
        assert "Seq Scan" not in plan


def test_the_read_uses_the_visitors_id_index(city):
    p, _v, w, _case = city
    for i in range(60):  # visitors at the shop: an empty resident is no longer a rare key
        visitor_visit(w, t(-3, 8, i), name=f"访客{i}", id_number=make_id_number())
    if connection.vendor == "postgresql":
        # Few rows: make the planner show its index (on each partition under PostgreSQL's
        # own name for it, hence index_only's reading of the plan).
        with connection.cursor() as cur:
            cur.execute("ANALYZE venues_scan")
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("SET LOCAL enable_bitmapscan = off")
    indexes = [p["A"].id_number_index, p["B"].id_number_index]
    plan = query_plan(former_visitor_scans(indexes, t(-5, 0), t(0, 0)))
    assert index_only(plan, "scan_visitor_id_time")
    if connection.vendor == "postgresql":
        assert "Index Cond: ((id_number_index = ANY" in plan
