"""Cases and contacts: validation with the field named, permissions, scope."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.status.testing import make_resident
from fangkong.tracing.models import Case, Contact
from fangkong.tracing.services import create_case, create_contact, discharge_case


def test_case_is_created_audited_and_its_notes_encrypted(users, areas):
    now = timezone.now()
    r = make_resident(areas["grid_a"])
    case = create_case(
        actor=users["community"],
        resident=r,
        kind="confirmed",
        confirmed_at=now - datetime.timedelta(hours=2),
        onset_date=timezone.localdate() - datetime.timedelta(days=3),
        notes="曾到过某农贸市场",
    )
    assert Case.objects.get().label == f"C-{case.pk}"
    entry = AuditEntry.objects.get(object_type="tracing.case")
    assert "农贸市场" not in str(entry.changes)


def test_case_validation(users, areas):
    now = timezone.now()
    r = make_resident(areas["grid_a"])
    with pytest.raises(ValidationError) as e:
        create_case(
            actor=users["community"],
            resident=r,
            kind="confirmed",
            confirmed_at=now - datetime.timedelta(days=1),
            onset_date=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert e.value.message_dict == {"onset_date": ["发病日期不能晚于确诊日期"]}
    create_case(actor=users["community"], resident=r, kind="confirmed", confirmed_at=now)
    with pytest.raises(ValidationError) as e:
        create_case(actor=users["community"], resident=r, kind="asymptomatic", confirmed_at=now)
    assert e.value.message_dict == {"resident": ["该居民已有在治病例记录"]}
    assert Case.objects.count() == 1


def test_grid_worker_and_other_districts_cannot_record_cases(users, areas):
    now = timezone.now()
    r = make_resident(areas["grid_a"])
    with pytest.raises(PermissionDenied):
        create_case(actor=users["grid_a"], resident=r, kind="confirmed", confirmed_at=now)
    with pytest.raises(PermissionDenied):
        create_case(
            actor=users["grid_c"],
            resident=r,
            kind="confirmed",
            confirmed_at=now,
        )
    assert Case.objects.count() == 0


def test_contact_validation_and_discharge_once(users, areas):
    now = timezone.now()
    patient, other = make_resident(areas["grid_a"]), make_resident(areas["grid_a"])
    case = create_case(
        actor=users["community"], resident=patient, kind="confirmed", confirmed_at=now
    )
    with pytest.raises(ValidationError) as e:
        create_contact(
            actor=users["community"],
            resident=patient,
            case=case,
            degree="close",
            last_exposure=timezone.localdate(),
        )
    assert e.value.message_dict == {"resident": ["病例本人不能登记为其接触者"]}
    create_contact(
        actor=users["community"],
        resident=other,
        case=case,
        degree="close",
        last_exposure=timezone.localdate(),
    )
    assert Contact.objects.get().state == "suspected"
    discharge_case(actor=users["community"], case=case, status="recovered", discharged_at=now)
    with pytest.raises(ValidationError) as e:
        discharge_case(actor=users["community"], case=case, status="discharged", discharged_at=now)
    assert e.value.message_dict == {"status": ["该病例已不在治疗/隔离中"]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_recording_at_once_store_one_case_and_one_contact(users, areas):
    """A district and a community record the same positive at the same moment, then name the
    same contact: one active case (the figures count the person once), one contact; the
    second is told so."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    patient, other = make_resident(areas["grid_a"]), make_resident(areas["grid_a"])

    def record():
        return create_case(
            actor=users["community"], resident=patient, kind="confirmed",
            confirmed_at=timezone.now(),
        )  # fmt: skip

    race = second_while_first_uncommitted(record, record)
    assert race.first is None and race.second_waited
    assert race.second.message_dict == {"resident": ["该居民已有在治病例记录"]}
    (case,) = Case.objects.all()

    def name():
        return create_contact(
            actor=users["community"], resident=other, case=case, degree="close",
            last_exposure=timezone.localdate(),
        )  # fmt: skip

    race = second_while_first_uncommitted(name, name)
    assert race.first is None and race.second_waited
    assert race.second.message_dict == {"resident": ["该居民已登记为此病例的接触者"]}
    assert Contact.objects.filter(case=case).count() == 1
