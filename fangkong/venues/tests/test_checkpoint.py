"""Checkpoint staff: personal code or ID number, three-code check, going-out pass, 限流."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fangkong.health.models import Assignment, NucleicAcidTest
from fangkong.risk.models import RiskDesignation, RiskLevel
from fangkong.status.models import PersonStatus
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident
from fangkong.status.tokens import make_status_token
from fangkong.venues import services
from fangkong.venues.models import OutingApproval, Scan


def _negative_test(resident, hours_ago: int, now) -> None:
    NucleicAcidTest.objects.create(
        resident=resident,
        sampled_at=now - datetime.timedelta(hours=hours_ago),
        result="negative",
        institution="市疾控中心",
    )


def test_green_with_recent_nat_passes_the_three_code_check(users, checkpoint, green, now):
    _negative_test(green, 20, now)
    token = make_status_token(PersonStatus.objects.get(pk=green.pk))
    adm = services.checkpoint_check(
        actor=users["volunteer"], venue=checkpoint, token=token, now=now
    )
    assert (adm.admitted, adm.colour, adm.masked_name) == (True, "green", "李*青")
    assert adm.check.itinerary.ok and adm.check.nat.ok
    assert adm.check.nat.text.startswith("48 小时内核酸阴性")
    assert Scan.objects.count() == 0  # looking is not recording


def test_missing_nat_refuses_where_the_venue_requires_it(users, checkpoint, green, now):
    _negative_test(green, 50, now)
    adm = services.checkpoint_check(
        actor=users["volunteer"], venue=checkpoint, id_number=green.id_number, now=now
    )
    assert adm.admitted is False
    assert adm.reasons == ["核酸：48 小时内无核酸阴性结果"]


def test_arrival_from_a_risk_area_fails_the_itinerary_check(users, checkpoint, areas, now):
    level = RiskLevel.objects.get(rank=2)
    RiskDesignation.objects.create(
        level=level,
        place_code="420106",
        place_name="武昌区",
        effective_from=now - datetime.timedelta(days=20),
        set_by=users["command"],
    )
    arrived = timezone.localdate(now) - datetime.timedelta(days=3)
    person = make_resident(
        areas["grid_a"], name="周游", origin="湖北省武汉市武昌区", arrival_date=arrived
    )
    recompute_status([person.pk], cause="测试")
    _negative_test(person, 5, now)
    adm = services.checkpoint_check(
        actor=users["volunteer"], venue=checkpoint, id_number=person.id_number, now=now
    )
    assert adm.check.itinerary.ok is False
    assert adm.check.itinerary.text == (
        f"14 天内自中风险地区（武昌区）抵达（{arrived.isoformat()}）"
    )
    assert adm.admitted is False


def test_recording_entry_and_exit_at_the_checkpoint(users, checkpoint, green, now):
    _negative_test(green, 3, now)
    adm = services.record_checkpoint_scan(
        actor=users["volunteer"],
        venue=checkpoint,
        direction="in",
        id_number=green.id_number,
        temperature="36.4",
        now=now,
    )
    assert adm.admitted and adm.occupancy == 1
    out = services.record_checkpoint_scan(
        actor=users["volunteer"],
        venue=checkpoint,
        direction="out",
        id_number=green.id_number,
        now=now,
    )
    assert out.occupancy == 0
    scans = list(Scan.objects.order_by("direction"))
    assert [(s.direction, s.source, s.recorded_by_id) for s in scans] == [
        ("in", "staff", users["volunteer"].pk),
        ("out", "staff", users["volunteer"].pk),
    ]


def test_checkpoint_outside_the_staff_area_is_refused(users, checkpoint, green):
    with pytest.raises(PermissionDenied):
        services.checkpoint_check(
            actor=users["grid_c"], venue=checkpoint, id_number=green.id_number
        )
    with pytest.raises(PermissionDenied):
        services.record_checkpoint_scan(
            actor=users["grid_c"],
            venue=checkpoint,
            direction="in",
            id_number=green.id_number,
            temperature="36.5",
        )
    assert Scan.objects.count() == 0


def test_expired_or_forged_personal_code(users, checkpoint):
    with pytest.raises(ValidationError) as e:
        services.checkpoint_check(actor=users["volunteer"], venue=checkpoint, token="abc")
    assert e.value.message_dict == {"token": ["个人码无效"]}


# --- going-out approvals -----------------------------------------------------------------


@pytest.fixture
def quarantined(areas, users, now):
    person = make_resident(areas["grid_a"], name="孙居家")
    today = timezone.localdate(now)
    Assignment.objects.create(
        resident=person,
        kind="home_quarantine",
        start_date=today - datetime.timedelta(days=2),
        end_date=today + datetime.timedelta(days=5),
    )
    recompute_status([person.pk], cause="测试")
    return person


def _request(users, person, now, **extra):
    values = {
        "reason": "就医：血液透析",
        "destination": "市中心医院",
        "starts_at": now - datetime.timedelta(hours=1),
        "ends_at": now + datetime.timedelta(hours=3),
        "now": now,
    }
    return services.request_outing(actor=users["grid_a"], resident=person, **(values | extra))


def test_approved_pass_lets_a_quarantined_person_through_the_checkpoint(
    users, checkpoint, quarantined, now
):
    before = services.checkpoint_check(
        actor=users["volunteer"], venue=checkpoint, id_number=quarantined.id_number, now=now
    )
    assert (before.admitted, before.colour) == (False, "red")
    outing = _request(users, quarantined, now)
    assert outing.state == "pending"
    pending = services.checkpoint_check(
        actor=users["volunteer"], venue=checkpoint, id_number=quarantined.id_number, now=now
    )
    assert pending.admitted is False and pending.check.outing is None
    services.approve_outing(actor=users["community"], outing=outing, expected_version=1, now=now)
    after = services.checkpoint_check(
        actor=users["volunteer"], venue=checkpoint, id_number=quarantined.id_number, now=now
    )
    assert after.admitted is True
    assert after.check.outing.pk == outing.pk
    later = services.checkpoint_check(
        actor=users["volunteer"],
        venue=checkpoint,
        id_number=quarantined.id_number,
        now=now + datetime.timedelta(hours=4),
    )
    assert later.admitted is False and later.check.outing is None


def test_a_going_out_pass_does_not_let_a_fever_through(users, checkpoint, quarantined, now):
    """The pass stands in for the colour of someone under closed-loop management, not for
    their temperature: at 38.5 ℃ the pass holder was recorded as admitted, the fever not
    even named. Now the entry is refused with the fever as the reason; 36.6 passes."""
    outing = _request(users, quarantined, now)
    services.approve_outing(actor=users["community"], outing=outing, expected_version=1, now=now)
    hot = services.record_checkpoint_scan(
        actor=users["volunteer"],
        venue=checkpoint,
        direction="in",
        id_number=quarantined.id_number,
        temperature="38.5",
        now=now,
    )
    assert hot.admitted is False
    assert hot.reasons == ["体温 38.5℃ 异常，请配合工作人员复测"]
    assert hot.check.outing.pk == outing.pk
    fine = services.record_checkpoint_scan(
        actor=users["volunteer"],
        venue=checkpoint,
        direction="in",
        id_number=quarantined.id_number,
        temperature="36.6",
        now=now,
    )
    assert (fine.admitted, fine.reasons) == (True, [])
    assert list(Scan.objects.order_by("temperature").values_list("admitted", flat=True)) == [
        True,
        False,
    ]


def test_outing_needs_closed_loop_management(users, green, now):
    with pytest.raises(ValidationError) as e:
        _request(users, green, now)
    assert e.value.message_dict == {
        "resident": ["该居民在外出时间不处于隔离/健康监测闭环管理中，无需外出审批"]
    }


def test_outing_rules_and_decisions(users, quarantined, now):
    with pytest.raises(ValidationError) as e:
        _request(users, quarantined, now, ends_at=now - datetime.timedelta(hours=2))
    assert e.value.message_dict == {"ends_at": ["返回时间应晚于外出开始时间"]}
    outing = _request(users, quarantined, now)
    assert outing.reason == "就医：血液透析"
    with pytest.raises(PermissionDenied):  # not one's own request
        services.approve_outing(actor=users["grid_a"], outing=outing)
    with pytest.raises(PermissionDenied):  # out of scope
        services.approve_outing(actor=users["grid_c"], outing=outing)
    with pytest.raises(ValidationError) as e:
        services.reject_outing(actor=users["community"], outing=outing, note="")
    assert e.value.message_dict == {"note": ["驳回时请填写审批意见"]}
    rejected = services.reject_outing(
        actor=users["community"], outing=outing, note="请改为视频问诊", expected_version=1
    )
    assert (rejected.state, rejected.decided_by_id) == ("rejected", users["community"].pk)
    with pytest.raises(ValidationError):
        services.approve_outing(actor=users["street"], outing=OutingApproval.objects.get())
    assert OutingApproval.objects.get().state == "rejected"


def test_a_cancelled_pass_no_longer_admits_and_leaves_the_approvers_queue(
    users, checkpoint, quarantined, now
):
    """撤销: the person will not go after all. The state existed (the list filters on it) but
    nothing could set it: an approved pass stayed valid at the checkpoint."""
    outing = _request(users, quarantined, now)
    services.approve_outing(actor=users["community"], outing=outing, expected_version=1, now=now)
    with pytest.raises(ValidationError) as e:
        services.cancel_outing(actor=users["grid_a"], outing=outing, note=" ", now=now)
    assert e.value.message_dict == {"note": ["撤销时请填写原因"]}
    with pytest.raises(PermissionDenied):  # out of scope
        services.cancel_outing(actor=users["grid_c"], outing=outing, note="不去了", now=now)
    services.cancel_outing(actor=users["grid_a"], outing=outing, note="医院改约", now=now)
    outing.refresh_from_db()
    assert (outing.state, outing.cancelled_by, outing.cancel_note) == (
        "cancelled",
        users["grid_a"],
        "医院改约",
    )
    assert outing.decided_by == users["community"]  # the approval stays on record
    check = services.checkpoint_check(
        actor=users["volunteer"], venue=checkpoint, id_number=quarantined.id_number, now=now
    )
    assert check.admitted is False and check.check.outing is None
    with pytest.raises(ValidationError):  # once only
        services.cancel_outing(actor=users["grid_a"], outing=outing, note="再撤", now=now)
    pending = _request(users, quarantined, now)
    services.cancel_outing(actor=users["community"], outing=pending, note="登记错误", now=now)
    with pytest.raises(ValidationError):  # nothing left to approve
        services.approve_outing(actor=users["street"], outing=pending, now=now)
    late = _request(users, quarantined, now)
    with pytest.raises(ValidationError) as e:  # its return time has passed
        services.cancel_outing(
            actor=users["grid_a"], outing=late, note="x", now=now + datetime.timedelta(hours=4)
        )
    assert e.value.messages == ["返回时间已过，不能撤销"]


def test_a_request_past_its_return_time_or_its_quarantine_is_not_approved(
    users, checkpoint, quarantined, now
):
    """Approving a pass whose return time has passed (or whose quarantine was released) let
    it through as 已批准 for nothing; such a request can only be rejected now."""
    from fangkong.health.services import release_assignment

    outing = _request(users, quarantined, now)
    with pytest.raises(ValidationError) as e:
        services.approve_outing(
            actor=users["community"], outing=outing, now=now + datetime.timedelta(hours=4)
        )
    assert e.value.messages == ["返回时间已过，不能再批准；如仍需外出，请重新登记申请"]
    release_assignment(actor=users["community"], assignment=outing.assignment, note="解除")
    outing.refresh_from_db()
    with pytest.raises(ValidationError) as e:
        services.approve_outing(actor=users["community"], outing=outing, now=now)
    assert e.value.messages == ["该居民的隔离/监测已解除，无需外出审批"]
    services.reject_outing(actor=users["community"], outing=outing, note="已解除", now=now)
    outing.refresh_from_db()
    assert outing.state == "rejected"


def test_someone_inside_is_not_held_back_by_the_flow_limit(users, checkpoint, green, areas, now):
    checkpoint.capacity = 1
    checkpoint.save(update_fields=["capacity"])
    _negative_test(green, 3, now)
    entry = services.record_checkpoint_scan(
        actor=users["volunteer"],
        venue=checkpoint,
        direction="in",
        id_number=green.id_number,
        temperature="36.4",
        now=now,
    )
    assert (entry.admitted, entry.occupancy) == (True, 1)
    later = now + datetime.timedelta(minutes=5)
    again = services.checkpoint_check(
        actor=users["volunteer"], venue=checkpoint, id_number=green.id_number, now=later
    )
    assert (again.admitted, again.at_limit, again.occupancy) == (True, False, 1)
    other = make_resident(areas["grid_a"], name="赵一")
    recompute_status([other.pk], cause="测试")
    _negative_test(other, 3, now)
    held = services.checkpoint_check(
        actor=users["volunteer"], venue=checkpoint, id_number=other.id_number, now=later
    )
    assert (held.admitted, held.at_limit) == (False, True)


def test_someone_under_home_quarantine_is_let_into_their_own_compound(
    users, areas, quarantined, now
):
    """Back after the pass's return time (or out without one), a person under home quarantine
    was refused at their own compound's gate: kept out on the street, the opposite of what
    the quarantine is for. At their compound they are let in, and staff are told why; at any
    other gate, and with a fever, they are not."""
    from fangkong.venues.choices import VenueKind

    def venue(name, kind, area):
        return services.create_venue(
            actor=users["command"],
            data={"area": area, "name": name, "kind": kind, "measures_temperature": True},
        )

    home = venue("海棠花语小区北门", VenueKind.COMPOUND, areas["community"])
    elsewhere = venue("海棠花语小区二期", VenueKind.COMPOUND, areas["grid_b"])  # not their grid
    market = venue("仁和农贸市场", VenueKind.MARKET, areas["community"])
    check = services.checkpoint_check(
        actor=users["volunteer"], venue=home, id_number=quarantined.id_number, now=now
    )
    assert (check.admitted, check.colour) == (True, "red")
    assert check.check.home.kind == "home_quarantine"
    entry = services.record_checkpoint_scan(
        actor=users["volunteer"],
        venue=home,
        direction="in",
        id_number=quarantined.id_number,
        temperature="36.5",
        now=now,
    )
    assert entry.admitted
    browser = Client()
    browser.force_login(users["volunteer"])
    page = browser.post(
        reverse("venues:checkpoint", args=[home.pk]),
        {"action": "check", "id_number": quarantined.id_number},
    ).content.decode()
    assert "返回居所：居家隔离中" in page and "请告知责任网格员" in page
    fever = services.record_checkpoint_scan(
        actor=users["volunteer"],
        venue=home,
        direction="in",
        id_number=quarantined.id_number,
        temperature="38.2",
        now=now,
    )
    assert fever.admitted is False
    for gate in (market, elsewhere):
        refused = services.checkpoint_check(
            actor=users["volunteer"], venue=gate, id_number=quarantined.id_number, now=now
        )
        assert refused.admitted is False and refused.check.home is None
