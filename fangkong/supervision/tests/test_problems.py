"""Problem lifecycle (整改 → 核查 → 销号/退回) and escalation of overdue problems."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from fangkong.core.models import AuditEntry
from fangkong.core.services import ConflictError
from fangkong.supervision import services
from fangkong.supervision.models import Problem, ProblemEvent

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def _states(problem):
    return list(
        ProblemEvent.objects.filter(problem=problem).values_list("action", "from_state", "to_state")
    )


def test_full_lifecycle_rectify_reopen_rectify_close_is_recorded_step_by_step(
    problem, users, inspector
):
    community = users["community"]
    services.rectify_problem(actor=community, problem=problem, note="已安排两人轮班值守")
    services.reopen_problem(actor=inspector, problem=problem, note="复查时仍无人值守")
    services.rectify_problem(actor=community, problem=problem, note="增派志愿者，24小时值守")
    services.close_problem(actor=inspector, problem=problem)
    problem.refresh_from_db()
    assert problem.state == "closed"
    assert problem.reopen_count == 1
    assert problem.closed_at is not None
    assert problem.version == 5
    assert _states(problem) == [
        ("create", "", "open"),
        ("rectify", "open", "submitted"),
        ("reopen", "submitted", "open"),
        ("rectify", "open", "submitted"),
        ("close", "submitted", "closed"),
    ]
    updates = AuditEntry.objects.filter(
        object_type="supervision.problem", object_id=str(problem.pk), action="update"
    ).order_by("id")
    assert [(e.changes["state"], e.reason) for e in updates] == [
        (["open", "submitted"], "已安排两人轮班值守"),
        (["submitted", "open"], "复查时仍无人值守"),
        (["open", "submitted"], "增派志愿者，24小时值守"),
        (["submitted", "closed"], ""),
    ]


def test_invalid_transition_is_refused_with_a_chinese_message_and_changes_nothing(
    problem, inspector
):
    with pytest.raises(ValidationError) as e:
        services.close_problem(actor=inspector, problem=problem)
    assert e.value.message_dict["state"] == ["问题当前状态为“待整改”，不能执行“核查销号”"]
    problem.refresh_from_db()
    assert (problem.state, problem.version) == ("open", 1)
    assert ProblemEvent.objects.filter(problem=problem).count() == 1


def test_rectification_needs_a_note(problem, users):
    with pytest.raises(ValidationError) as e:
        services.rectify_problem(actor=users["community"], problem=problem, note="  ")
    assert e.value.message_dict["note"] == ["请填写整改情况"]


def test_the_unit_cannot_close_its_own_problem(problem, users):
    services.rectify_problem(actor=users["community"], problem=problem, note="已整改")
    with pytest.raises(PermissionDenied):
        services.close_problem(actor=users["community"], problem=problem)
    problem.refresh_from_db()
    assert problem.state == "submitted"


def test_a_unit_outside_the_area_cannot_rectify_and_nothing_changes(problem, areas):
    from fangkong.accounts.choices import Role
    from fangkong.core.testing import factories

    other = factories.make_user(Role.COMMUNITY, areas["miyi_community"])
    with pytest.raises(PermissionDenied):
        services.rectify_problem(actor=other, problem=problem, note="x")
    problem.refresh_from_db()
    assert (problem.state, problem.version) == ("open", 1)


def test_stale_version_is_a_conflict(problem, users):
    services.rectify_problem(actor=users["community"], problem=problem, note="第一次")
    stale = Problem.objects.get(pk=problem.pk)
    with pytest.raises(ConflictError):
        services.reopen_problem(
            actor=users["command"], problem=stale, note="退回", expected_version=1
        )


def test_deadline_before_finding_is_refused(areas, inspector, group):
    with pytest.raises(ValidationError) as e:
        services.create_problem(
            actor=inspector,
            area=areas["community"],
            title="x",
            deadline=TODAY - datetime.timedelta(days=1),
            found_on=TODAY,
        )
    assert e.value.message_dict["deadline"] == ["整改期限不能早于发现日期"]
    # Registered outside a visit, found today: the form has no 发现日期 to point at.
    with pytest.raises(ValidationError) as e:
        services.create_problem(
            actor=inspector,
            area=areas["community"],
            title="x",
            deadline=TODAY - datetime.timedelta(days=1),
        )
    assert e.value.message_dict["deadline"] == ["整改期限不能早于今天"]
    assert Problem.objects.count() == 0


def test_overdue_problem_escalates_to_parent_then_higher_and_not_twice_a_day(problem, areas):
    overdue_day = problem.deadline + datetime.timedelta(days=1)
    assert services.escalate_overdue_problems(today=problem.deadline) == 0
    assert services.escalate_overdue_problems(today=overdue_day) == 1
    assert services.escalate_overdue_problems(today=overdue_day) == 0
    problem.refresh_from_db()
    assert (problem.escalated_to, problem.escalation_level) == (areas["street"], 1)
    later = overdue_day + datetime.timedelta(days=3)
    assert services.escalate_overdue_problems(today=later) == 1
    problem.refresh_from_db()
    assert (problem.escalated_to, problem.escalation_level, problem.escalated_on) == (
        areas["renhe"],
        2,
        later,
    )
    events = ProblemEvent.objects.filter(problem=problem, action="escalate")
    assert [e.escalated_to_id for e in events] == [areas["street"].pk, areas["renhe"].pk]
    assert events[0].note == "超过整改期限 2020-02-21 未销号，升级督办"
    entry = (
        AuditEntry.objects.filter(object_type="supervision.problem", action="update")
        .order_by("id")
        .last()
    )
    assert entry.actor_name == "system"
    assert entry.changes["escalated_to"] == [areas["street"].pk, areas["renhe"].pk]


def test_closed_problems_do_not_escalate(problem, users, inspector):
    services.rectify_problem(actor=users["community"], problem=problem, note="已整改")
    services.close_problem(actor=inspector, problem=problem)
    assert services.escalate_overdue_problems(today=TODAY + datetime.timedelta(days=30)) == 0


def test_escalate_command(problem, capsys):
    call_command("escalate_overdue_problems", "--date", "2020-02-22")
    assert "1" in capsys.readouterr().out
    problem.refresh_from_db()
    assert problem.escalation_level == 1


@pytest.mark.parametrize("command", ["escalate_overdue_problems", "problem_summary"])
def test_daily_commands_name_a_wrong_date_in_chinese(db, command):
    """cron lines with a mistyped day read "invalid fromisoformat value" in English."""
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="日期“2020-02-30”格式不对：应为 YYYY-MM-DD"):
        call_command(command, "--date", "2020-02-30")


def test_reopening_a_closed_problem_does_not_rewrite_the_days_it_was_closed(
    problem, users, inspector
):
    """Closed on the 20th, reopened on the 22nd: the 21st's 未销号 and the 20th's 当日销号
    stay as they were (a reopening used to clear the closing time they were read from)."""
    from django.utils import timezone

    from fangkong.supervision.selectors import daily_summary, problems_open_on

    services.rectify_problem(actor=users["community"], problem=problem, note="已整改")
    services.close_problem(actor=inspector, problem=problem)
    services.reopen_problem(actor=inspector, problem=problem, note="复查时又出现")

    def on(day: int, hour: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime(2020, 2, day, hour))

    for action, moment in (
        ("create", on(19, 9)),
        ("rectify", on(19, 15)),
        ("close", on(20, 10)),
        ("reopen", on(22, 11)),
    ):
        ProblemEvent.objects.filter(problem=problem, action=action).update(created_at=moment)

    def open_on(day: int) -> bool:
        return Problem.objects.filter(problems_open_on(datetime.date(2020, 2, day))).exists()

    assert [open_on(d) for d in (19, 20, 21, 22)] == [True, False, False, True]
    _rows, totals = daily_summary(Problem.objects.all(), date=datetime.date(2020, 2, 20))
    assert (totals["closed"], totals["open"]) == (1, 0)
    _rows, totals = daily_summary(Problem.objects.all(), date=datetime.date(2020, 2, 22))
    assert (totals["closed"], totals["open"]) == (0, 1)


def test_sent_back_with_a_new_deadline_the_unit_gets_that_time(problem, users, inspector):
    """Re-inspected after the 整改期限 and not fixed, the problem was sent back (退回重新整改)
    with its old, passed deadline: 逾期 at once and escalated by the next night's run before
    the unit could redo anything; nothing let the inspector give a new deadline. 退回 now
    takes an optional 新整改期限 (not before today), kept in the record and the audit."""
    from django.utils import timezone

    from fangkong.status.clock import local_date

    today = local_date(timezone.now())
    new = today + datetime.timedelta(days=5)
    services.rectify_problem(actor=users["community"], problem=problem, note="已整改")
    with pytest.raises(ValidationError) as e:
        services.reopen_problem(
            actor=inspector,
            problem=problem,
            note="复查仍无人值守",
            deadline=today - datetime.timedelta(days=1),
        )
    assert e.value.message_dict == {"deadline": ["新整改期限不能早于今天"]}
    services.reopen_problem(actor=inspector, problem=problem, note="复查仍无人值守", deadline=new)
    problem.refresh_from_db()
    assert (problem.state, problem.deadline, problem.is_overdue(today)) == ("open", new, False)
    assert services.escalate_overdue_problems(today=today) == 0
    event = ProblemEvent.objects.filter(problem=problem, action="reopen").get()
    assert event.note == f"复查仍无人值守\n新整改期限：{new.isoformat()}"
    entry = AuditEntry.objects.filter(object_type="supervision.problem").order_by("id").last()
    assert entry.changes["deadline"] == ["2020-02-21", new.isoformat()]
    with pytest.raises(ValidationError) as e:
        services.rectify_problem(actor=users["community"], problem=problem, note="x", deadline=new)
    assert e.value.message_dict == {"deadline": ["只有退回重新整改时可以重新设定整改期限"]}
    problem.refresh_from_db()
    assert problem.state == "open"
