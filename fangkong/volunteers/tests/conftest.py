"""Builders for volunteer tests: everything goes through the real services."""

from __future__ import annotations

import datetime
import itertools
import random
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from fangkong.areas.choices import AreaLevel
from fangkong.core.testing import factories
from fangkong.volunteers import services
from fangkong.volunteers.choices import NeedKind, PoolState

TZ = ZoneInfo("Asia/Shanghai")
_rng = random.Random(2020)
_usernames = itertools.count(1)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in the week of Monday 2026-11-23 (day 1 = Monday), Beijing time."""
    return datetime.datetime(2026, 11, 22 + day, hour, minute, tzinfo=TZ)


def running_now(hours_ago: int = 6, hours_left: int = 2) -> dict:
    """A need's times around now: check-ins are taken within a need's hours only."""
    now = timezone.now()
    return {
        "starts_at": now - datetime.timedelta(hours=hours_ago),
        "ends_at": now + datetime.timedelta(hours=hours_left),
    }


def make_volunteer(actor, area, name, **fields):
    data = {
        "area": area,
        "name": name,
        "id_number": factories.make_id_number(rng=_rng),
        "phone": factories.make_phone(_rng),
        "skills": "",
        "available_days": "",
        "available_times": "",
        "state": PoolState.RESERVE,
    } | fields
    return services.create_volunteer(actor=actor, data=data)


def make_need(actor, area, title="卡点值守", **fields):
    data = {
        "area": area,
        "kind": NeedKind.CHECKPOINT,
        "title": title,
        "place": "小区东门",
        "starts_at": at(1, 9),
        "ends_at": at(1, 11),
        "headcount": 5,
        "required_skills": "",
    } | fields
    return services.create_need(actor=actor, data=data)


def give_account(actor, volunteer):
    services.create_volunteer_account(
        actor=actor,
        volunteer=volunteer,
        username=f"vol{next(_usernames)}",
        password="pw-for-tests-only",
    )
    volunteer.refresh_from_db()
    return volunteer.user


@pytest.fixture
def street2(areas):
    """A second street in 仁和区 with its own community: "same district" distance."""
    street = factories.area("510411002", "大河中路街道", AreaLevel.STREET, areas["renhe"])
    community = factories.area("510411002001", "学府花园社区", AreaLevel.COMMUNITY, street)
    return {"street": street, "community": community}
