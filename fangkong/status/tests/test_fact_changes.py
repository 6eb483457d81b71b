"""Every service that changes a status fact recomputes the affected residents on commit."""

import datetime

import pytest
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.testing.factories import make_id_number
from fangkong.health import services as health
from fangkong.registry import services as registry
from fangkong.risk.models import RiskLevel
from fangkong.risk.services import end_risk_designation, set_risk_level
from fangkong.status.models import PersonStatus
from fangkong.status.testing import make_resident, today
from fangkong.tracing import services as tracing

DAY = datetime.timedelta(days=1)


def colour(resident):
    return PersonStatus.objects.get(pk=resident.pk).colour


def texts(resident):
    return [r["text"] for r in PersonStatus.objects.get(pk=resident.pk).reasons]


def last_cause():
    return AuditEntry.objects.filter(object_type="status.personstatus").latest("id").reason


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run its on-commit callbacks, as a real request would."""

    def call(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return call


def test_case_created_then_discharged(users, areas, run):
    r = make_resident(areas["grid_a"])
    now = timezone.now()
    case = run(
        tracing.create_case,
        actor=users["community"],
        resident=r,
        kind="confirmed",
        confirmed_at=now - datetime.timedelta(hours=1),
        code="C-12",
    )
    assert (colour(r), texts(r)) == ("red", ["红码：确诊病例 C-12，治疗/隔离管理中"])
    assert last_cause() == "新增病例"
    run(
        tracing.discharge_case,
        actor=users["community"],
        case=case,
        status="discharged",
        discharged_at=now,
    )
    assert (colour(r), last_cause()) == ("green", "病例治愈/出院")


def test_contact_confirmed_then_dismissed(users, areas, run):
    patient, r = make_resident(areas["grid_a"]), make_resident(areas["grid_b"])
    case = run(
        tracing.create_case,
        actor=users["command"],
        resident=patient,
        kind="asymptomatic",
        confirmed_at=timezone.now(),
    )
    contact = run(
        tracing.create_contact,
        actor=users["community"],
        resident=r,
        case=case,
        degree="close",
        last_exposure=today() - 2 * DAY,
    )
    assert not PersonStatus.objects.filter(pk=r.pk).exists()  # suspected: no fact yet
    run(tracing.confirm_contact, actor=users["community"], contact=contact)
    until = (today() + 12 * DAY).isoformat()
    assert texts(r) == [f"红码：病例 C-{case.pk} 的密切接触者，隔离至 {until}"]
    run(tracing.dismiss_contact, actor=users["community"], contact=contact, reason="核实未接触")
    assert (colour(r), last_cause()) == ("green", "排除接触者")


def test_assignment_created_then_released(users, areas, run):
    r = make_resident(areas["grid_a"])
    a = run(
        health.create_assignment,
        actor=users["grid_a"],
        resident=r,
        kind="home_quarantine",
        start_date=today() - 3 * DAY,
        end_date=today() + 11 * DAY,
        place="仁和区某小区3栋",
        responsible=users["grid_a"],
    )
    assert texts(r) == [f"红码：居家隔离中，至 {(today() + 11 * DAY).isoformat()}"]
    run(health.release_assignment, actor=users["community"], assignment=a, note="转诊住院")
    assert (colour(r), last_cause()) == ("green", "解除隔离/监测")


def test_positive_test_is_red_until_reviewed(users, areas, run):
    r = make_resident(areas["grid_a"])
    sampled = timezone.now() - datetime.timedelta(hours=5)
    test, created = run(
        health.record_nat_result,
        actor=users["grid_a"],
        resident=r,
        sampled_at=sampled,
        result="positive",
        institution="仁和区人民医院",
    )
    stamp = timezone.localtime(sampled).strftime("%Y-%m-%d %H:%M")
    assert created is True
    assert texts(r) == [f"红码：核酸阳性待复核（{stamp} 采样）"]
    run(
        health.review_nat_result,
        actor=users["community"],
        test=test,
        outcome="excluded",
        note="复采双阴",
    )
    assert (colour(r), last_cause()) == ("green", "核酸阳性复核")


def test_risk_designation_recomputes_residents_from_that_place(users, areas, run):
    came = make_resident(areas["grid_a"], origin="湖北省武汉市", arrival_date=today() - 2 * DAY)
    stayed = make_resident(areas["grid_a"], origin="湖北省武汉市", arrival_date=today() - 40 * DAY)
    local = make_resident(areas["grid_a"], origin="四川攀枝花", arrival_date=today() - 2 * DAY)
    high = RiskLevel.objects.get(rank=3)
    d = run(
        set_risk_level,
        actor=users["command"],
        level=high,
        effective_from=timezone.now() - 10 * DAY,
        reason="通报",
        place_name="武汉市",
        place_code="4201",
    )
    assert colour(came) == "yellow"
    assert last_cause() == "风险地区认定变更"
    # only matching residents who arrived since the designation began were recomputed
    assert not PersonStatus.objects.filter(pk__in=[stayed.pk, local.pk]).exists()
    run(
        end_risk_designation,
        actor=users["command"],
        designation=d,
        effective_to=timezone.now() - 5 * DAY,
        reason="降级",
    )
    assert (colour(came), last_cause()) == ("green", "风险地区认定解除")


def test_resident_created_and_updated_through_the_registry(users, areas, run):
    RiskLevel.objects.get(rank=2)
    run(
        set_risk_level,
        actor=users["command"],
        level=RiskLevel.objects.get(rank=2),
        effective_from=timezone.now() - 10 * DAY,
        reason="通报",
        place_name="瑞丽市",
    )
    r = run(
        registry.create_resident,
        actor=users["grid_a"],
        data={
            "area": areas["grid_a"],
            "name": "张三",
            "id_number": make_id_number(gender="M"),
            "phone": "13800001234",
        },
    )
    assert (colour(r), texts(r)) == ("green", [])
    run(
        registry.update_resident,
        actor=users["grid_a"],
        resident=r,
        data={"origin": "云南省瑞丽市", "arrival_date": today() - DAY},
        expected_version=1,
    )
    until = (today() + 13 * DAY).isoformat()
    assert texts(r) == [
        f"黄码：{(today() - DAY).isoformat()} 自中风险地区“瑞丽市”抵达，观察至 {until}"
    ]
    assert last_cause() == "居民信息变更"
