import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.services import ConflictError
from fangkong.demo.enterprises import make_credit_code
from fangkong.enterprises import services
from fangkong.enterprises.choices import (
    ApplicationState,
    DifficultyState,
    ProblemState,
    ResumptionState,
)
from fangkong.enterprises.models import (
    Enterprise,
    Inspection,
    InspectionProblem,
    LiaisonAssignment,
    ResumptionApplication,
)
from fangkong.enterprises.testing import application_data, make_account, make_enterprise

pytestmark = pytest.mark.django_db


def audit_of(obj):
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")


# --- enterprise registry ----------------------------------------------------------------


def test_create_enterprise_stores_fields_and_audits(users, areas):
    code = make_credit_code()
    ent = make_enterprise(
        users["community"], areas["grid_a"], name=" 金华车辆有限公司 ", credit_code=code.lower()
    )
    ent.refresh_from_db()
    assert (ent.name, ent.credit_code, ent.resumption_state) == (
        "金华车辆有限公司",
        code,
        ResumptionState.NOT_APPLIED,
    )
    assert ent.contact_phone == "13800001111"
    entry = audit_of(ent).get()
    assert entry.action == "create"
    assert entry.area_path == areas["grid_a"].path


def test_credit_code_checked_with_stdnum(users, areas):
    code = make_credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(ValidationError) as e:
        make_enterprise(users["community"], areas["grid_a"], credit_code=wrong)
    assert e.value.message_dict == {"credit_code": ["统一社会信用代码校验位不正确，请核对是否录错"]}
    with pytest.raises(ValidationError) as e:
        make_enterprise(users["community"], areas["grid_a"], credit_code="9151041112345")
    assert e.value.message_dict == {"credit_code": ["统一社会信用代码应为 18 位，当前为 13 位"]}
    assert Enterprise.objects.count() == 0


def test_credit_code_unique(users, areas, ent_a):
    with pytest.raises(ValidationError) as e:
        make_enterprise(users["community"], areas["grid_b"], credit_code=ent_a.credit_code)
    assert e.value.message_dict == {"credit_code": ["该统一社会信用代码已登记，请勿重复录入"]}
    assert Enterprise.objects.count() == 1


def test_enterprise_must_sit_in_community_or_grid(users, areas):
    with pytest.raises(ValidationError) as e:
        make_enterprise(users["command"], areas["street"])
    assert e.value.message_dict == {"area": ["企业必须登记到社区（村）或网格"]}


def test_enterprise_outside_area_denied_and_nothing_written(users, areas):
    with pytest.raises(PermissionDenied):
        make_enterprise(users["grid_a"], areas["grid_b"])
    with pytest.raises(PermissionDenied):
        make_enterprise(users["community"], areas["grid_c"])
    assert Enterprise.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="enterprises.enterprise").exists()


def test_update_enterprise_conflict(users, ent_a):
    services.update_enterprise(
        actor=users["community"], enterprise=ent_a, data={"headcount": 80}, expected_version=1
    )
    ent_a.refresh_from_db()
    assert (ent_a.headcount, ent_a.version) == (80, 2)
    assert audit_of(ent_a).last().changes == {"headcount": [50, 80]}
    with pytest.raises(ConflictError):
        services.update_enterprise(
            actor=users["community"], enterprise=ent_a, data={"headcount": 90}, expected_version=1
        )
    ent_a.refresh_from_db()
    assert ent_a.headcount == 80


def test_park_must_contain_enterprise_area(users, areas):
    park = services.create_park(
        actor=users["command"], data={"area": areas["miyi"], "name": "米易工业园"}
    )
    with pytest.raises(ValidationError) as e:
        make_enterprise(users["command"], areas["grid_a"], park=park)
    assert e.value.message_dict == {"park": ["所选园区不在该企业所属区域内"]}
    ent = make_enterprise(users["command"], areas["grid_c"], park=park)
    assert list(park.enterprises.all()) == [ent]
    with pytest.raises(ValidationError):
        services.delete_park(actor=users["command"], industrialpark=park)


# --- scoping: an enterprise sees only itself; a liaison only their enterprises -------------


def test_office_sees_area_subtree(users, ent_a, ent_b, ent_c):
    assert set(Enterprise.objects.visible_to(users["community"])) == {ent_a, ent_b}
    assert set(Enterprise.objects.visible_to(users["grid_a"])) == {ent_a}
    assert set(Enterprise.objects.visible_to(users["command"])) == {ent_a, ent_b, ent_c}


def test_enterprise_account_sees_only_itself(users, ent_a, ent_b):
    account = make_account(users["community"], ent_b)
    services.submit_application(actor=users["community"], enterprise=ent_a, data=application_data())
    assert list(Enterprise.objects.visible_to(account)) == [ent_b]
    assert ResumptionApplication.objects.visible_to(account).count() == 0


def test_liaison_sees_only_assigned_running_enterprises(users, areas, ent_a, ent_b, liaison):
    assert list(Enterprise.objects.visible_to(liaison)) == [ent_a]
    today = timezone.localdate()
    services.assign_liaison(
        actor=users["community"],
        enterprise=ent_b,
        liaison=liaison,
        start_date=today - datetime.timedelta(days=10),
        end_date=today - datetime.timedelta(days=1),
    )
    # An assignment that has ended gives no access.
    assert list(Enterprise.objects.visible_to(liaison)) == [ent_a]
    assert list(
        LiaisonAssignment.objects.visible_to(liaison).values_list("enterprise", flat=True)
    ) == [ent_a.pk]


def test_liaison_without_binding_sees_nothing(areas, ent_a):
    from fangkong.accounts.choices import Role
    from fangkong.core.testing.factories import make_user

    loose = make_user(Role.ENTERPRISE_LIAISON, areas["city"])
    assert Enterprise.objects.visible_to(loose).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_offices_posting_one_liaison_at_once_store_one_posting(users, ent_b, liaison):
    """The community and the street post the same liaison officer to an enterprise at the
    same moment: the second waits for the first and is told the officer is posted there."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    def post():
        return services.assign_liaison(
            actor=users["community"], enterprise=ent_b, liaison=liaison,
            start_date=timezone.localdate(),
        )  # fmt: skip

    race = second_while_first_uncommitted(post, post)
    assert race.first is None
    assert isinstance(race.second, ValidationError)
    assert race.second.message_dict == {"liaison": ["该联络员已派驻到该企业"]}
    assert race.second_waited
    assert LiaisonAssignment.objects.filter(enterprise=ent_b).count() == 1


def test_assign_liaison_checks_role_and_area(users, areas, ent_a, ent_c):
    with pytest.raises(ValidationError) as e:
        services.assign_liaison(
            actor=users["command"],
            enterprise=ent_a,
            liaison=users["grid_a"],
            start_date=timezone.localdate(),
        )
    assert e.value.message_dict == {"user": ["该账号的角色不是企业联络员"]}
    from fangkong.accounts.choices import Role
    from fangkong.core.testing.factories import make_user

    outsider = make_user(Role.ENTERPRISE_LIAISON, areas["grid_c"])
    with pytest.raises(ValidationError) as e:
        services.assign_liaison(
            actor=users["command"],
            enterprise=ent_a,
            liaison=outsider,
            start_date=timezone.localdate(),
        )
    assert e.value.message_dict == {
        "user": ["该账号的所属区域不包含该企业，请先调整账号的所属区域"]
    }
    with pytest.raises(PermissionDenied):
        services.assign_liaison(
            actor=users["community"],
            enterprise=ent_c,
            liaison=outsider,
            start_date=timezone.localdate(),
        )
    assert LiaisonAssignment.objects.count() == 0


# --- resumption workflow ----------------------------------------------------------------


def test_resumption_submit_approve(users, ent_a, liaison):
    app = services.submit_application(actor=liaison, enterprise=ent_a, data=application_data())
    ent_a.refresh_from_db()
    assert (app.state, ent_a.resumption_state) == (
        ApplicationState.SUBMITTED,
        ResumptionState.PENDING,
    )
    assert app.submitted_by == liaison
    with pytest.raises(ValidationError) as e:
        services.submit_application(actor=liaison, enterprise=ent_a, data=application_data())
    assert e.value.messages == ["该企业已有待审批的复工申请，请等待审批"]

    services.approve_application(
        actor=users["community"], application=app, conditions="每日报送测温情况", expected_version=1
    )
    app.refresh_from_db()
    ent_a.refresh_from_db()
    assert (app.state, app.conditions, app.reviewed_by) == (
        ApplicationState.APPROVED,
        "每日报送测温情况",
        users["community"],
    )
    assert ent_a.resumption_state == ResumptionState.RESUMED
    assert ent_a.resumed_on == timezone.localdate()
    assert [e.action for e in audit_of(app)] == ["create", "update"]
    assert audit_of(app).last().changes["state"] == ["submitted", "approved"]
    assert audit_of(ent_a).last().changes["resumption_state"] == ["pending", "resumed"]
    with pytest.raises(ValidationError):
        services.submit_application(actor=liaison, enterprise=ent_a, data=application_data())


def test_resumption_return_and_resubmit(users, ent_a, liaison):
    app = services.submit_application(
        actor=liaison, enterprise=ent_a, data=application_data(has_isolation_room=False)
    )
    with pytest.raises(ValidationError) as e:
        services.return_application(
            actor=users["community"], application=app, note=" ", expected_version=1
        )
    assert e.value.message_dict == {"review_note": ["退回时请写明原因"]}
    services.return_application(
        actor=users["community"], application=app, note="未设隔离观察室", expected_version=1
    )
    ent_a.refresh_from_db()
    assert ent_a.resumption_state == ResumptionState.RETURNED
    # A returned application cannot be approved; the enterprise applies again.
    with pytest.raises(ValidationError) as e:
        services.approve_application(actor=users["community"], application=app, expected_version=2)
    assert e.value.messages == ["该申请当前状态为“已退回”，不能审批"]
    again = services.submit_application(actor=liaison, enterprise=ent_a, data=application_data())
    ent_a.refresh_from_db()
    assert (again.state, ent_a.resumption_state) == (
        ApplicationState.SUBMITTED,
        ResumptionState.PENDING,
    )


def test_resumption_review_denied_for_liaison_and_other_area(users, ent_a, liaison):
    app = services.submit_application(actor=liaison, enterprise=ent_a, data=application_data())
    with pytest.raises(PermissionDenied):
        services.approve_application(actor=liaison, application=app, expected_version=1)
    with pytest.raises(PermissionDenied):
        services.approve_application(actor=users["grid_c"], application=app, expected_version=1)
    app.refresh_from_db()
    assert app.state == ApplicationState.SUBMITTED


def test_resumption_submit_outside_binding_denied(users, ent_b, liaison):
    with pytest.raises(PermissionDenied):
        services.submit_application(actor=liaison, enterprise=ent_b, data=application_data())
    assert ResumptionApplication.objects.count() == 0
    ent_b.refresh_from_db()
    assert ent_b.resumption_state == ResumptionState.NOT_APPLIED


def test_resumption_validation(liaison, ent_a):
    with pytest.raises(ValidationError) as e:
        services.submit_application(
            actor=liaison, enterprise=ent_a, data=application_data(prevention_plan="")
        )
    assert e.value.message_dict == {"prevention_plan": ["请填写防控方案"]}
    with pytest.raises(ValidationError) as e:
        services.submit_application(
            actor=liaison, enterprise=ent_a, data=application_data(masks=-1)
        )
    assert e.value.message_dict == {"masks": ["不能为负数"]}


# --- inspections, problems, difficulties --------------------------------------------------


def test_liaison_files_inspection_with_problems(liaison, ent_a):
    inspection = services.file_inspection(
        actor=liaison,
        enterprise=ent_a,
        data={"masks_worn": True, "temperature_checked": True, "notes": "食堂未分餐"},
        problems=["食堂未错峰就餐", "", "消毒记录缺 2 月 18 日"],
    )
    assert inspection.passed_count == 2
    assert inspection.inspected_on == timezone.localdate()
    problems = list(inspection.problems.order_by("id").values_list("description", "state"))
    assert problems == [("食堂未错峰就餐", "open"), ("消毒记录缺 2 月 18 日", "open")]
    assert AuditEntry.objects.filter(object_type="enterprises.inspectionproblem").count() == 2


def test_only_stationed_liaison_files_inspection(users, ent_a, ent_b, liaison):
    account = make_account(users["community"], ent_a)
    with pytest.raises(PermissionDenied) as e:
        services.file_inspection(actor=account, enterprise=ent_a, data={})
    assert str(e.value) == "只有派驻该企业的联络员可以填报检查"
    with pytest.raises(PermissionDenied):
        services.file_inspection(actor=liaison, enterprise=ent_b, data={})
    assert Inspection.objects.count() == 0


def test_problem_deadline_before_it_was_found_is_refused(liaison, ent_a):
    """整改期限 earlier than the visit (or, for a problem registered alone, today) is a typo."""
    today = timezone.localdate()
    visit = today - datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as e:
        services.file_inspection(
            actor=liaison,
            enterprise=ent_a,
            data={"inspected_on": visit, "deadline": visit - datetime.timedelta(days=1)},
            problems=["食堂未错峰就餐"],
        )
    assert e.value.message_dict == {"deadline": ["整改期限不能早于检查日期"]}
    with pytest.raises(ValidationError) as e:
        services.report_problem(
            actor=liaison,
            enterprise=ent_a,
            description="未测温登记",
            deadline=today - datetime.timedelta(days=1),
        )
    assert e.value.message_dict == {"deadline": ["整改期限不能早于今天"]}
    assert (Inspection.objects.count(), InspectionProblem.objects.count()) == (0, 0)
    # The visit's own day is a valid deadline; without problems the deadline is not used.
    services.file_inspection(
        actor=liaison,
        enterprise=ent_a,
        data={"inspected_on": visit, "deadline": visit},
        problems=["食堂未错峰就餐"],
    )
    services.file_inspection(
        actor=liaison,
        enterprise=ent_a,
        data={"deadline": visit - datetime.timedelta(days=9)},
    )
    assert list(InspectionProblem.objects.values_list("deadline", flat=True)) == [visit]


def test_rectify_problem(liaison, ent_a):
    problem = services.report_problem(actor=liaison, enterprise=ent_a, description="未测温登记")
    services.rectify_problem(
        actor=liaison, problem=problem, rectification="已设测温点", expected_version=1
    )
    problem.refresh_from_db()
    assert (problem.state, problem.rectification) == (ProblemState.RECTIFIED, "已设测温点")
    assert problem.rectified_at is not None
    with pytest.raises(ValidationError):
        services.rectify_problem(
            actor=liaison, problem=problem, rectification="x", expected_version=2
        )
    assert InspectionProblem.objects.get().version == 2


def test_difficulty_raised_and_answered(users, ent_a, liaison):
    d = services.raise_difficulty(
        actor=liaison, enterprise=ent_a, category="materials", description="口罩缺 5000 只"
    )
    with pytest.raises(PermissionDenied):
        services.respond_difficulty(
            actor=liaison, difficulty=d, response="x", resolved=True, expected_version=1
        )
    services.respond_difficulty(
        actor=users["community"],
        difficulty=d,
        response="协调调拨 3000 只",
        resolved=False,
        expected_version=1,
    )
    d.refresh_from_db()
    assert (d.state, d.responded_by) == (DifficultyState.IN_PROGRESS, users["community"])
    services.respond_difficulty(
        actor=users["community"],
        difficulty=d,
        response="已调拨 5000 只",
        resolved=True,
        expected_version=2,
    )
    d.refresh_from_db()
    assert (d.state, d.response) == (DifficultyState.RESOLVED, "已调拨 5000 只")
    with pytest.raises(ValidationError):
        services.respond_difficulty(
            actor=users["community"], difficulty=d, response="y", resolved=True, expected_version=3
        )
