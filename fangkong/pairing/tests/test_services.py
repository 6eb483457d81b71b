"""包联: who may be paired where, what a pairing covers, and that it follows its target."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.models import AuditEntry
from fangkong.pairing import services
from fangkong.pairing.models import Pairing
from fangkong.registry import services as registry
from fangkong.volunteers import services as volunteers
from fangkong.volunteers.choices import PoolState
from fangkong.volunteers.tests.conftest import make_volunteer

from .conftest import member_with_login, pair_building

pytestmark = pytest.mark.django_db


def households_of(user) -> set[str]:
    return set(services.paired_households(user).values_list("number", flat=True))


def test_a_paired_building_covers_its_households_and_nothing_else(estate, users):
    pair_building(users["community"], estate)
    assert households_of(estate.member_user) == {"1-101", "1-102"}
    # A household added to the building later is covered too: the pairing is the building.
    registry.create_household(
        actor=users["community"],
        area=estate.building.area,
        number="1-103",
        building=estate.building,
    )
    assert households_of(estate.member_user) == {"1-101", "1-102", "1-103"}


def test_a_paired_household_covers_that_household_only(estate, users):
    services.pair(actor=users["community"], volunteer=estate.member, household=estate.h201)
    assert households_of(estate.member_user) == {"2-201"}
    assert households_of(users["grid_a"]) == set()  # staff act by area, not by pairing


def test_pairing_is_audited_and_unpairing_needs_nothing_but_takes_the_reason(estate, users):
    pairing = pair_building(users["community"], estate)
    entry = AuditEntry.objects.filter(object_type="pairing.pairing").latest("id")
    assert entry.action == "create" and entry.object_id == str(pairing.pk)
    services.unpair(actor=users["community"], pairing=pairing, reason="党员调离")
    entry = AuditEntry.objects.filter(object_type="pairing.pairing").latest("id")
    assert (entry.action, entry.reason) == ("delete", "党员调离")
    assert households_of(estate.member_user) == set()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"is_party_member": False}, "只有党员志愿者可以包联"),
        ({"state": PoolState.SUSPENDED}, "不能包联"),
    ],
)
def test_only_a_serving_party_member_is_paired(estate, users, areas, fields, message):
    other = make_volunteer(
        users["community"],
        areas["community"],
        "志愿者乙",
        **({"is_party_member": True} | fields),
    )
    if "state" in fields:
        other.state = fields["state"]
        other.save(update_fields=["state"])
    with pytest.raises(ValidationError, match=message):
        services.pair(actor=users["community"], volunteer=other, building=estate.building)
    assert not Pairing.objects.exists()


def test_a_party_member_of_another_community_is_paired_once_they_reported_to_it(
    estate, users, areas
):
    outsider = make_volunteer(
        users["command"], areas["miyi_community"], "党员丙", is_party_member=True
    )
    with pytest.raises(ValidationError, match="未向该社区报到"):
        services.pair(actor=users["command"], volunteer=outsider, building=estate.building)
    volunteers.report_party_member(
        actor=users["command"],
        volunteer=outsider,
        area=areas["community"],
        reported_on=estate.building.created_at.date(),
        work_unit="市直机关",
    )
    services.pair(actor=users["command"], volunteer=outsider, building=estate.building)
    assert Pairing.objects.filter(volunteer=outsider).count() == 1


def test_repeats_are_refused(estate, users):
    pair_building(users["community"], estate)
    with pytest.raises(ValidationError, match="已包联这个楼栋"):
        pair_building(users["community"], estate)
    with pytest.raises(ValidationError, match="所在的整栋楼"):
        services.pair(actor=users["community"], volunteer=estate.member, household=estate.h101)
    services.pair(actor=users["community"], volunteer=estate.member, household=estate.h201)
    with pytest.raises(ValidationError, match="已包联这一户"):
        services.pair(actor=users["community"], volunteer=estate.member, household=estate.h201)
    assert Pairing.objects.count() == 2


def test_who_may_pair(estate, users, areas):
    with pytest.raises(PermissionDenied):
        pair_building(users["grid_a"], estate)  # a grid worker sees, the community assigns
    with pytest.raises(PermissionDenied):  # another district's grid: refused before looking
        services.pair_named(
            actor=users["community"],
            volunteer=estate.member,
            area=areas["grid_c"],
            household="9-999",
        )
    assert not Pairing.objects.exists()


def test_a_target_is_named_as_people_write_it(estate, users, areas):
    p = services.pair_named(
        actor=users["community"],
        volunteer=estate.member,
        area=areas["grid_a"],
        building="1栋",
        household="1-102",
    )
    assert (p.household, p.building) == (estate.h102, None)
    with pytest.raises(ValidationError, match="没有户编号为“9-999”的户"):
        services.pair_named(
            actor=users["community"],
            volunteer=estate.member,
            area=areas["grid_a"],
            household="9-999",
        )
    with pytest.raises(ValidationError, match="不在楼栋“2栋”"):
        services.pair_named(
            actor=users["community"],
            volunteer=estate.member,
            area=areas["grid_a"],
            building="2栋",
            household="1-101",
        )
    with pytest.raises(ValidationError, match="请填写包联的楼栋或户编号"):
        services.pair_named(actor=users["community"], volunteer=estate.member, area=areas["grid_a"])


def test_a_pairing_follows_its_household_to_another_grid(estate, users, areas):
    p = services.pair(actor=users["community"], volunteer=estate.member, household=estate.h201)
    registry.update_household(
        actor=users["community"],
        household=estate.h201,
        area=areas["grid_a"],
        number="2-201",
        expected_version=estate.h201.version,
    )
    p.refresh_from_db()
    assert p.area == areas["grid_a"]
    assert Pairing.objects.visible_to(users["grid_a"]).filter(pk=p.pk).exists()
    assert not Pairing.objects.visible_to(users["grid_b"]).filter(pk=p.pk).exists()


def test_who_sees_which_pairings(estate, users, areas):
    mine = pair_building(users["community"], estate)
    other, other_user = member_with_login(
        users["community"], areas["community"], "党员丁", "member-d", state=PoolState.ACTIVE
    )
    theirs = services.pair(actor=users["community"], volunteer=other, household=estate.h201)
    assert list(Pairing.objects.visible_to(estate.member_user)) == [mine]
    assert list(Pairing.objects.visible_to(other_user)) == [theirs]
    assert list(Pairing.objects.visible_to(users["grid_b"])) == [theirs]
    assert not Pairing.objects.visible_to(users["grid_c"]).exists()
    assert households_of(other_user) == {"2-201"}


def test_a_suspended_member_loses_their_households(estate, users):
    pair_building(users["community"], estate)
    volunteers.review_volunteer(
        actor=users["community"],
        volunteer=estate.member,
        state=PoolState.SUSPENDED,
        expected_version=estate.member.version,
        note="暂停",
    )
    assert households_of(estate.member_user) == set()
