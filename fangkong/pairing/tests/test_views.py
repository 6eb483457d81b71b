"""The party member's pages (我的包联户) and the staff's 包联 pages, through the client."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.health.choices import CheckInSource
from fangkong.health.models import CheckIn
from fangkong.pairing import services
from fangkong.pairing.models import Pairing
from fangkong.screening.models import Visit
from fangkong.screening.services import create_campaign
from fangkong.volunteers.choices import PoolState

from .conftest import member_with_login, pair_building, quarantine

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client, estate, users):
    pair_building(users["community"], estate)
    client.force_login(estate.member_user)
    return client


def test_my_households_lists_the_paired_ones_with_who_needs_attention(member, estate, users):
    quarantine(users["community"], estate.people[0])
    page = member.get(reverse("pairing:my_households")).content.decode()
    assert "1-101" in page and "1-102" in page and "2-201" not in page
    assert page.count('class="badge text-bg-warning attention"') == 1  # 1-101: no temperature
    assert "居家隔离" in page


def test_another_households_page_is_not_found(member, estate):
    assert member.get(reverse("pairing:my_household", args=[estate.h201.pk])).status_code == 404
    assert member.get(reverse("pairing:my_household", args=[estate.h101.pk])).status_code == 200


def test_a_staff_member_and_an_unpaired_volunteer_have_no_households(client, estate, users, areas):
    pair_building(users["community"], estate)
    _other, other_user = member_with_login(
        users["community"], areas["community"], "党员戊", "member-e", state=PoolState.ACTIVE
    )
    client.force_login(other_user)
    assert "社区尚未给您分配包联户" in client.get(reverse("pairing:my_households")).content.decode()
    assert client.get(reverse("pairing:my_household", args=[estate.h101.pk])).status_code == 404
    client.force_login(users["grid_a"])
    assert client.get(reverse("pairing:my_household", args=[estate.h101.pk])).status_code == 404


def test_a_visit_by_the_party_member_counts_in_the_campaign(member, estate, users, areas):
    campaign = create_campaign(
        actor=users["community"],
        area=areas["community"],
        title="返乡人员摸排",
        starts_on=timezone.localdate(),
        due_on=timezone.localdate(),
    )
    url = reverse("pairing:my_visit", args=[estate.h101.pk])
    response = member.post(
        url, {"campaign": campaign.pk, "outcome": "visited", "people_found": 2, "new_people": 0}
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.household, visit.visited_by) == (estate.h101, estate.member_user)
    # Counts that cannot be refuse the visit with the field's message; nothing is written.
    response = member.post(
        url, {"campaign": campaign.pk, "outcome": "visited", "people_found": 1, "new_people": 3}
    )
    assert response.status_code == 400
    assert "新发现人数不能多于在户人数" in response.content.decode()
    assert Visit.objects.count() == 1
    # Not theirs: not found, whatever the campaign.
    other = reverse("pairing:my_visit", args=[estate.h201.pk])
    assert member.post(other, {"campaign": campaign.pk, "outcome": "visited"}).status_code == 404


def test_the_party_member_reports_a_quarantined_members_temperature(member, estate, users):
    care = quarantine(users["community"], estate.people[0])
    url = reverse("pairing:my_checkin", args=[estate.h101.pk, care.pk])
    today = timezone.localdate().isoformat()
    response = member.post(url, {"date": today, "slot": "am", "temperature": "36.6"})
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert (checkin.source, checkin.recorded_by) == (CheckInSource.PAIRED, estate.member_user)
    response = member.post(url, {"date": today, "slot": "pm", "temperature": "45"})
    assert response.status_code == 400 and CheckIn.objects.count() == 1
    # Another household's member, through this household's URL: not found.
    elsewhere = quarantine(users["community"], estate.people[2])  # lives in 1-102
    wrong = reverse("pairing:my_checkin", args=[estate.h101.pk, elsewhere.pk])
    assert (
        member.post(wrong, {"date": today, "slot": "am", "temperature": "36.6"}).status_code == 404
    )


def test_a_members_phone_is_shown_for_a_reason_and_the_reading_audited(member, estate):
    person = estate.people[0]
    url = reverse("pairing:my_phone", args=[estate.h101.pk, person.pk])
    refused = member.post(url, {"reason": " "}).content.decode()
    assert "查看电话必须填写原因" in refused and person.phone not in refused
    shown = member.post(url, {"reason": "电话随访"})
    assert person.phone in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.filter(object_type="registry.resident").latest("id")
    assert (entry.action, entry.reason, entry.object_id) == ("reveal", "电话随访", str(person.pk))
    stranger = reverse("pairing:my_phone", args=[estate.h201.pk, person.pk])
    assert member.post(stranger, {"reason": "电话随访"}).status_code == 404


def test_the_party_member_has_no_staff_pages(member):
    for name in ("pairing:pairing_list", "pairing:pairing_add", "registry:resident_list"):
        assert member.get(reverse(name)).status_code == 403


def test_the_community_pairs_and_unpairs_through_its_pages(client, estate, users, areas):
    client.force_login(users["community"])
    response = client.post(
        reverse("pairing:pairing_add"),
        {"volunteer": estate.member.pk, "area": areas["grid_a"].pk, "building": "1栋"},
    )
    assert response.status_code == 302, response.content.decode()
    pairing = Pairing.objects.get()
    assert pairing.building == estate.building
    page = client.get(reverse("pairing:pairing_list")).content.decode()
    assert "1栋（整栋）" in page and "党员甲" in page
    response = client.post(
        reverse("pairing:pairing_add"),
        {"volunteer": estate.member.pk, "area": areas["grid_a"].pk, "household": "1-101"},
    )
    assert "该党员已包联这一户所在的整栋楼" in response.content.decode()
    response = client.post(
        reverse("pairing:pairing_delete", args=[pairing.pk]), {"reason": "党员调离"}
    )
    assert response.status_code == 302 and not Pairing.objects.exists()
    assert not services.paired_households(estate.member_user).exists()


def test_a_grid_worker_sees_their_grids_pairings_only(client, estate, users):
    pair_building(users["community"], estate)
    services.pair(actor=users["community"], volunteer=estate.member, household=estate.h201)
    client.force_login(users["grid_b"])
    page = client.get(reverse("pairing:pairing_list")).content.decode()
    assert "2-201" in page and "1栋" not in page


def test_the_home_page_leads_the_party_member_to_their_households(member, estate, users):
    care = quarantine(users["community"], estate.people[0])
    page = member.get(reverse("home")).content.decode()
    assert 'data-stat="households">2<' in page and 'data-stat="awaiting">1<' in page
    services.record_checkin(
        actor=estate.member_user,
        assignment=care,
        date=timezone.localdate(),
        slot="am",
        temperature="36.5",
    )
    page = member.get(reverse("home")).content.decode()
    assert 'data-stat="awaiting">1<' in page  # the afternoon is still to come


def test_my_households_reads_the_same_queries_however_many_households(member, estate, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fangkong.registry import services as registry

    quarantine(users["community"], estate.people[0])
    url = reverse("pairing:my_households")
    member.get(url)  # the session and the user's first reads
    with CaptureQueriesContext(connection) as few:
        member.get(url)
    for number in ("1-103", "1-104", "1-105"):
        registry.create_household(
            actor=users["community"],
            area=estate.building.area,
            number=number,
            building=estate.building,
        )
    quarantine(users["community"], estate.people[2])
    with CaptureQueriesContext(connection) as more:
        page = member.get(url).content.decode()
    assert "1-105" in page
    assert len(more) == len(few)


def test_a_households_page_names_its_party_members(client, estate, users):
    pair_building(users["community"], estate)
    client.force_login(users["grid_a"])
    page = client.get(reverse("registry:household_detail", args=[estate.h101.pk]))
    assert "党员甲（整栋）" in page.content.decode()
    client.force_login(users["grid_b"])
    page = client.get(reverse("registry:household_detail", args=[estate.h201.pk]))
    assert "未包联" in page.content.decode()


def test_a_party_members_page_lists_what_they_look_after(client, estate, users):
    pair_building(users["community"], estate)
    services.pair(actor=users["community"], volunteer=estate.member, household=estate.h201)
    client.force_login(users["community"])
    page = client.get(reverse("volunteers:volunteer_detail", args=[estate.member.pk]))
    block = page.content.decode().split('id="volunteer-pairings"')[1].split("</div></div>")[0]
    assert "第二网格 · 2-201" in block and "第一网格 · 1栋（整栋）" in block
