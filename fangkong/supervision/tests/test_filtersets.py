"""The problem FilterSet shared by the ledger page and the API: exact rows per filter."""

import datetime

import pytest
from django.test import RequestFactory

from fangkong.supervision import services
from fangkong.supervision.filtersets import ProblemFilterSet
from fangkong.supervision.models import Problem

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(areas, inspector, group):
    far = datetime.date(2999, 1, 1)  # never overdue while these tests run
    made = {
        "late": services.create_problem(
            actor=inspector,
            area=areas["community"],
            title="逾期未改",
            deadline=TODAY,
            found_on=TODAY,
            severity="high",
        ),
        "fresh": services.create_problem(
            actor=inspector, area=areas["grid_b"], title="新发现", deadline=far, found_on=TODAY
        ),
    }
    services.escalate_overdue_problems(today=TODAY + datetime.timedelta(days=1))
    return made


def titles(data, user):
    request = RequestFactory().get("/")
    request.user = user
    filterset = ProblemFilterSet(data, queryset=Problem.objects.visible_to(user), request=request)
    assert filterset.is_valid(), filterset.errors
    return sorted(p.title for p in filterset.qs)


def test_filters(ledger, users, areas):
    command = users["command"]
    assert titles({"escalated": "true"}, command) == ["逾期未改"]
    assert titles({"escalated": "false"}, command) == ["新发现"]
    assert titles({"overdue": "true"}, command) == ["逾期未改"]
    assert titles({"overdue": "false"}, command) == ["新发现"]
    assert titles({"severity": "high"}, command) == ["逾期未改"]
    assert titles({"area": areas["grid_b"].pk}, command) == ["新发现"]
    assert titles({"q": "新发"}, command) == ["新发现"]
    assert titles({}, users["grid_b"]) == ["新发现"]


def test_escalated_column_in_the_list(client, ledger, users):
    client.force_login(users["street"])
    page = client.get("/supervision/problems/?escalated=true").content.decode()
    assert "升级至" in page and "仁和街道" in page and "新发现" not in page


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("true", ["逾期未改"]),
        ("yes", ["逾期未改"]),
        ("Yes", ["逾期未改"]),
        ("1", ["逾期未改"]),
        ("是", ["逾期未改"]),
        ("false", ["新发现"]),
        ("no", ["新发现"]),
        ("0", ["新发现"]),
        ("否", ["新发现"]),
        ("", ["新发现", "逾期未改"]),
    ],
)
def test_yes_no_filters_understand_the_common_spellings(ledger, users, spelling, expected):
    """``overdue=yes`` listed every problem (Django's select knows only true/false)."""
    assert titles({"overdue": spelling}, users["command"]) == expected


def test_a_yes_no_typo_is_an_error_on_the_field_in_the_list_and_the_api(client, ledger, users):
    client.force_login(users["command"])
    response = client.get("/supervision/problems/?overdue=maybe")
    assert response.status_code == 200
    form = response.context["filterset"].form
    assert form.errors == {"overdue": ["请选择“是”或“否”"]}
    assert "请选择“是”或“否”" in response.content.decode()
    assert client.get("/api/v1/problems/?overdue=maybe").status_code == 400
    body = client.get("/api/v1/problems/?overdue=yes").json()
    assert [p["title"] for p in body["results"]] == ["逾期未改"]


def test_open_and_overdue_as_of_a_day(ledger, users):
    """The dashboard's 未销号 / 逾期未整改 as of the end of a day, as list filters."""
    command, before, after = users["command"], TODAY - datetime.timedelta(days=1), TODAY
    assert titles({"open_on": before.isoformat()}, command) == []  # not found yet
    assert titles({"open_on": TODAY.isoformat()}, command) == ["新发现", "逾期未改"]
    assert titles({"overdue_on": after.isoformat()}, command) == []  # due that day: not late
    late = (TODAY + datetime.timedelta(days=1)).isoformat()
    assert titles({"overdue_on": late}, command) == ["逾期未改"]
