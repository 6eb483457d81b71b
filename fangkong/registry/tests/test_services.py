import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.audit import verify_chain
from fangkong.core.models import AuditEntry
from fangkong.core.services import ConflictError
from fangkong.core.testing.factories import make_id_number
from fangkong.registry import services
from fangkong.registry.models import Resident


def _data(area, **kw):
    return {
        "area": area,
        "name": "张三",
        "id_number": make_id_number(gender="M"),
        "phone": "13800001234",
        "address": "仁和区海棠花语小区1栋1单元101",
    } | kw


def test_create_resident_derives_birth_and_gender_and_audits(users, areas):
    r = services.create_resident(actor=users["grid_a"], data=_data(areas["grid_a"]))
    r = Resident.objects.get(pk=r.pk)
    assert r.gender == "M"
    assert r.birth_date is not None
    assert r.name_initials == "zs"
    entry = AuditEntry.objects.get(object_id=str(r.pk), action="create")
    # personal values are stored encrypted in the audit trail
    assert r.id_number not in str(entry.changes)
    assert verify_chain().ok


def test_grid_worker_cannot_write_into_another_grid(users, areas):
    with pytest.raises(PermissionDenied):
        services.create_resident(actor=users["grid_a"], data=_data(areas["grid_b"]))
    assert Resident.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_gender_mismatch_is_rejected(users, areas):
    with pytest.raises(ValidationError) as e:
        services.create_resident(actor=users["grid_a"], data=_data(areas["grid_a"], gender="F"))
    assert "gender" in e.value.message_dict


def test_stale_version_is_a_conflict(users, areas):
    r = services.create_resident(actor=users["grid_a"], data=_data(areas["grid_a"]))
    services.update_resident(
        actor=users["grid_a"],
        resident=Resident.objects.get(pk=r.pk),
        data={"name": "张叁"},
        expected_version=1,
    )
    with pytest.raises(ConflictError):
        services.update_resident(
            actor=users["community"],
            resident=Resident.objects.get(pk=r.pk),
            data={"name": "张三丰"},
            expected_version=1,
        )
    assert Resident.objects.get(pk=r.pk).name == "张叁"


def test_arrival_date_may_be_neither_future_nor_before_birth(users, areas):
    import datetime

    from django.utils import timezone

    number = make_id_number(birth=datetime.date(1990, 3, 4), gender="M")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    for arrival, message in (
        (tomorrow, "抵达日期不能晚于今天"),
        (datetime.date(1990, 3, 3), "抵达日期不能早于出生日期"),
    ):
        with pytest.raises(ValidationError) as e:
            services.create_resident(
                actor=users["grid_a"],
                data=_data(areas["grid_a"], id_number=number, arrival_date=arrival),
            )
        assert e.value.message_dict == {"arrival_date": [message]}
    assert Resident.objects.count() == 0
    r = services.create_resident(
        actor=users["grid_a"],
        data=_data(areas["grid_a"], id_number=number, arrival_date=timezone.localdate()),
    )
    assert r.arrival_date == timezone.localdate()
