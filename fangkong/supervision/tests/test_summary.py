"""The daily summary (每日汇总问题) and the per-area figures a dashboard reads."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from fangkong.status.clock import local_date
from fangkong.supervision import selectors, services
from fangkong.supervision.models import Problem, ProblemSummary

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(areas, users, inspector, group):
    """Three problems of 海棠花语社区, one of 第一网格; one closed on TODAY."""
    day = datetime.timedelta(days=1)
    made = {}
    for key, area, found, deadline in [
        ("old", areas["community"], TODAY - 5 * day, TODAY - 2 * day),  # overdue
        ("today", areas["community"], TODAY, TODAY + 3 * day),
        ("grid", areas["grid_a"], TODAY, TODAY + 3 * day),
        ("closed", areas["community"], TODAY - day, TODAY + day),
    ]:
        made[key] = services.create_problem(
            actor=inspector, area=area, title=key, deadline=deadline, found_on=found
        )
    services.rectify_problem(actor=users["community"], problem=made["closed"], note="已整改")
    from fangkong.status.clock import at_local

    services.close_problem(actor=inspector, problem=made["closed"], now=at_local(TODAY, 15))
    services.escalate_overdue_problems(today=TODAY)
    return made


def test_daily_summary_by_unit(ledger, areas):
    rows, totals = selectors.daily_summary(
        Problem.objects.in_area(areas["city"]), date=TODAY, area=areas["city"]
    )
    assert rows == [
        {
            "code": "510411001001",
            "unit": "海棠花语社区",
            "parent": "仁和街道",
            "opened": 1,
            "closed": 1,
            "open": 2,
            "overdue": 1,
            "escalated": 1,
        },
        {
            "code": "510411001001G01",
            "unit": "第一网格",
            "parent": "海棠花语社区",
            "opened": 1,
            "closed": 0,
            "open": 1,
            "overdue": 0,
            "escalated": 0,
        },
    ]
    assert totals == {"opened": 2, "closed": 1, "open": 3, "overdue": 1, "escalated": 1}


def test_summary_as_of_an_earlier_date(ledger, areas):
    _, totals = selectors.daily_summary(
        Problem.objects.all(), date=TODAY - datetime.timedelta(days=1)
    )
    assert totals == {"opened": 1, "closed": 0, "open": 2, "overdue": 1, "escalated": 0}


def test_command_stores_the_summary_and_rerun_replaces_it(ledger, areas, capsys):
    call_command("problem_summary", "--date", TODAY.isoformat())
    call_command("problem_summary", "--date", TODAY.isoformat())
    summary = ProblemSummary.objects.get()
    assert (summary.area, summary.date, summary.version) == (areas["city"], TODAY, 2)
    assert summary.totals["open"] == 3
    assert summary.generated_by is None
    assert "2020-02-19" in capsys.readouterr().out


def test_no_summary_for_a_day_to_come(ledger, areas, users):
    """A summary of a day to come (a typo in --date or on the page) is refused, not stored
    with today's open problems under a future date; a malformed date says so in Chinese."""
    tomorrow = local_date(timezone.now()) + datetime.timedelta(days=1)
    with pytest.raises(CommandError, match="汇总日期不能晚于今天"):
        call_command("problem_summary", "--date", tomorrow.isoformat())
    with pytest.raises(CommandError, match="应为 YYYY-MM-DD"):
        call_command("problem_summary", "--date", "2020-13-01")
    with pytest.raises(ValidationError) as e:
        services.generate_summary(actor=users["command"], area=areas["city"], date=tomorrow)
    assert e.value.message_dict == {"date": ["汇总日期不能晚于今天"]}
    assert ProblemSummary.objects.count() == 0


def test_problem_counts_by_area_roll_up_to_children(ledger, areas):
    qs = Problem.objects.all()
    rows = selectors.problem_counts_by_area(qs, areas["city"], today=TODAY)
    assert [(r["area"].name, r["open"], r["overdue"], r["closed"], r["total"]) for r in rows] == [
        ("仁和区", 3, 1, 1, 4),
        ("米易县", 0, 0, 0, 0),
    ]
    assert selectors.problem_counts(qs, today=TODAY) == {
        "open": 3,
        "overdue": 1,
        "escalated": 1,
        "closed": 1,
        "total": 4,
    }


def test_counts_are_scoped(ledger, users):
    grid_user_view = Problem.objects.visible_to(users["grid_a"])
    assert selectors.problem_counts(grid_user_view, today=TODAY)["total"] == 1


def test_a_past_days_summary_keeps_a_problem_escalated_again_since(problem, areas):
    """Overdue on the 22nd, escalated to the street that day and to the town 3 days later:
    the summary of the 23rd, asked for afterwards (a missed cron run, or the page's date),
    counted it not escalated — the second escalation had moved ``escalated_on`` past the
    23rd. It now counts as escalated from its first escalation on."""
    from fangkong.status.clock import at_local
    from fangkong.supervision.models import ProblemEvent

    first = problem.deadline + datetime.timedelta(days=1)
    second = first + datetime.timedelta(days=3)
    for day in (first, second):
        assert services.escalate_overdue_problems(today=day) == 1
    events = ProblemEvent.objects.filter(problem=problem, action="escalate").order_by("id")
    for event, day in zip(events, (first, second), strict=True):
        ProblemEvent.objects.filter(pk=event.pk).update(created_at=at_local(day, 6))

    def escalated(day):
        return selectors.daily_summary(Problem.objects.all(), date=day)[1]["escalated"]

    assert [escalated(problem.deadline), escalated(first + datetime.timedelta(days=1))] == [0, 1]
    assert escalated(second) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_summary_generated_twice_at_once_is_one_row(areas, users):
    """The evening job and a command officer's button at the same moment: one summary of the
    day, generated again, instead of a database error for the second."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    def generate():
        return services.generate_summary(actor=users["command"], area=areas["city"], date=TODAY)

    race = second_while_first_uncommitted(generate, generate)
    assert race.first is None and race.second is None and race.second_waited
    assert ProblemSummary.objects.get(area=areas["city"], date=TODAY).version == 2
