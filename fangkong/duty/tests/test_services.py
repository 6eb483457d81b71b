"""Working groups, shifts and handovers: exact values, audit entries, denials change nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.models import AuditEntry
from fangkong.core.services import ConflictError
from fangkong.duty import services
from fangkong.duty.models import Handover, HandoverItem, Shift, WorkingGroup

from .conftest import at

pytestmark = pytest.mark.django_db


# --- working groups ----------------------------------------------------------------------


def test_create_working_group_with_leader_among_members(areas, users):
    group = services.create_working_group(
        actor=users["community"],
        data={
            "area": areas["community"],
            "name": " 疫情防控专班 ",
            "leader": users["community"],
            "members": [users["grid_a"], users["grid_b"]],
        },
    )
    assert group.name == "疫情防控专班"
    assert sorted(group.members.values_list("username", flat=True)) == [
        "community",
        "grid_a",
        "grid_b",
    ]
    entry = AuditEntry.objects.get(object_type="duty.workinggroup")
    assert entry.changes["members"] == sorted(
        u.pk for u in (users["community"], users["grid_a"], users["grid_b"])
    )
    assert entry.area_path == areas["community"].path


def test_working_group_rejects_people_out_of_scope_and_duplicate_names(areas, users):
    data = {"area": areas["community"], "name": "专班", "members": [users["grid_c"]]}
    with pytest.raises(ValidationError) as e:
        services.create_working_group(actor=users["community"], data=data)
    assert e.value.message_dict == {"members": ["所选人员不在您的管辖范围内"]}
    services.create_working_group(actor=users["community"], data=data | {"members": []})
    with pytest.raises(ValidationError) as e:
        services.create_working_group(actor=users["community"], data=data | {"members": []})
    assert e.value.message_dict == {"name": ["该单位已有同名专班"]}
    assert WorkingGroup.objects.count() == 1


def test_update_working_group_members_audited_and_versioned(areas, users):
    group = services.create_working_group(
        actor=users["street"], data={"area": areas["street"], "name": "值班专班"}
    )
    services.update_working_group(
        actor=users["street"],
        workinggroup=group,
        data={"members": [users["grid_a"]], "description": "24 小时值班"},
        expected_version=1,
    )
    group.refresh_from_db()
    assert (group.version, group.description) == (2, "24 小时值班")
    entry = AuditEntry.objects.filter(action="update").get()
    assert entry.changes == {
        "description": ["", "24 小时值班"],
        "members": [[], [users["grid_a"].pk]],
    }
    with pytest.raises(ConflictError):
        services.update_working_group(
            actor=users["street"], workinggroup=group, data={"name": "x"}, expected_version=1
        )


def test_working_group_out_of_scope_is_denied(areas, users):
    with pytest.raises(PermissionDenied):
        services.create_working_group(
            actor=users["community"], data={"area": areas["miyi"], "name": "x"}
        )
    with pytest.raises(PermissionDenied):
        services.create_working_group(
            actor=users["grid_a"], data={"area": areas["grid_a"], "name": "x"}
        )
    assert WorkingGroup.objects.count() == 0 and AuditEntry.objects.count() == 0


# --- shifts ------------------------------------------------------------------------------


def test_create_shift_truncates_to_the_minute_and_audits(areas, users):
    shift = services.create_shift(
        actor=users["community"],
        data={
            "area": areas["community"],
            "person": users["grid_a"],
            "role": "leader",
            "start": at(8).replace(second=42),
            "end": at(20),
            "note": " 带班 ",
        },
    )
    shift.refresh_from_db()
    assert (shift.start, shift.end, shift.role, shift.note) == (at(8), at(20), "leader", "带班")
    entry = AuditEntry.objects.get(object_type="duty.shift")
    assert entry.changes["person"] == users["grid_a"].pk
    assert entry.area_path == areas["community"].path


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [
        (at(8), at(8), "结束时间必须晚于开始时间（跨夜班次请填写次日日期）"),
        (at(20), at(8), "结束时间必须晚于开始时间（跨夜班次请填写次日日期）"),
        (at(0), at(0, day=2).replace(minute=1), "单个班次不能超过 48 小时"),
    ],
)
def test_shift_times_are_checked(areas, users, start, end, error):
    with pytest.raises(ValidationError) as e:
        services.create_shift(
            actor=users["community"],
            data={
                "area": areas["community"],
                "person": users["grid_a"],
                "start": start,
                "end": end,
            },
        )
    assert e.value.message_dict == {"end": [error]}
    assert Shift.objects.count() == 0


def test_shift_scope_person_and_group_checks(areas, users):
    base = {"area": areas["community"], "person": users["grid_a"], "start": at(8), "end": at(20)}
    with pytest.raises(PermissionDenied):
        services.create_shift(actor=users["grid_a"], data=base)
    with pytest.raises(PermissionDenied):
        services.create_shift(actor=users["community"], data=base | {"area": areas["grid_c"]})
    with pytest.raises(ValidationError) as e:
        services.create_shift(actor=users["community"], data=base | {"person": users["grid_c"]})
    assert e.value.message_dict == {"person": ["所选人员不在您的管辖范围内"]}
    other_group = services.create_working_group(
        actor=users["command"], data={"area": areas["street"], "name": "街道专班"}
    )
    with pytest.raises(ValidationError) as e:
        services.create_shift(actor=users["community"], data=base | {"group": other_group})
    assert e.value.message_dict == {"group": ["所选专班不属于该值班单位"]}
    assert Shift.objects.count() == 0


def test_update_and_delete_shift(areas, users, make_shift):
    shift = make_shift(areas["community"], users["grid_a"], at(8), at(20))
    services.update_shift(
        actor=users["community"], shift=shift, data={"end": at(21)}, expected_version=1
    )
    shift.refresh_from_db()
    assert (shift.end, shift.version) == (at(21), 2)
    with pytest.raises(ConflictError):
        services.update_shift(
            actor=users["community"], shift=shift, data={"end": at(22)}, expected_version=1
        )
    with pytest.raises(PermissionDenied):
        services.delete_shift(actor=users["grid_c"], shift=shift, reason="x")
    services.delete_shift(actor=users["community"], shift=shift, reason="排错")
    assert Shift.objects.count() == 0
    assert (
        AuditEntry.objects.filter(object_type="duty.shift", action="delete").get().reason == "排错"
    )


# --- handovers ---------------------------------------------------------------------------


def test_open_items_carry_over_until_closed(areas, users, make_shift):
    community = areas["community"]
    make_shift(community, users["grid_a"], at(8), at(20))
    make_shift(community, users["grid_b"], at(20), at(8, day=1))
    first = services.create_handover(
        actor=users["grid_a"],
        area=community,
        incoming=users["grid_b"],
        notes="白班平稳",
        new_items=["3 号楼隔离户送菜", "  ", "卡点测温枪电池更换"],
        now=at(20),
    )
    assert [i.text for i in first.items.all()] == ["3 号楼隔离户送菜", "卡点测温枪电池更换"]
    assert list(first.carried_items.all()) == []
    services.acknowledge_handover(actor=users["grid_b"], handover=first, now=at(20, 5))
    delivery = first.items.get(text="3 号楼隔离户送菜")
    services.close_handover_item(actor=users["grid_b"], item=delivery, note="已送达", now=at(22))
    second = services.create_handover(
        actor=users["grid_b"],
        area=community,
        incoming=users["grid_a"],
        notes="夜班平稳",
        new_items=["核酸结果待回传"],
        now=at(8, day=1),
    )
    assert [i.text for i in second.carried_items.order_by("pk")] == ["卡点测温枪电池更换"]
    open_texts = HandoverItem.objects.filter(closed_at__isnull=True).order_by("pk")
    assert [i.text for i in open_texts] == ["卡点测温枪电池更换", "核酸结果待回传"]
    first.refresh_from_db()
    assert first.acknowledged_at == at(20, 5)
    # History does not change when the item closes later.
    assert [i.text for i in second.carried_items.all()] == ["卡点测温枪电池更换"]


def test_only_the_incoming_person_acknowledges_once(areas, users, make_shift):
    make_shift(areas["community"], users["grid_a"], at(8), at(20))
    handover = services.create_handover(
        actor=users["grid_a"], area=areas["community"], incoming=users["grid_b"], notes="平稳"
    )
    with pytest.raises(PermissionDenied):
        services.acknowledge_handover(actor=users["community"], handover=handover)
    services.acknowledge_handover(actor=users["grid_b"], handover=handover)
    with pytest.raises(ValidationError) as e:
        services.acknowledge_handover(actor=users["grid_b"], handover=handover)
    assert e.value.message_dict == {"acknowledged_at": ["已确认接班，无需重复确认"]}


def test_handover_checks(areas, users):
    with pytest.raises(PermissionDenied):  # grid_c has no shift at the community
        services.create_handover(
            actor=users["grid_c"], area=areas["community"], incoming=users["grid_a"], notes="x"
        )
    with pytest.raises(ValidationError) as e:
        services.create_handover(
            actor=users["community"], area=areas["community"], incoming=users["grid_a"], notes=" "
        )
    assert e.value.message_dict == {"notes": ["请填写交班情况"]}
    with pytest.raises(ValidationError) as e:
        services.create_handover(
            actor=users["community"],
            area=areas["community"],
            incoming=users["community"],
            notes="x",
        )
    assert e.value.message_dict == {"incoming": ["接班人不能是交班人本人"]}
    with pytest.raises(ValidationError) as e:
        services.create_handover(
            actor=users["community"], area=areas["grid_a"], incoming=users["grid_c"], notes="x"
        )
    assert e.value.message_dict == {"incoming": ["接班人不是该单位的人员"]}
    assert Handover.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_closing_an_item_needs_scope_or_a_shift_there(areas, users, make_shift):
    handover = services.create_handover(
        actor=users["community"],
        area=areas["community"],
        incoming=users["grid_a"],
        notes="x",
        new_items=["事项"],
    )
    item = handover.items.get()
    with pytest.raises(PermissionDenied):
        services.close_handover_item(actor=users["grid_c"], item=item)
    with pytest.raises(PermissionDenied):  # grid_a sees only its grid, holds no shift here
        services.close_handover_item(actor=users["grid_a"], item=item)
    make_shift(areas["community"], users["grid_a"], at(8), at(20))
    services.close_handover_item(actor=users["grid_a"], item=item, note="办完")
    item.refresh_from_db()
    assert (item.closed_by, item.close_note) == (users["grid_a"], "办完")
    with pytest.raises(ValidationError):
        services.close_handover_item(actor=users["community"], item=item)
