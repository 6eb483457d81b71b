"""Check-ins: idempotent per slot, fever/symptom alerts, overdue slots at their edges."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.models import AuditEntry
from fangkong.health.models import Alert, Assignment, CheckIn
from fangkong.health.selectors import alert_list, overdue_checkins
from fangkong.health.services import (
    acknowledge_alert,
    raise_overdue_alerts,
    record_checkin,
    record_self_checkin,
)
from fangkong.status.clock import at_local
from fangkong.status.testing import make_resident

D = datetime.date
START = D(2020, 2, 10)


@pytest.fixture
def assignment(areas, users):
    r = make_resident(areas["grid_a"], name="李四")
    a = Assignment.objects.create(
        resident=r,
        kind="home_quarantine",
        start_date=START,
        end_date=D(2020, 2, 23),
        responsible=users["grid_a"],
    )
    # recorded the morning it began
    Assignment.objects.filter(pk=a.pk).update(created_at=at_local(START, 7))
    return Assignment.objects.get(pk=a.pk)


def checkin(actor, a, day=START, slot="am", t="36.5", symptoms=(), hour=9):
    return record_checkin(
        actor=actor,
        assignment=a,
        date=day,
        slot=slot,
        temperature=t,
        symptoms=symptoms,
        now=at_local(day, hour),
    )


def test_same_checkin_twice_is_one_row_and_one_audit_entry(users, assignment):
    first, created = checkin(users["grid_a"], assignment)
    again, created_again = checkin(users["grid_a"], assignment)
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert CheckIn.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="health.checkin").count() == 1
    assert first.temperature == Decimal("36.5")


def test_fever_raises_one_alert_for_the_responsible_worker(users, assignment):
    checkin(users["grid_a"], assignment, t="38.2", symptoms=["咳嗽", "fatigue"])
    checkin(users["grid_a"], assignment, t="38.2", symptoms=["咳嗽", "fatigue"])
    alert = Alert.objects.get()
    assert (alert.kind, alert.date, alert.slot) == ("fever", START, "am")
    assert alert.message == "发热：体温 38.2℃（2020-02-10 上午），伴咳嗽、乏力"
    assert list(alert_list(users["grid_a"], mine=True)) == [alert]
    assert list(alert_list(users["grid_b"])) == []
    acknowledge_alert(actor=users["grid_a"], alert=alert)
    assert list(alert_list(users["grid_a"])) == []


def test_threshold_is_37_3_and_symptoms_alone_alert(users, assignment):
    checkin(users["grid_a"], assignment, t="37.2")
    assert Alert.objects.count() == 0
    checkin(users["grid_a"], assignment, slot="pm", t="37.3", hour=15)
    checkin(users["grid_a"], assignment, day=START + datetime.timedelta(days=1), symptoms="咽痛")
    assert sorted(Alert.objects.values_list("kind", "message")) == [
        ("fever", "发热：体温 37.3℃（2020-02-10 下午）"),
        ("symptom", "出现症状：咽痛（2020-02-11 上午）"),
    ]


def test_bad_values_are_rejected_with_the_field_named(users, assignment):
    with pytest.raises(ValidationError) as e:
        checkin(users["grid_a"], assignment, t="44.5")
    assert e.value.message_dict == {"temperature": ["体温应在 34.0–43.0℃ 之间"]}
    with pytest.raises(ValidationError) as e:  # three digits, but no temperature in tenths
        checkin(users["grid_a"], assignment, t="445")
    assert e.value.message_dict == {"temperature": ["体温应在 34.0–43.0℃ 之间"]}
    with pytest.raises(ValidationError) as e:
        checkin(users["grid_a"], assignment, symptoms=["头晕眼花"])
    assert list(e.value.message_dict) == ["symptoms"]
    with pytest.raises(ValidationError) as e:
        checkin(users["grid_a"], assignment, day=D(2020, 2, 9), hour=9)
    assert e.value.message_dict == {"date": ["打卡日期不在隔离/监测期内"]}
    assert CheckIn.objects.count() == 0


def test_full_width_and_unit_suffixed_temperatures_are_read(users, assignment):
    c, _created = checkin(users["grid_a"], assignment, t="３６．６℃")
    assert c.temperature == Decimal("36.6")
    c, _created = checkin(users["grid_a"], assignment, slot="pm", t="36。7", hour=15)
    assert c.temperature == Decimal("36.7")
    for bad in ("NaN", "Infinity", "三十六"):
        with pytest.raises(ValidationError) as e:
            checkin(users["grid_a"], assignment, day=START + datetime.timedelta(days=1), t=bad)
        assert e.value.message_dict == {"temperature": ["体温应填写数字，如 36.5"]}


def test_a_decimal_comma_and_a_forgotten_point_are_read(users, assignment):
    c, _created = checkin(users["grid_a"], assignment, t="36,8")
    assert c.temperature == Decimal("36.8")
    c, _created = checkin(users["grid_a"], assignment, slot="pm", t="368", hour=15)
    assert c.temperature == Decimal("36.8")


def test_a_slot_that_has_not_begun_is_refused(users, assignment):
    with pytest.raises(ValidationError) as e:
        checkin(users["grid_a"], assignment, slot="pm", hour=11)
    assert e.value.message_dict == {"slot": ["下午时段尚未开始，12:00 起可填报"]}
    with pytest.raises(ValidationError) as e:
        record_self_checkin(
            token=assignment.checkin_token,
            date=START,
            slot="pm",
            temperature="36.6",
            now=at_local(START, 8),
        )
    assert e.value.message_dict == {"slot": ["下午时段尚未开始，12:00 起可填报"]}
    assert CheckIn.objects.count() == 0
    checkin(users["grid_a"], assignment, slot="pm", hour=12)
    # yesterday's afternoon may still be entered in the morning
    checkin(users["grid_a"], assignment, day=START + datetime.timedelta(days=1), hour=8)
    _checkin, created = record_checkin(
        actor=users["grid_a"],
        assignment=assignment,
        date=START + datetime.timedelta(days=1),
        slot="pm",
        temperature="36.6",
        now=at_local(START + datetime.timedelta(days=2), 8),
    )
    assert created
    assert CheckIn.objects.count() == 3


def test_self_report_through_the_link(assignment):
    now = at_local(START, 8)
    c, created = record_self_checkin(
        token=assignment.checkin_token, date=START, slot="am", temperature="36.6", now=now
    )
    assert (c.source, c.recorded_by, created) == ("self", None, True)
    with pytest.raises(ValidationError):
        record_self_checkin(
            token=assignment.checkin_token, date=START, slot="am", temperature="36.9", now=now
        )
    with pytest.raises(PermissionDenied):
        record_self_checkin(token="wrong", date=START, slot="am", temperature="36.6", now=now)


def test_grid_worker_cannot_check_in_for_another_grid(users, assignment):
    with pytest.raises(PermissionDenied):
        checkin(users["grid_b"], assignment)
    assert CheckIn.objects.count() == 0


def _missing(assignment, now):
    return [(m.date.isoformat(), m.slot) for m in overdue_checkins(Assignment.objects.all(), now)]


def test_overdue_slots_at_their_edges(users, assignment):
    checkin(users["grid_a"], assignment)  # 02-10 am done
    assert _missing(assignment, at_local(START, 20)) == []  # pm due *after* 20:00
    late_pm = at_local(START, 20) + datetime.timedelta(seconds=1)
    assert _missing(assignment, late_pm) == [("2020-02-10", "pm")]
    next_noon = at_local(START + datetime.timedelta(days=1), 12)
    assert _missing(assignment, next_noon) == [("2020-02-10", "pm")]
    after_noon = next_noon + datetime.timedelta(seconds=1)
    assert _missing(assignment, after_noon) == [("2020-02-10", "pm"), ("2020-02-11", "am")]


def test_overdue_alerts_are_raised_once(users, assignment):
    now = at_local(START + datetime.timedelta(days=1), 13)
    assert raise_overdue_alerts(now=now) == 3  # 02-10 am, pm and 02-11 am
    assert raise_overdue_alerts(now=now) == 0
    assert Alert.objects.filter(kind="overdue").count() == 3
    alert = Alert.objects.get(kind="overdue", date=START, slot="pm")
    assert alert.message == "逾期未报：2020-02-10 下午 未填报体温"
    assert AuditEntry.objects.filter(object_type="health.alert").count() == 3


def test_released_assignment_has_no_overdue_slots(users, assignment):
    assignment.state = "released"
    assignment.save()
    assert _missing(assignment, at_local(D(2020, 2, 15), 21)) == []


def test_a_corrected_checkin_settles_its_alert(users, assignment):
    """38.2 typed for 36.2: the correction marks the fever alert handled (audited), so the
    open alerts and the worker's list no longer show a fever nobody had; a corrected fever
    keeps its alert with the corrected reading."""
    worker = users["grid_a"]
    checkin(worker, assignment, t="38.2", symptoms=["cough"])
    alert = Alert.objects.get(kind="fever")
    assert "38.2" in alert.message and alert.acknowledged_at is None
    checkin(worker, assignment, t="38.9", symptoms=["cough"], hour=10)
    alert.refresh_from_db()
    assert "38.9" in alert.message and alert.acknowledged_at is None
    checkin(worker, assignment, t="36.2", hour=11)
    alert.refresh_from_db()
    assert alert.acknowledged_by == worker and alert.acknowledged_at is not None
    assert not Alert.objects.filter(acknowledged_at__isnull=True).exists()
    entry = AuditEntry.objects.filter(object_type="health.alert").latest("id")
    assert entry.reason == "打卡已更正，该预警不再适用"


def test_slots_before_the_assignment_was_recorded_are_not_overdue(users, assignment):
    """A monitoring entered on its third day raised 逾期未报 alerts at once for the two days
    before anyone was asked to report; only slots due after it was recorded count."""
    Assignment.objects.filter(pk=assignment.pk).update(
        created_at=at_local(START + datetime.timedelta(days=2), 10)
    )
    now = at_local(START + datetime.timedelta(days=3), 13)
    assert _missing(assignment, now) == [
        ("2020-02-12", "am"),
        ("2020-02-12", "pm"),
        ("2020-02-13", "am"),
    ]
    assert raise_overdue_alerts(now=now) == 3
