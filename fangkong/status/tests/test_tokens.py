"""Personal status token: signed, expiring, no personal data; staff verify shows masked name."""

import datetime

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.status.clock import at_local
from fangkong.status.models import PersonStatus
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident
from fangkong.status.tokens import (
    issue_status_token,
    make_status_token,
    personal_status_page,
    verify_status_token,
)
from fangkong.tracing.models import Case


@pytest.fixture
def red_person(areas):
    r = make_resident(areas["grid_a"], name="欧阳明月")
    Case.objects.create(
        resident=r,
        code="C-9",
        kind="confirmed",
        confirmed_at=at_local(datetime.date(2020, 2, 1), 9),
    )
    recompute_status([r.pk], cause="测试")
    return r


def test_token_carries_no_personal_data_and_opens_the_public_page(users, red_person):
    token = issue_status_token(actor=users["grid_a"], resident=red_person)
    # the signed value is the random public code, nothing else
    status = PersonStatus.objects.get(pk=red_person.pk)
    assert signing.loads(token, salt="fangkong.status.personal-code") == status.public_code
    page = personal_status_page(token)
    assert page["colour"] == "red"
    assert page["colour_label"] == "红码"
    assert page["reasons"] == ["红码：感染者，治疗/隔离管理中"]
    assert "masked_name" not in page


def test_staff_verify_shows_colour_masked_name_and_reasons(users, red_person):
    token = make_status_token(PersonStatus.objects.get(pk=red_person.pk))
    data = verify_status_token(actor=users["volunteer"], token=token)
    assert (data["colour"], data["masked_name"]) == ("red", "欧**月")
    assert data["reasons"] == ["红码：感染者，治疗/隔离管理中"]


def test_verify_needs_the_permission(users, red_person, areas):
    from fangkong.accounts.models import User

    token = make_status_token(PersonStatus.objects.get(pk=red_person.pk))
    nobody = User.objects.create_user(username="x", password="pw-for-tests-only", role="")
    with pytest.raises(PermissionDenied):
        verify_status_token(actor=nobody, token=token)


def test_tampered_or_expired_token_is_refused(red_person, monkeypatch):
    token = make_status_token(PersonStatus.objects.get(pk=red_person.pk))
    with pytest.raises(ValidationError) as e:
        personal_status_page(token[:-2] + "xx")
    assert e.value.messages == ["个人码无效"]
    real = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() + 24 * 3600 + 1)
    with pytest.raises(ValidationError) as e:
        personal_status_page(token)
    assert e.value.messages == ["个人码已过期，请刷新后重新出示"]


def test_issuing_needs_the_resident_in_scope(users, red_person):
    with pytest.raises(PermissionDenied):
        issue_status_token(actor=users["grid_b"], resident=red_person)
