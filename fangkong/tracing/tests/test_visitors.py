"""同场未登记人员: visitors who scanned in at the case's venues without being in the registry
are found by the rules registered contacts are, shown masked in scope, and registered and
named as close contacts in one action."""

import datetime

import pytest
from django.urls import reverse

from fangkong.core.models.audit import AuditEntry
from fangkong.core.testing.factories import make_id_number
from fangkong.registry.models import Resident
from fangkong.status.testing import make_resident
from fangkong.tracing.engine import Params
from fangkong.tracing.models import Contact
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
    assert twice.name == "访客甲乙"  # the latest name given
    assert twice.scan.uuid == visitors["twice"][0].uuid  # the latest scan with a phone
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


def test_the_grid_is_chosen_on_its_own_page(client, city, visitors, users):
    """The case page carries no grid drop-down (a city's grids in every row would weigh
    megabytes on a phone); each visitor's own page shows them masked with the choice."""
    _p, _v, _w, case = city
    client.force_login(users["command"])
    page = _page(client, case)
    assert 'name="area"' not in page
    scan = visitors["edge"]
    url = reverse("tracing:case_visitor_contact", args=[case.pk])
    assert f'href="{url}?scan={scan.uuid}"' in page
    form = client.get(url, {"scan": str(scan.uuid)}).content.decode()
    assert 'name="area"' in form and f'value="{scan.uuid}"' in form
    assert "访*丙" in form and ID_2 not in form and "访客丙" not in form
    assert ID_2[:6] + "********" + ID_2[-4:] in form
    assert "未同时在场，相隔 30 分钟" in form
    lost = client.get(url, {"scan": "00000000-0000-0000-0000-000000000000"})
    assert lost.status_code == 302


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


def _register(client, case, scan, **data):
    return client.post(
        reverse("tracing:case_visitor_contact", args=[case.pk]), {"scan": str(scan.uuid), **data}
    )


def _message(response) -> str:
    """The message the action left (unread ones from earlier actions come first)."""
    return str(list(response.wsgi_request._messages)[-1])


def test_registering_a_visitor_makes_a_resident_and_a_close_contact(
    client, city, visitors, users, areas
):
    _p, _v, _w, case = city
    client.force_login(users["community"])
    with_phone = visitors["twice"][0]
    r = _register(client, case, with_phone, area=areas["grid_b"].pk)
    assert r.status_code == 302
    resident = Resident.objects.get(name="访客甲乙")
    # The latest name; ID number and phone from the latest scan that has a phone.
    assert (resident.id_number, resident.phone, resident.area) == (ID_1, PHONE_1, areas["grid_b"])
    contact = Contact.objects.get(case=case, resident=resident)
    assert (contact.degree, contact.state) == ("close", "suspected")
    assert contact.last_exposure == datetime.date(2022, 3, 8)
    assert contact.reason.startswith("系统追踪：同场所重叠 2 次（扫码时未登记：海棠农贸市场 03-08")
    assert contact.exposures.get().kind == "named"
    for kind, pk in (("registry.resident", resident.pk), ("tracing.contact", contact.pk)):
        entry = AuditEntry.objects.get(object_type=kind, object_id=str(pk))
        assert (entry.action, entry.actor_id) == ("create", users["community"].pk)
    page = _page(client, case)
    assert "已列为接触者" in page
    assert ID_1 not in page


def test_a_bad_choice_of_grid_writes_nothing(client, city, visitors, users, areas):
    _p, _v, _w, case = city
    residents, contacts = Resident.objects.count(), Contact.objects.count()
    entries = AuditEntry.objects.count()
    client.force_login(users["community"])
    edge = visitors["edge"]
    for data in ({}, {"area": ""}, {"area": areas["grid_c"].pk}, {"area": areas["community"].pk}):
        r = _register(client, case, edge, **data)
        assert r.status_code == 302
        assert "居住网格" in _message(r)
    # A scan that is no visitor of this case in scope: refused with a message.
    r = _register(client, case, visitors["late"], area=areas["grid_a"].pk)
    assert "未找到该同场未登记人员" in _message(r)
    assert (Resident.objects.count(), Contact.objects.count()) == (residents, contacts)
    assert AuditEntry.objects.count() == entries


def test_a_visitor_without_id_number_is_not_registered(client, city, visitors, users, areas):
    _p, _v, _w, case = city
    residents = Resident.objects.count()
    client.force_login(users["community"])
    assert "扫码时未留身份证号" in _page(client, case)
    r = _register(client, case, visitors["phone"], area=areas["grid_a"].pk)
    assert "未留身份证号" in _message(r)
    assert Resident.objects.count() == residents
    assert not Contact.objects.exists()


def test_a_visitor_registered_already_is_reused(client, city, visitors, users, areas):
    _p, _v, _w, case = city
    client.force_login(users["community"])
    edge = visitors["edge"]
    assert _register(client, case, edge, area=areas["grid_a"].pk).status_code == 302
    resident = Resident.objects.get(id_number_index=edge.id_number_index)
    # Named again: the same resident, already a contact of the case — refused, nothing new.
    r = _register(client, case, edge, area=areas["grid_b"].pk)
    assert "该居民已登记为此病例的接触者" in _message(r)
    assert Resident.objects.filter(id_number_index=edge.id_number_index).count() == 1
    # A visitor whose ID number a resident holds since is named as that resident.
    other = make_resident(areas["grid_a"], name="已登记者")
    other.id_number = ID_1
    other.save()
    page = _page(client, case)
    assert "已登记为居民 已**者" in page
    r = _register(client, case, visitors["twice"][0])  # no grid needed
    assert r.status_code == 302
    assert Contact.objects.get(case=case, resident=other).degree == "close"
    assert Resident.objects.filter(name="访客甲乙").count() == 0
    assert Contact.objects.filter(case=case, resident=resident).count() == 1


def test_the_export_is_masked_and_audited(client, city, visitors, users):
    import io

    import openpyxl

    _p, _v, _w, case = city
    client.force_login(users["command"])
    r = client.get(reverse("tracing:case_visitors_export", args=[case.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "身份证号", "联系电话")
    assert {row[0] for row in rows[1:]} == {"访**乙", "访*丙", "电**客"}
    text = repr(rows)
    assert all(full not in text for full in (ID_1, ID_2, PHONE_1, PHONE_2))
    assert any("同场所重叠" in (row[4] or "") for row in rows[1:])
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.object_repr == "同场未登记人员"


def test_without_the_permissions_there_is_no_action(client, city, visitors, users, areas):
    _p, _v, _w, case = city
    client.force_login(users["leader"])
    page = _page(client, case)
    assert "访**乙" in page  # the leader reads the list
    assert "登记并列为密接" not in page
    r = _register(client, case, visitors["edge"], area=areas["grid_a"].pk)
    assert r.status_code == 403
    assert not Contact.objects.exists()


def test_a_refused_contact_takes_the_new_resident_back(client, city, visitors, users, areas):
    """The resident is created first; the contact refused after it (the case was voided
    meanwhile) leaves no resident behind: one transaction."""
    from fangkong.tracing.services import void_case

    _p, _v, _w, case = city
    void_case(actor=users["command"], case=case, reason="录错")
    residents, entries = Resident.objects.count(), AuditEntry.objects.count()
    client.force_login(users["community"])
    r = _register(client, case, visitors["edge"], area=areas["grid_a"].pk)
    assert "该病例已撤销" in _message(r)
    assert Resident.objects.count() == residents
    assert AuditEntry.objects.count() == entries
    assert not Contact.objects.exists()


def test_a_visitor_at_a_venue_out_of_scope_cannot_be_registered(client, city, users, areas):
    w, case = city[2], city[3]
    outside = visitor_visit(w, t(-1, 15, 5), 10, name="超市访客", id_number=make_id_number())
    client.force_login(users["community"])
    r = _register(client, case, outside, area=areas["grid_a"].pk)
    assert "未找到该同场未登记人员" in _message(r)
    assert not Resident.objects.filter(name="超市访客").exists()
