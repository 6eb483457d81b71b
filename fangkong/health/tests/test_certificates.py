"""Release, certificate issue, PDF, public verification, revocation; NAT idempotency."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.health.models import Assignment, HealthCertificate, NucleicAcidTest
from fangkong.health.selectors import certificate_verify_data
from fangkong.health.services import (
    certificate_pdf,
    issue_certificate,
    record_nat_result,
    release_assignment,
    revoke_certificate,
)
from fangkong.status.testing import make_resident, today

DAY = datetime.timedelta(days=1)


@pytest.fixture
def finished(areas, users):
    r = make_resident(areas["grid_a"], name="欧阳明月")
    return Assignment.objects.create(
        resident=r, kind="health_monitoring", start_date=today() - 14 * DAY, end_date=today() - DAY
    )


def test_release_then_issue_then_verify_then_revoke(users, finished):
    release_assignment(actor=users["community"], assignment=finished)
    finished.refresh_from_db()
    assert (finished.state, finished.released_by) == ("released", users["community"])
    cert = issue_certificate(actor=users["community"], assignment=finished)
    assert len(cert.code) == 20
    pdf = certificate_pdf(actor=users["grid_a"], certificate=cert, base_url="https://fk.local")
    assert pdf.startswith(b"%PDF")
    reveal = AuditEntry.objects.get(action="reveal")
    assert (reveal.object_type, reveal.reason) == ("registry.resident", "打印健康证明")
    data = certificate_verify_data(cert.code.lower())
    assert data == {
        "status": "valid",
        "status_label": "有效",
        "masked_name": "欧**月",
        "issued_on": timezone.localdate(cert.issued_at),
        # what the paper says, to compare: an altered period or kind shows
        "kind": "健康监测",
        "start_date": today() - 14 * DAY,
        "end_date": today() - DAY,
        "released_on": today(),
    }
    revoke_certificate(actor=users["community"], certificate=cert, reason="信息有误")
    assert certificate_verify_data(cert.code)["status"] == "revoked"
    assert certificate_verify_data(cert.code)["status_label"] == "已作废"
    assert certificate_verify_data("NOSUCHCODE") == {
        "status": "unknown",
        "status_label": "未找到该健康证明",
    }


def test_no_certificate_before_release_or_after_early_release(users, areas, finished):
    with pytest.raises(ValidationError) as e:
        issue_certificate(actor=users["community"], assignment=finished)
    assert e.value.message_dict == {"assignment": ["隔离/监测尚未解除，不能开具健康证明"]}
    early = Assignment.objects.create(
        resident=make_resident(areas["grid_a"]),
        kind="home_quarantine",
        start_date=today() - 3 * DAY,
        end_date=today() + 10 * DAY,
    )
    with pytest.raises(ValidationError) as e:
        release_assignment(actor=users["community"], assignment=early)
    assert e.value.message_dict == {"release_note": ["提前解除须填写说明"]}
    release_assignment(actor=users["community"], assignment=early, note="转集中隔离")
    with pytest.raises(ValidationError) as e:
        issue_certificate(actor=users["community"], assignment=early)
    assert list(e.value.message_dict) == ["assignment"]
    assert HealthCertificate.objects.count() == 0


def test_one_valid_certificate_per_assignment(users, finished):
    release_assignment(actor=users["community"], assignment=finished)
    issue_certificate(actor=users["community"], assignment=finished)
    with pytest.raises(ValidationError):
        issue_certificate(actor=users["community"], assignment=finished)
    assert HealthCertificate.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_issuing_at_once_give_one_certificate(users, finished):
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    release_assignment(actor=users["community"], assignment=finished)

    def issue():
        return issue_certificate(actor=users["community"], assignment=finished)

    race = second_while_first_uncommitted(issue, issue)
    assert race.first is None
    assert isinstance(race.second, ValidationError)
    assert "该安排已开具有效的健康证明" in str(race.second)
    assert race.second_waited
    assert HealthCertificate.objects.count() == 1


def test_grid_worker_may_not_issue(users, finished):
    release_assignment(actor=users["community"], assignment=finished)
    with pytest.raises(Exception) as e:
        issue_certificate(actor=users["grid_a"], assignment=finished)
    assert type(e.value).__name__ == "PermissionDenied"


def test_same_lab_result_twice_is_one_row_and_pending_takes_its_result(users, areas):
    r = make_resident(areas["grid_a"])
    sampled = timezone.now() - datetime.timedelta(hours=3)
    kwargs = dict(actor=users["grid_a"], resident=r, sampled_at=sampled, institution="仁和区医院")
    t1, c1 = record_nat_result(result="pending", **kwargs)
    t2, c2 = record_nat_result(result="negative", **kwargs)
    t3, c3 = record_nat_result(result="negative", **kwargs)
    assert (c1, c2, c3) == (True, False, False)
    assert t1.pk == t2.pk == t3.pk
    assert NucleicAcidTest.objects.get().result == "negative"
    with pytest.raises(ValidationError) as e:
        record_nat_result(result="positive", **kwargs)
    assert e.value.message_dict == {"result": ["该样本已有检测结果，不能改为其他结果"]}


# --- the holder's current state ------------------------------------------------------------


def _case(users, resident):
    from fangkong.tracing.services import create_case

    return create_case(
        actor=users["command"],
        resident=resident,
        kind="confirmed",
        confirmed_at=timezone.now() - datetime.timedelta(hours=1),
        code="C-7",
    )


def test_no_certificate_for_an_active_case(users, finished, django_capture_on_commit_callbacks):
    release_assignment(actor=users["community"], assignment=finished)
    with django_capture_on_commit_callbacks(execute=True):
        _case(users, finished.resident)
    with pytest.raises(ValidationError) as e:
        issue_certificate(actor=users["community"], assignment=finished)
    assert e.value.message_dict == {
        "assignment": ["该居民有治疗/隔离中的病例记录，不能开具健康证明"]
    }
    assert HealthCertificate.objects.count() == 0


def test_no_certificate_while_the_status_is_not_green(users, areas, finished):
    from fangkong.health.services import create_assignment

    release_assignment(actor=users["community"], assignment=finished)
    # A new monitoring period: yellow now (the stored status is recomputed as it is due).
    create_assignment(
        actor=users["community"],
        resident=finished.resident,
        kind="health_monitoring",
        start_date=today(),
        end_date=today() + 6 * DAY,
    )
    with pytest.raises(ValidationError) as e:
        issue_certificate(actor=users["community"], assignment=finished)
    until = (today() + 6 * DAY).isoformat()
    assert e.value.message_dict == {
        "assignment": [f"该居民当前为黄码（黄码：健康监测中，至 {until}），不能开具健康证明"]
    }
    assert HealthCertificate.objects.count() == 0


def test_verification_lapses_while_the_holder_is_a_case_or_not_green(
    users, finished, django_capture_on_commit_callbacks
):
    release_assignment(actor=users["community"], assignment=finished)
    cert = issue_certificate(actor=users["community"], assignment=finished)
    assert certificate_verify_data(cert.code)["status"] == "valid"
    with django_capture_on_commit_callbacks(execute=True):
        case = _case(users, finished.resident)
    data = certificate_verify_data(cert.code)
    assert data == {
        "status": "lapsed",
        "status_label": "已失效：持证人当前健康状态异常",
        "masked_name": "欧**月",
        "issued_on": timezone.localdate(cert.issued_at),
        # what the paper says, to compare: an altered period or kind shows
        "kind": "健康监测",
        "start_date": today() - 14 * DAY,
        "end_date": today() - DAY,
        "released_on": today(),
    }
    from fangkong.tracing.services import discharge_case

    with django_capture_on_commit_callbacks(execute=True):
        discharge_case(
            actor=users["command"],
            case=case,
            status="recovered",
            discharged_at=timezone.now(),
        )
    assert certificate_verify_data(cert.code)["status"] == "valid"
