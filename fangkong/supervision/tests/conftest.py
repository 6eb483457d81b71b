import datetime

import pytest

from fangkong.accounts.choices import Role
from fangkong.core.testing import factories
from fangkong.supervision import services

TODAY = datetime.date(2020, 2, 19)


@pytest.fixture
def inspector(areas):
    return factories.make_user(Role.INSPECTOR, areas["city"], username="inspector")


@pytest.fixture
def group(areas, users, inspector):
    return services.create_group(
        actor=users["command"],
        data={
            "name": "第一督导组",
            "area": areas["city"],
            "leader": inspector,
            "members": [],
            "assigned_areas": [areas["street"]],
        },
    )


@pytest.fixture
def problem(areas, inspector, group):
    return services.create_problem(
        actor=inspector,
        group=group,
        area=areas["community"],
        title="卡点值守人员脱岗",
        severity="high",
        deadline=TODAY + datetime.timedelta(days=2),
        found_on=TODAY,
    )
