"""Manual overrides: a reason, a second approver of a higher role in scope, expiry."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_user
from fangkong.status.models import PersonStatus, StatusOverride
from fangkong.status.selectors import overrides_awaiting
from fangkong.status.services import (
    approve_status_override,
    recompute_status,
    reject_status_override,
    request_status_override,
)
from fangkong.status.testing import make_resident


@pytest.fixture
def person(areas):
    r = make_resident(areas["grid_a"], name="王五")
    recompute_status([r.pk], cause="初始")
    return r


def _request(actor, person, colour="red", reason="发热门诊报告疑似，待核酸复核", hours=24):
    return request_status_override(
        actor=actor,
        resident=person,
        colour=colour,
        reason=reason,
        expires_at=timezone.now() + datetime.timedelta(hours=hours),
    )


def test_override_needs_a_written_reason_and_an_expiry(users, person):
    with pytest.raises(ValidationError) as e:
        _request(users["grid_a"], person, reason="  ")
    assert e.value.message_dict == {"reason": ["人工调整必须填写原因"]}
    with pytest.raises(ValidationError) as e:
        _request(users["grid_a"], person, hours=-1)
    assert e.value.message_dict == {"expires_at": ["有效期必须晚于当前时间"]}
    assert StatusOverride.objects.count() == 0


def test_pending_or_rejected_override_cannot_turn_anyone_red(
    users, person, django_capture_on_commit_callbacks
):
    override = _request(users["grid_a"], person)
    recompute_status([person.pk], cause="测试")
    assert PersonStatus.objects.get(pk=person.pk).colour == "green"
    with django_capture_on_commit_callbacks(execute=True):
        reject_status_override(actor=users["community"], override=override, note="无依据")
    recompute_status([person.pk], cause="测试")
    status = PersonStatus.objects.get(pk=person.pk)
    assert (status.colour, status.reasons, status.override) == ("green", [], None)


def test_higher_role_approves_and_the_override_wins_as_a_reason(
    users, person, django_capture_on_commit_callbacks
):
    users["community"].full_name = "李主任"
    users["community"].save()
    override = _request(users["grid_a"], person)
    assert list(overrides_awaiting(users["community"])) == [override]
    assert list(overrides_awaiting(users["grid_b"])) == []
    with django_capture_on_commit_callbacks(execute=True):
        approve_status_override(actor=users["community"], override=override)
    status = PersonStatus.objects.get(pk=person.pk)
    assert status.colour == "red"
    assert status.override_id == override.pk
    until = timezone.localtime(override.expires_at).strftime("%Y-%m-%d %H:%M")
    assert [r["text"] for r in status.reasons] == [
        f"人工调整为红码：发热门诊报告疑似，待核酸复核，由 李主任 批准，至 {until}"
    ]
    assert status.valid_until == override.expires_at
    entry = AuditEntry.objects.filter(object_type="status.personstatus").latest("id")
    assert (entry.reason, entry.changes["colour"]) == ("人工调整获批", ["green", "red"])
    assert entry.actor_name == "community"


def test_requester_cannot_approve_their_own_override(users, person):
    override = _request(users["community"], person)
    with pytest.raises(PermissionDenied) as e:
        approve_status_override(actor=users["community"], override=override)
    assert str(e.value) == "不能审批自己提交的人工调整申请"
    assert StatusOverride.objects.get(pk=override.pk).state == "pending"


def test_same_or_lower_role_cannot_approve(users, areas, person):
    other_grid_worker = make_user(Role.GRID_WORKER, areas["grid_a"])
    override = _request(users["community"], person)
    with pytest.raises(PermissionDenied):
        approve_status_override(actor=other_grid_worker, override=override)
    other_community = make_user(Role.COMMUNITY, areas["community"])
    with pytest.raises(PermissionDenied) as e:
        approve_status_override(actor=other_community, override=override)
    assert str(e.value) == "审批人的级别必须高于申请人"
    assert StatusOverride.objects.get(pk=override.pk).state == "pending"


def test_approver_must_have_the_resident_in_their_area(users, areas, person):
    miyi_street = make_user(Role.STREET, areas["miyi_street"])
    override = _request(users["grid_a"], person)
    with pytest.raises(PermissionDenied) as e:
        approve_status_override(actor=miyi_street, override=override)
    assert str(e.value) == "该区域不在您的管辖范围内"
    approve_status_override(actor=users["street"], override=override)
    assert StatusOverride.objects.get(pk=override.pk).approved_by == users["street"]


def test_other_roles_can_neither_request_nor_approve(users, person):
    with pytest.raises(PermissionDenied):
        _request(users["volunteer"], person)
    with pytest.raises(PermissionDenied):
        _request(users["leader"], person)
    override = _request(users["grid_a"], person)
    with pytest.raises(PermissionDenied):
        approve_status_override(actor=users["leader"], override=override)


def test_grid_worker_cannot_request_for_another_grid(users, areas):
    other = make_resident(areas["grid_b"], name="赵六")
    with pytest.raises(PermissionDenied):
        _request(users["grid_a"], other)
    assert StatusOverride.objects.count() == 0


def test_expiry_returns_to_the_derived_colour(users, person, django_capture_on_commit_callbacks):
    override = _request(users["grid_a"], person, colour="yellow", hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        approve_status_override(actor=users["street"], override=override)
    assert PersonStatus.objects.get(pk=person.pk).colour == "yellow"
    after = override.expires_at + datetime.timedelta(seconds=1)
    result = recompute_status([person.pk], cause="到期自动重算", now=after)
    assert result.changed == 1
    status = PersonStatus.objects.get(pk=person.pk)
    assert (status.colour, status.reasons, status.override) == ("green", [], None)
    entry = AuditEntry.objects.filter(object_type="status.personstatus").latest("id")
    assert (entry.reason, entry.changes["colour"]) == ("到期自动重算", ["yellow", "green"])


def test_command_office_request_is_approved_by_another_command_office_account(
    users, areas, person, django_capture_on_commit_callbacks
):
    """At the top rank nobody is higher: a second, different top-ranked user approves."""
    override = _request(users["command"], person)
    other_command = make_user(Role.COMMAND, areas["city"])
    assert list(overrides_awaiting(users["grid_a"])) == []
    for lower in ("street", "community"):
        assert list(overrides_awaiting(users[lower])) == []
        with pytest.raises(PermissionDenied) as e:
            approve_status_override(actor=users[lower], override=override)
        assert str(e.value) == "指挥部提交的申请须由指挥部其他人员审批"
    assert list(overrides_awaiting(users["command"])) == []  # never one's own
    with pytest.raises(PermissionDenied) as e:
        approve_status_override(actor=users["command"], override=override)
    assert str(e.value) == "不能审批自己提交的人工调整申请"
    assert StatusOverride.objects.get(pk=override.pk).state == "pending"
    assert list(overrides_awaiting(other_command)) == [override]
    with django_capture_on_commit_callbacks(execute=True):
        approve_status_override(actor=other_command, override=override)
    override.refresh_from_db()
    assert (override.state, override.approved_by) == ("approved", other_command)
    assert PersonStatus.objects.get(pk=person.pk).colour == "red"


def test_a_superuser_may_decide_a_command_office_request(users, areas, person):
    admin = make_user(Role.LEADER, areas["city"], superuser=True)
    override = _request(users["command"], person)
    assert list(overrides_awaiting(admin)) == [override]
    reject_status_override(actor=admin, override=override, note="依据不足")
    assert StatusOverride.objects.get(pk=override.pk).state == "rejected"


def test_command_office_approver_must_cover_the_resident(users, areas, person):
    """A top-ranked account bound to a district elsewhere does not see or decide it."""
    elsewhere = make_user(Role.COMMAND, areas["miyi"])
    override = _request(users["command"], person)
    assert list(overrides_awaiting(elsewhere)) == []
    with pytest.raises(PermissionDenied) as e:
        approve_status_override(actor=elsewhere, override=override)
    assert str(e.value) == "该区域不在您的管辖范围内"
    assert StatusOverride.objects.get(pk=override.pk).state == "pending"


def test_a_fact_recorded_after_the_approval_ends_a_milder_override(
    users, person, django_capture_on_commit_callbacks
):
    """Made green for a misread test, then confirmed a case: the person turns red (the
    override judged the facts known when approved); its end is audited."""
    from fangkong.tracing.services import create_case

    o = _request(users["grid_a"], person, colour="green", reason="复核为误报")
    with django_capture_on_commit_callbacks(execute=True):
        approve_status_override(actor=users["community"], override=o)
    assert PersonStatus.objects.get(pk=person.pk).colour == "green"
    with django_capture_on_commit_callbacks(execute=True):
        create_case(
            actor=users["command"],
            resident=person,
            kind="confirmed",
            confirmed_at=timezone.now() - datetime.timedelta(minutes=5),
        )
    status = PersonStatus.objects.get(pk=person.pk)
    assert status.colour == "red"
    assert [r["code"] for r in status.reasons] == ["case"]
    o.refresh_from_db()
    assert o.expires_at <= timezone.now()
    entry = AuditEntry.objects.filter(object_type="status.statusoverride").latest("id")
    assert entry.reason == "新的防控事实（新增病例），人工调整提前结束"
