"""A community with two grids, a building of two households in the first, one household in
the second, and a serving party member of the community with a login: built through the
real services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.testing import factories
from fangkong.pairing import services
from fangkong.registry import services as registry
from fangkong.volunteers import services as volunteers
from fangkong.volunteers.choices import PoolState
from fangkong.volunteers.tests.conftest import make_volunteer


@dataclass
class Estate:
    building: Any
    h101: Any
    h102: Any
    h201: Any  # grid_b, no building
    people: list
    member: Any  # the party member (Volunteer)
    member_user: Any


def member_with_login(actor, area, name, username, **fields):
    member = make_volunteer(actor, area, name, is_party_member=True, **fields)
    user = volunteers.create_volunteer_account(
        actor=actor, volunteer=member, username=username, password="Pw-for-tests-only-1"
    )
    member.refresh_from_db()
    return member, user


@pytest.fixture
def estate(areas, users) -> Estate:
    community = users["community"]
    building = registry.create_building(actor=community, area=areas["grid_a"], name="1栋")
    h101 = registry.create_household(
        actor=community, area=areas["grid_a"], number="1-101", building=building
    )
    h102 = registry.create_household(
        actor=community, area=areas["grid_a"], number="1-102", building=building
    )
    h201 = registry.create_household(actor=community, area=areas["grid_b"], number="2-201")
    people = factories.make_residents(community, areas["grid_a"], 3, prefix="住户")
    for person, household in zip(people, (h101, h101, h102), strict=True):
        registry.update_resident(
            actor=community,
            resident=person,
            data={"household": household},
            expected_version=person.version,
        )
        person.refresh_from_db()
    member, user = member_with_login(
        community, areas["community"], "党员甲", "member-a", state=PoolState.ACTIVE
    )
    return Estate(building, h101, h102, h201, people, member, user)


def quarantine(actor, resident, days: int = 7):
    from fangkong.health.choices import AssignmentKind
    from fangkong.health.services import create_assignment

    today = timezone.localdate()
    return create_assignment(
        actor=actor,
        resident=resident,
        kind=AssignmentKind.HOME_QUARANTINE,
        start_date=today - datetime.timedelta(days=1),
        end_date=today + datetime.timedelta(days=days),
        place="家中",
    )


def pair_building(actor, estate: Estate):
    return services.pair(actor=actor, volunteer=estate.member, building=estate.building)


__all__ = ["Role", "member_with_login", "pair_building", "quarantine"]
