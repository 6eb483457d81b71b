"""早返回、早隔离、早复工: each employee's return state, derived from the registry and health."""

import datetime

import pytest
from django.utils import timezone

from fangkong.core.testing.factories import make_id_number
from fangkong.enterprises import selectors, services
from fangkong.enterprises.choices import ReturnState
from fangkong.enterprises.models import Employee
from fangkong.health import services as health
from fangkong.health.choices import AssignmentKind
from fangkong.registry.choices import ResidentCategory
from fangkong.status.services import recompute_status
from fangkong.status.testing import make_resident

pytestmark = pytest.mark.django_db


def employee(actor, enterprise, id_number, name="王强"):
    return services.create_employee(
        actor=actor,
        enterprise=enterprise,
        data={"name": name, "id_number": id_number, "department": "总装车间"},
    )


def states(qs):
    return dict(selectors.with_return_state(qs).values_list("name", "return_state"))


@pytest.fixture
def roster(users, areas, ent_a, liaison):
    """Five employees of ent_a, one per situation."""
    today = timezone.localdate()
    away = make_id_number(birth=datetime.date(1985, 3, 1))
    employee(liaison, ent_a, away, "未返回")
    gone = make_resident(areas["grid_b"], name="外出者", category=ResidentCategory.OUTFLOW)
    employee(liaison, ent_a, gone.id_number, "外出者")
    isolating = make_resident(areas["grid_a"], name="隔离者")
    health.create_assignment(
        actor=users["grid_a"],
        resident=isolating,
        kind=AssignmentKind.HOME_QUARANTINE,
        start_date=today - datetime.timedelta(days=3),
        end_date=today + datetime.timedelta(days=11),
    )
    employee(liaison, ent_a, isolating.id_number, "隔离者")
    green = make_resident(areas["grid_c"], name="在岗者")
    employee(liaison, ent_a, green.id_number, "在岗者")
    unchecked = make_resident(areas["grid_a"], name="待确认")
    employee(liaison, ent_a, unchecked.id_number, "待确认")
    recompute_status([isolating.pk, green.pk], cause="test")
    return {"isolating": isolating, "green": green, "unchecked": unchecked}


def test_return_states(roster, ent_a):
    assert states(Employee.objects.all()) == {
        "未返回": ReturnState.NOT_RETURNED,
        "外出者": ReturnState.NOT_RETURNED,
        "隔离者": ReturnState.ISOLATING,
        "在岗者": ReturnState.AT_WORK,
        # Registered but no green status yet: back in town, not yet cleared for work.
        "待确认": ReturnState.PENDING,
    }
    colours = dict(
        selectors.with_return_state(Employee.objects.all()).values_list("name", "status_colour")
    )
    assert colours["在岗者"] == "green"
    assert colours["待确认"] is None
    assert colours["隔离者"] in ("yellow", "red")


def test_release_moves_employee_to_work(users, roster):
    assignment = roster["isolating"].health_assignments.get()
    health.release_assignment(
        actor=users["community"],
        assignment=assignment,
        note="核酸阴性，提前解除",
        expected_version=1,
    )
    recompute_status([roster["isolating"].pk], cause="test")
    assert states(Employee.objects.filter(name="隔离者")) == {"隔离者": ReturnState.AT_WORK}


def test_registering_resident_later_links_employee(areas, liaison, ent_a):
    number = make_id_number(birth=datetime.date(1990, 5, 5))
    employee(liaison, ent_a, number, "后登记")
    assert states(Employee.objects.all()) == {"后登记": ReturnState.NOT_RETURNED}
    from fangkong.registry.models import Resident

    Resident.objects.create(area=areas["grid_b"], name="后登记", id_number=number)
    assert states(Employee.objects.all()) == {"后登记": ReturnState.PENDING}


def test_return_state_counts_and_filter(roster, ent_a, users):
    qs = Employee.objects.visible_to(users["community"])
    assert selectors.return_state_counts(qs) == {
        "not_returned": 2,
        "isolating": 1,
        "pending": 1,
        "at_work": 1,
    }
    from fangkong.enterprises.filtersets import EmployeeFilterSet

    fs = EmployeeFilterSet({"return_state": "isolating"}, queryset=selectors.employee_list(qs))
    assert [e.name for e in fs.qs] == ["隔离者"]


def test_employee_id_number_checked_and_unique(liaison, ent_a):
    number = make_id_number(birth=datetime.date(1990, 5, 5))
    employee(liaison, ent_a, number)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as e:
        employee(liaison, ent_a, number)
    assert e.value.message_dict == {"id_number": ["该职工已在本企业花名册中"]}
    with pytest.raises(ValidationError) as e:
        employee(liaison, ent_a, number[:-1] + ("0" if number[-1] != "0" else "1"))
    assert e.value.message_dict == {
        "id_number": ["身份证号校验位不正确，请核对（可能有数字录错，或被 Excel 改动）"]
    }
    assert Employee.objects.count() == 1
