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
