"""替班: a colleague covers a shift, with a reason; the scheduled person stays on the record."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from fangkong.core.importing import run_import
from fangkong.core.models import AuditEntry
from fangkong.core.services import ConflictError
from fangkong.duty import services
from fangkong.duty.models import Shift

from .conftest import at
from .test_import import IMPORTER, workbook

pytestmark = pytest.mark.django_db

BEFORE = at(7)  # "now" in the service tests: the 8:00–20:00 shift has not begun


@pytest.fixture
def day_shift(areas, users, make_shift):
    return make_shift(areas["community"], users["grid_a"], at(8), at(20))


def cover(actor, shift, person, reason="原值班人员发烧请假", *, version=1, now=BEFORE):
    return services.cover_shift(
        actor=actor, shift=shift, person=person, reason=reason, expected_version=version, now=now
    )


def stored(shift) -> tuple:
    shift.refresh_from_db()
    return shift.person_id, shift.covered_for_id, shift.cover_reason, shift.version


def future_shift(areas, users, make_shift, *, hours_from_now=2):
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(
        hours=hours_from_now
    )
    return make_shift(
        areas["community"], users["grid_a"], start, start + datetime.timedelta(hours=12)
    )


# --- service -------------------------------------------------------------------------------


def test_cover_puts_the_colleague_on_duty_and_keeps_who_was_scheduled(users, day_shift):
    covered = cover(users["community"], day_shift, users["grid_b"], "  原值班人员发烧请假 ")
    assert covered.version == 2
    assert stored(day_shift) == (users["grid_b"].pk, users["grid_a"].pk, "原值班人员发烧请假", 2)
    assert day_shift.on_duty_label() == "grid_b（替 grid_a）"


def test_the_audit_entry_carries_the_reason_and_the_person_before_and_after(users, day_shift):
    cover(users["community"], day_shift, users["grid_b"])
    entry = AuditEntry.objects.filter(object_type="duty.shift", action="update").get()
    assert entry.reason == "原值班人员发烧请假"
    assert entry.changes == {
        "person": [users["grid_a"].pk, users["grid_b"].pk],
        "covered_for": [None, users["grid_a"].pk],
        "cover_reason": ["", "原值班人员发烧请假"],
    }
    assert entry.actor_id == users["community"].pk


def test_covering_again_keeps_the_scheduled_person_with_the_latest_reason(users, day_shift):
    cover(users["community"], day_shift, users["grid_b"])
    cover(users["community"], day_shift, users["community"], "替班人员临时被抽调卡点", version=2)
    assert stored(day_shift) == (
        users["community"].pk,
        users["grid_a"].pk,
        "替班人员临时被抽调卡点",
        3,
    )


def test_covering_back_to_the_scheduled_person_clears_the_cover(users, day_shift):
    cover(users["community"], day_shift, users["grid_b"])
    cover(users["community"], day_shift, users["grid_a"], "病假取消，本人值班", version=2)
    assert stored(day_shift) == (users["grid_a"].pk, None, "", 3)
    last = AuditEntry.objects.filter(action="update").latest("pk")
    assert last.reason == "病假取消，本人值班"
    assert last.changes["covered_for"] == [users["grid_a"].pk, None]


def test_editing_the_person_back_to_the_scheduled_one_clears_the_cover(users, day_shift):
    cover(users["community"], day_shift, users["grid_b"])
    services.update_shift(
        actor=users["community"],
        shift=day_shift,
        data={"person": users["grid_a"]},
        expected_version=2,
    )
    assert stored(day_shift) == (users["grid_a"].pk, None, "", 3)


@pytest.mark.parametrize(
    ("reason", "message"),
    [("", "请填写替班原因"), ("   ", "请填写替班原因"), ("病" * 201, "替班原因不能超过 200 字")],
)
def test_a_reason_is_required(users, day_shift, reason, message):
    with pytest.raises(ValidationError) as e:
        cover(users["community"], day_shift, users["grid_b"], reason)
    assert e.value.message_dict == {"reason": [message]}
    assert stored(day_shift) == (users["grid_a"].pk, None, "", 1)


def test_a_shift_that_has_ended_cannot_be_covered(users, day_shift):
    with pytest.raises(ValidationError) as e:
        cover(users["community"], day_shift, users["grid_b"], now=at(20))
    assert e.value.messages == ["该班次已结束，不能替班"]
    # Under way is not over: the rest of the shift can still be covered.
    cover(users["community"], day_shift, users["grid_b"], now=at(19, 59))
    assert day_shift.person_id == users["grid_b"].pk


def test_the_same_person_cannot_cover_their_own_shift(users, day_shift):
    with pytest.raises(ValidationError) as e:
        cover(users["community"], day_shift, users["grid_a"])
    assert e.value.message_dict == {"person": ["替班人员与当前值班人员相同"]}
    assert stored(day_shift) == (users["grid_a"].pk, None, "", 1)


def test_a_person_outside_the_actors_area_is_refused(users, day_shift):
    with pytest.raises(ValidationError) as e:
        cover(users["community"], day_shift, users["grid_c"])
    assert e.value.message_dict == {"person": ["所选人员不在您的管辖范围内"]}
    assert stored(day_shift) == (users["grid_a"].pk, None, "", 1)


@pytest.mark.parametrize("actor", ["grid_a", "leader"])
def test_without_change_shift_the_cover_is_denied_and_nothing_changes(users, day_shift, actor):
    with pytest.raises(PermissionDenied):
        cover(users[actor], day_shift, users["grid_b"])
    assert stored(day_shift) == (users["grid_a"].pk, None, "", 1)
    assert not AuditEntry.objects.filter(action="update").exists()


def test_a_shift_outside_the_actors_area_is_denied(areas, users, make_shift):
    other = make_shift(areas["miyi_community"], users["grid_c"], at(8), at(20))
    with pytest.raises(PermissionDenied):
        cover(users["community"], other, users["grid_b"])
    assert stored(other) == (users["grid_c"].pk, None, "", 1)


def test_a_stale_version_is_refused(users, day_shift):
    services.update_shift(
        actor=users["community"], shift=day_shift, data={"note": "带对讲机"}, expected_version=1
    )
    with pytest.raises(ConflictError):
        cover(users["community"], Shift.objects.get(pk=day_shift.pk), users["grid_b"], version=1)
    assert stored(day_shift) == (users["grid_a"].pk, None, "", 2)


# --- pages ---------------------------------------------------------------------------------


def test_the_cover_button_shows_with_the_permission_before_the_end(
    client, areas, users, make_shift
):
    shift = future_shift(areas, users, make_shift)
    cover_url = reverse("duty:shift_cover", args=[shift.pk])
    detail = reverse("duty:shift_detail", args=[shift.pk])
    client.force_login(users["community"])
    assert cover_url in client.get(detail).content.decode()
    client.force_login(users["leader"])  # may view the roster, not change it
    page = client.get(detail)
    assert page.status_code == 200
    assert cover_url not in page.content.decode()
    denied = client.get(cover_url)
    assert denied.status_code == 403
    assert "您没有访问此页面的权限" in denied.content.decode()
    ended = make_shift(areas["community"], users["grid_a"], at(8), at(20))
    client.force_login(users["community"])
    assert (
        reverse("duty:shift_cover", args=[ended.pk])
        not in client.get(reverse("duty:shift_detail", args=[ended.pk])).content.decode()
    )
    # Opened by its address after the end (an old tab, a bookmark): refused, not a form
    # that fails only once filled in.
    for send in (client.get, client.post):
        late = send(reverse("duty:shift_cover", args=[ended.pk]))
        assert late.status_code == 403
        assert "该班次已结束，不能替班" in late.content.decode()


def test_posting_the_form_covers_and_the_pages_show_it(client, areas, users, make_shift):
    shift = future_shift(areas, users, make_shift)
    client.force_login(users["community"])
    url = reverse("duty:shift_cover", args=[shift.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert f'<option value="{users["grid_b"].pk}">' in form.content.decode()
    assert f'<option value="{users["grid_a"].pk}">' not in form.content.decode()  # holds it
    assert f'<option value="{users["grid_c"].pk}">' not in form.content.decode()  # out of area
    response = client.post(url, {"person": users["grid_b"].pk, "reason": "家中有事", "version": 1})
    detail = reverse("duty:shift_detail", args=[shift.pk])
    assert response.status_code == 302
    assert response.url == detail
    page = client.get(detail).content.decode()
    assert "已替班：" in page
    assert "grid_b（替 grid_a）" in page
    assert "家中有事" in page
    roster = client.get(reverse("duty:shift_list")).content.decode()
    assert "grid_b（替 grid_a）" in roster
    coverage = client.get(
        reverse("duty:coverage"),
        {
            "area": areas["community"].pk,
            "day": timezone.localdate(shift.start).isoformat(),
            "span": "day",
        },
    )
    assert "grid_b（替 grid_a）" in coverage.content.decode()


def test_the_form_shows_the_services_refusals_and_a_stale_page(client, areas, users, make_shift):
    shift = future_shift(areas, users, make_shift)
    client.force_login(users["community"])
    url = reverse("duty:shift_cover", args=[shift.pk])
    blank = client.post(url, {"person": users["grid_b"].pk, "reason": "", "version": 1})
    assert blank.status_code == 200
    assert '<div class="invalid-feedback d-block" id="id_reason_error"><div>该字段是必填项。' in (
        blank.content.decode()
    )
    same = client.post(url, {"person": users["grid_a"].pk, "reason": "x", "version": 1})
    assert "替班人员与当前值班人员相同" in same.content.decode()
    services.update_shift(
        actor=users["community"], shift=shift, data={"note": "改了备注"}, expected_version=1
    )
    stale = client.post(url, {"person": users["grid_b"].pk, "reason": "家中有事", "version": 1})
    assert stale.status_code == 409
    assert stored(shift) == (users["grid_a"].pk, None, "", 2)


def test_the_roster_export_names_the_scheduled_person_and_the_reason(users, day_shift, client):
    cover(users["community"], day_shift, users["grid_b"])
    client.force_login(users["community"])
    exported = client.get(reverse("duty:shift_list"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active
    header, row = (list(r) for r in sheet.iter_rows(values_only=True))
    assert header[1:3] == ["值班人员", "账号"]
    assert header[-2:] == ["原排班人员", "替班原因"]
    assert row[1:3] == ["grid_b", "grid_b"]
    assert row[-2:] == ["grid_a", "原值班人员发烧请假"]


# --- import after a cover ------------------------------------------------------------------


def test_reimporting_the_posted_roster_keeps_the_cover(tmp_path, areas, users):
    """The secretary re-uploads the month's roster after a 替班: the row naming the scheduled
    person is the covered shift, unchanged and reported, not a second shift beside it."""
    rows = [
        ("海棠花语社区", "grid_a", "值班员", "2020-02-14 08:00", "2020-02-14 20:00", ""),
        ("海棠花语社区", "grid_b", "值班员", "2020-02-14 20:00", "2020-02-15 08:00", ""),
    ]
    path = workbook(tmp_path / "roster.xlsx", rows)
    actor, area = users["community"], areas["community"]
    run_import(IMPORTER, path, actor=actor, area=area)
    shift = Shift.objects.get(person=users["grid_a"])
    cover(actor, shift, users["community"])
    again = run_import(IMPORTER, path, actor=actor, area=area)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)
    assert again.warnings == ["第 3 行：该班次已由他人替班，仍由替班人员值班，未恢复原排班人员"]
    assert Shift.objects.count() == 2
    assert stored(shift) == (users["community"].pk, users["grid_a"].pk, "原值班人员发烧请假", 2)
    # A corrected end still reaches the covered shift.
    fixed = workbook(tmp_path / "fixed.xlsx", [(*rows[0][:4], "2020-02-14 21:00", "")])
    third = run_import(IMPORTER, fixed, actor=actor, area=area)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 0)
    shift.refresh_from_db()
    assert (shift.person_id, shift.covered_for_id, shift.end) == (
        users["community"].pk,
        users["grid_a"].pk,
        at(21),
    )


# --- API -----------------------------------------------------------------------------------


def test_api_cover_action_and_read_only_cover_fields(areas, users, day_shift, make_shift):
    client = APIClient()
    client.force_login(users["community"])
    url = f"/api/v1/shifts/{day_shift.pk}/cover/"
    # The API has no clock of its own to fake: the shift lies ahead of the real now.
    start = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(hours=1)
    Shift.objects.filter(pk=day_shift.pk).update(
        start=start, end=start + datetime.timedelta(hours=8)
    )
    body = {"person": users["grid_b"].pk, "reason": "家中有事", "version": 1}
    done = client.post(url, body, format="json")
    assert done.status_code == 200, done.content
    data = done.json()
    assert (
        data["person"],
        data["covered_for"],
        data["covered_for_name"],
        data["cover_reason"],
        data["version"],
    ) == (users["grid_b"].pk, users["grid_a"].pk, "grid_a", "家中有事", 2)
    held = make_shift(areas["community"], users["grid_a"], at(20), at(8, day=1))
    listed = {r["id"]: r for r in client.get("/api/v1/shifts/").json()["results"]}
    assert (listed[held.pk]["covered_for"], listed[held.pk]["covered_for_name"]) == (None, None)
    assert listed[day_shift.pk]["covered_for_name"] == "grid_a"
    stale = client.post(url, body | {"person": users["community"].pk}, format="json")
    assert stale.status_code == 409
    no_reason = client.post(url, body | {"reason": "", "version": 2}, format="json")
    assert no_reason.status_code == 400
    # An edit cannot write the cover's fields.
    edited = client.patch(
        f"/api/v1/shifts/{day_shift.pk}/",
        {"covered_for": None, "cover_reason": "", "note": "x", "version": 2},
        format="json",
    )
    assert edited.status_code == 200
    assert (edited.json()["covered_for"], edited.json()["cover_reason"]) == (
        users["grid_a"].pk,
        "家中有事",
    )
    denied = APIClient()
    denied.force_login(users["grid_a"])
    refused = denied.post(url, body | {"version": 3}, format="json")
    assert refused.status_code == 403
    assert stored(day_shift)[:3] == (users["grid_b"].pk, users["grid_a"].pk, "家中有事")
