"""Tracing on constructed scenarios: venue overlaps at the window's edges, several visits,
households, secondary contacts, re-tracing, and the one-action quarantine."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from fangkong.core.audit import verify_chain
from fangkong.core.models import AuditEntry
from fangkong.health.models import Assignment
from fangkong.status.models import PersonStatus
from fangkong.tracing.engine import Params
from fangkong.tracing.models import Contact, Exposure
from fangkong.tracing.services import (
    confirm_contact,
    create_case,
    dismiss_contact,
    quarantine_contacts,
    trace_case,
)
from fangkong.tracing.tracer import (
    close_contacts,
    close_contacts_of_cases,
    index_only,
    person_scans,
    query_plan,
    venue_scans,
)

from .conftest import CONFIRMED, D, t


def _contacts(case):
    return {
        (c.resident.name, c.degree): c
        for c in Contact.objects.filter(case=case).select_related("resident")
    }


def test_close_and_secondary_contacts_with_their_reasons(city, users):
    p, v, w, case = city
    summary = trace_case(actor=users["command"], case=case, now=t(0, 12))
    found = _contacts(case)
    assert set(found) == {
        ("重叠者", "close"),
        ("窗口边缘", "close"),
        ("早到未走", "close"),
        ("同住者", "close"),
        ("次密接者", "secondary"),
        ("密接同住", "secondary"),
    }
    assert (summary.close, summary.secondary, summary.created) == (4, 2, 6)
    assert all(c.state == "suspected" for c in found.values())
    b = found[("重叠者", "close")]
    (e,) = Exposure.objects.filter(contact=b)
    assert (e.kind, e.venue_id, e.source_id, e.overlap_minutes) == ("venue", v.pk, p["A"].pk, 10)
    assert (e.source_start, e.source_end) == (t(-2, 9), t(-2, 10))
    assert (e.contact_start, e.contact_end) == (t(-2, 9, 50), t(-2, 10))
    assert b.last_exposure == D - datetime.timedelta(days=2)
    edge = Exposure.objects.get(contact=found[("窗口边缘", "close")])
    assert edge.overlap_minutes == 0  # met within the window only
    g = Exposure.objects.get(contact=found[("次密接者", "secondary")])
    assert (g.source_id, g.venue_id, g.overlap_minutes) == (p["B"].pk, w.pk, 10)
    home = Exposure.objects.get(contact=found[("同住者", "close")])
    assert (home.kind, home.venue_id) == ("household", None)
    # Living together, they were exposed until the case was isolated (its confirmation), and
    # quarantine counts from then — not from when the case became infectious; a close
    # contact's household, until the trace.
    assert found[("同住者", "close")].last_exposure == D
    assert found[("密接同住", "secondary")].last_exposure == D
    assert verify_chain().ok
    assert AuditEntry.objects.filter(object_type="tracing.contact").count() == 6


def test_window_setting_changes_the_edge(city, users):
    _p, _v, _w, case = city
    trace_case(actor=users["command"], case=case, window_minutes=29, now=t(0, 12))
    assert ("窗口边缘", "close") not in _contacts(case)
    trace_case(actor=users["command"], case=case, window_minutes=31, now=t(0, 12))
    assert ("窗口之外", "close") in _contacts(case)


def test_tracing_again_keeps_decisions_and_adds_nothing(city, users):
    _p, _v, _w, case = city
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    found = _contacts(case)
    confirm_contact(actor=users["command"], contact=found[("重叠者", "close")])
    dismiss_contact(actor=users["command"], contact=found[("窗口边缘", "close")], reason="戴口罩")
    summary = trace_case(actor=users["command"], case=case, now=t(0, 12))
    again = _contacts(case)
    assert summary.created == 0
    assert set(again) == set(found)
    assert again[("重叠者", "close")].state == "confirmed"
    assert again[("窗口边缘", "close")].state == "dismissed"
    assert Exposure.objects.filter(contact__case=case).count() == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tracings_of_one_case_at_once_store_each_contact_once(city, users):
    """Two staff press 流调追踪 for the same case at the same moment: the second waits and
    refreshes what the first stored, instead of storing its contacts again (a database
    error)."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    _p, _v, _w, case = city

    def trace():
        return trace_case(actor=users["command"], case=case, now=t(0, 12))

    race = second_while_first_uncommitted(trace, trace)
    assert race.first is None and race.second is None and race.second_waited
    assert race.second_result.created == 0
    assert Contact.objects.filter(case=case).count() == len(_contacts(case))
    assert Exposure.objects.filter(contact__case=case).count() == 6


def test_out_of_area_staff_cannot_trace(city, users):
    _p, _v, _w, case = city
    with pytest.raises(PermissionDenied):
        trace_case(actor=users["grid_c"], case=case)
    assert not Contact.objects.exists()


def test_one_action_quarantines_confirmed_contacts_and_turns_them_red(
    city, users, django_capture_on_commit_callbacks
):
    _p, _v, _w, case = city
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    found = _contacts(case)
    b, k = found[("重叠者", "close")], found[("早到未走", "close")]
    with pytest.raises(ValidationError):  # not confirmed yet
        quarantine_contacts(actor=users["command"], case=case, contacts=[b], kind="home_quarantine")
    confirm_contact(actor=users["command"], contact=b)
    confirm_contact(actor=users["command"], contact=k)
    b.refresh_from_db()
    k.refresh_from_db()
    today = datetime.date.today()
    with django_capture_on_commit_callbacks(execute=True):
        made = quarantine_contacts(
            actor=users["command"],
            case=case,
            contacts=[b, k],
            kind="central_quarantine",
            place="集中隔离点",
            today=today,
        )
    assert len(made) == 2
    a = Assignment.objects.get(resident=b.resident)
    assert (a.kind, a.start_date) == ("central_quarantine", today)
    assert a.end_date == max(today, b.last_exposure + datetime.timedelta(days=14))
    assert PersonStatus.objects.get(pk=b.resident_id).colour == "red"
    # Each is followed up by their grid's worker (a grid with one), not by nobody.
    workers = {u.area_id: u for u in users.values() if u.role == "grid_worker"}
    assert {m.responsible for m in made} == {workers[m.resident.area_id] for m in made}
    assert None not in {m.responsible for m in made}
    # Again: they are already in quarantine, nothing more is added.
    assert (
        quarantine_contacts(
            actor=users["command"], case=case, contacts=[b], kind="home_quarantine", today=today
        )
        == []
    )


def _found(candidates):
    return {
        person: sorted(
            (
                e.kind,
                e.via,
                e.overlap.start if e.overlap else e.at,
                e.overlap.end if e.overlap else e.at,
            )
            for e in c.exposures
        )
        for person, c in candidates.items()
    }


def test_cases_at_once_find_what_each_case_finds(city, users):
    """The set-based pass over many cases: each case's contacts as if traced alone — a case
    is another case's contact, a household is per case."""
    p, _v, _w, case = city
    second = create_case(
        actor=users["command"],
        resident=p["B"],
        kind="confirmed",
        confirmed_at=CONFIRMED,
        code="C-13",
    )
    params = Params.from_settings()
    together = close_contacts_of_cases([case, second], params)
    for c in (case, second):
        visits, alone = close_contacts(c, params)
        assert sorted(together[c.pk][0], key=repr) == sorted(visits, key=repr)
        assert _found(together[c.pk][1]) == _found(alone)
    assert p["B"].pk in together[case.pk][1]  # B is A's contact though a case too
    assert {p["A"].pk, p["G"].pk, p["H"].pk} <= set(together[second.pk][1])


def test_scan_reads_use_the_covering_indexes(city):
    p, v, _w, _case = city
    if connection.vendor == "postgresql":
        # A handful of rows: make the planner show its index. Statistics of the fixture's
        # own rows first (ANALYZE counts this transaction's inserts): those other tests had
        # left on the default partition made the time-first primary key win a near tie.
        with connection.cursor() as cur:
            cur.execute("ANALYZE venues_scan")
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("SET LOCAL enable_bitmapscan = off")
    people = person_scans([p["A"].pk], t(-5, 0), t(0, 0))
    assert index_only(query_plan(people), "scan_resident_time")
    if connection.vendor == "sqlite":
        # On PostgreSQL the ranges' overall span (partition pruning) makes the primary key
        # (time first) the cheapest path through a table whose scans all fall in it; the
        # venue read is checked on a city-sized table (bench/tests/test_tracing.py).
        around = venue_scans([(v.pk, t(-3, 0), t(-2, 12))])
        assert index_only(query_plan(around), "scan_venue_time")


def test_dismissing_a_close_contact_dismisses_secondaries_linked_only_through_them(
    city, users, areas
):
    from fangkong.status.testing import make_resident
    from fangkong.tracing.testing import visit

    p, _v, w, case = city
    # L met close contact B (the evening at the supermarket) and close contact K (noon there).
    p["L"] = make_resident(areas["grid_c"], name="两处接触")
    visit(p["K"], w, t(-1, 12), 30)
    visit(p["L"], w, t(-1, 12, 10), 10)
    visit(p["L"], w, t(-1, 18, 5), 10)
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    found = _contacts(case)
    secondary = {n for (n, degree) in found if degree == "secondary"}
    assert secondary == {"次密接者", "密接同住", "两处接触"}
    last = AuditEntry.objects.latest("id").pk
    dismiss_contact(actor=users["command"], contact=found[("重叠者", "close")], reason="身份误匹配")
    after = _contacts(case)
    states = {n: c.state for (n, degree), c in after.items() if degree == "secondary"}
    # G and H were exposed to B alone; L was also exposed to K, who still counts.
    assert states == {"次密接者": "dismissed", "密接同住": "dismissed", "两处接触": "suspected"}
    g = after[("次密接者", "secondary")]
    # Why the system named G stays; why it dismissed G is the decision's note.
    assert (g.reason, g.state_note) == (
        "系统追踪：同场所重叠 1 次",
        "系统排除：其关联的密切接触者均已核实排除",
    )
    b = after[("重叠者", "close")]
    assert (b.reason, b.state_note) == ("系统追踪：同场所重叠 1 次", "身份误匹配")
    entries = AuditEntry.objects.filter(object_type="tracing.contact", pk__gt=last).order_by("id")
    assert [(e.object_id, e.changes["state"], e.reason) for e in entries] == [
        (str(found[("重叠者", "close")].pk), ["suspected", "dismissed"], "身份误匹配"),
        *sorted(
            (str(c.pk), ["suspected", "dismissed"], "系统排除：其关联的密切接触者均已核实排除")
            for c in (g, after[("密接同住", "secondary")])
        ),
    ]
    assert verify_chain().ok
    # Once K is dismissed too, L has no link left.
    dismiss_contact(actor=users["command"], contact=found[("早到未走", "close")], reason="未接触")
    assert _contacts(case)[("两处接触", "secondary")].state == "dismissed"


def test_confirming_a_dismissed_close_contact_again_puts_its_secondaries_back_to_verify(
    city, users
):
    """The undo of a dismissal: the secondaries it dismissed are to verify again (and counted
    so on the dashboard); one staff dismissed by hand stays dismissed."""
    from django.utils import timezone, translation

    from fangkong.dashboard.figures import figure_values

    p, _v, _w, case = city
    trace_case(actor=users["command"], case=case, now=t(0, 12))
    found = _contacts(case)
    b = found[("重叠者", "close")]
    figure = ["contacts_to_verify"]
    city_area = p["A"].area.ancestors()[0]
    today = timezone.localdate()  # contacts are registered now
    before = figure_values(users["command"], city_area, today, figure)
    dismiss_contact(
        actor=users["command"], contact=found[("密接同住", "secondary")], reason="已核实未接触"
    )
    # The system's dismissal was written in English, staff's undo comes in Chinese.
    with translation.override("en"):
        dismiss_contact(actor=users["command"], contact=b, reason="身份误匹配")
    assert _contacts(case)[("次密接者", "secondary")].state == "dismissed"
    confirm_contact(actor=users["command"], contact=b)
    after = _contacts(case)
    g = after[("次密接者", "secondary")]
    assert (g.state, g.reason, g.state_note) == ("suspected", "系统追踪：同场所重叠 1 次", "")
    h = after[("密接同住", "secondary")]
    assert (h.state, h.state_note) == ("dismissed", "已核实未接触")
    assert h.reason.startswith("系统追踪：")
    # Confirmed again without a word: the dismissal's note does not stay on it.
    assert (after[("重叠者", "close")].state_note, after[("重叠者", "close")].reason) == (
        "",
        "系统追踪：同场所重叠 1 次",
    )
    assert figure_values(users["command"], city_area, today, figure) == {
        "contacts_to_verify": before["contacts_to_verify"] - 2  # B confirmed, H dismissed
    }
    entry = AuditEntry.objects.filter(object_type="tracing.contact", object_id=str(g.pk)).latest(
        "id"
    )
    assert entry.changes["state"] == ["dismissed", "suspected"]
    assert verify_chain().ok


def test_reasons_the_system_writes_are_in_the_platforms_language(city, users):
    """A contact's reason is read by everyone: tracing started from an English page, and a
    dismissal the system makes under it, still write it in Chinese."""
    _p, _v, _w, case = city
    with translation.override("en"):
        trace_case(actor=users["command"], case=case, now=t(0, 12))
        found = _contacts(case)
        assert found[("重叠者", "close")].reason == "系统追踪：同场所重叠 1 次"
        assert found[("同住者", "close")].reason == "系统追踪：同住"
        dismiss_contact(
            actor=users["command"], contact=found[("重叠者", "close")], reason="身份误匹配"
        )
    assert _contacts(case)[("次密接者", "secondary")].state_note.startswith("系统排除：")


def test_a_dismissed_contact_leaves_the_figures_from_its_dismissal_on(client, city, users, areas):
    """密接 N 人 counts no one dismissed (排除) by the day shown, and a past day's figure stays
    as it was; a voided case never had contacts."""
    from django.urls import reverse
    from django.utils import timezone

    from fangkong.dashboard.figures import figure_values
    from fangkong.tracing.services import create_contact, void_case

    p, _v, _w, case = city
    contact = create_contact(
        actor=users["command"], resident=p["B"], case=case, degree="close", last_exposure=D
    )
    today = timezone.localdate()
    before = today - datetime.timedelta(days=2)
    Contact.objects.filter(pk=contact.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )

    def close(day):
        return figure_values(users["command"], areas["city"], day, ["contacts_close"])[
            "contacts_close"
        ]

    def listed(day):
        client.force_login(users["command"])
        r = client.get(reverse("tracing:contact_list"), {"counted_on": day.isoformat()})
        return [o.pk for o, _c in r.context["table"]]

    assert (close(before), close(today)) == (1, 1)
    contact.refresh_from_db()
    dismiss_contact(actor=users["command"], contact=contact, reason="身份误匹配")
    assert (close(before), close(today)) == (1, 0)
    assert (listed(before), listed(today)) == ([contact.pk], [])
    confirm_contact(actor=users["command"], contact=Contact.objects.get(pk=contact.pk))
    assert Contact.objects.get(pk=contact.pk).dismissed_at is None
    assert close(today) == 1
    void_case(actor=users["command"], case=case, reason="复核阴性")
    assert (close(before), close(today)) == (0, 0)


def test_a_close_contact_of_two_cases_is_one_person_in_the_figures(city, users, areas):
    """密接 N 人: the dashboard and the daily report count persons, not one row per case;
    the list keeps one row per case (each is verified on its own)."""
    from django.utils import timezone

    from fangkong.dashboard.figures import figure_table
    from fangkong.status.testing import make_resident
    from fangkong.tracing.services import create_contact

    p, _v, _w, case = city
    other = create_case(
        actor=users["command"],
        resident=make_resident(areas["grid_c"], name="病例乙"),
        kind="confirmed",
        confirmed_at=CONFIRMED,
    )
    b = p["B"]
    for c in (case, other):
        create_contact(actor=users["command"], resident=b, case=c, degree="close", last_exposure=D)
    assert Contact.objects.filter(resident=b, degree="close").count() == 2
    today = timezone.localdate()
    keys = ["contacts_close", "contacts_to_verify"]
    values, rows = figure_table(users["command"], areas["city"], today, keys, children=True)
    assert values == {"contacts_close": 1, "contacts_to_verify": 2}
    assert [r["contacts_close"] for r in rows] == [1, 0]  # 仁和区, 米易县


def test_a_zero_minute_window_keeps_only_visits_that_truly_overlap(city, users):
    """时间窗口 0 is what the team typed, not "use the default": the visitor who left 30
    minutes before the case came is no contact then."""
    _p, _v, _w, case = city
    trace_case(actor=users["command"], case=case, window_minutes=0, now=t(0, 12))
    close = set(
        Contact.objects.filter(case=case, degree="close").values_list("resident__name", flat=True)
    )
    assert "窗口边缘" not in close
    assert {"重叠者", "早到未走", "同住者"} <= close
