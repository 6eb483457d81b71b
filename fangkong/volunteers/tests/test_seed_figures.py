"""The seed figures are reproducible: seeds 002/003 built by the demo generator, counted by
the selectors and shown on the dashboard and the batch page."""

import re

import pytest

from fangkong.areas.choices import AreaLevel
from fangkong.core import audit
from fangkong.core.models import AuditEntry
from fangkong.core.testing import factories
from fangkong.demo.volunteers import load_volunteers
from fangkong.volunteers import selectors
from fangkong.volunteers.models import DispatchBatch, PartyReport, Team, Volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(areas, users):
    for code, name in (("510411001002", "迷阳社区"), ("510411001003", "金沙社区")):
        factories.area(code, name, AreaLevel.COMMUNITY, areas["street"])
    events = []
    created = load_volunteers(areas["city"], seed=2020, events=events)
    audit.record_many(None, events)
    return created


def _figures(user):
    return selectors.figures(
        Volunteer.objects.visible_to(user),
        Team.objects.visible_to(user),
        DispatchBatch.objects.visible_to(user),
        PartyReport.objects.visible_to(user),
    )


def test_seed_figures_833_volunteers_150_reserve_45_branches_first_batch_30_to_4(seeded, users):
    f = _figures(users["command"])
    assert (f["volunteers"], f["reserve"], f["active"], f["party_members"]) == (833, 150, 683, 833)
    assert (f["party_branches"], f["commando_teams"], f["party_reports"]) == (45, 1, 48)
    (batch,) = DispatchBatch.objects.all()
    assert selectors.batch_figures(batch) == {
        "dispatched": 30,
        "communities": 4,
        "accepted": 0,
        "declined": 0,
        "offered": 30,
    }
    # Every volunteer of the batch came from the reserve pool, each once.
    picked = Volunteer.objects.filter(assignments__batch=batch)
    assert picked.count() == 30 and picked.filter(state="reserve").count() == 30
    assert AuditEntry.objects.count() == seeded
    assert load_volunteers(factories.Area.objects.get(code="510400"), seed=2020, events=[]) == 0
    # A community sees only its share.
    mine = _figures(users["community"])["volunteers"]
    assert mine == Volunteer.objects.filter(area__code="510411001001").count() == 209


def test_dashboard_and_batch_page_show_the_seed_figures(seeded, users, client):
    client.force_login(users["command"])
    home = client.get("/").content.decode()
    stats = dict(re.findall(r'data-stat="(\w+)">([\d,]+)<', home))
    assert (stats["volunteers"], stats["reserve"], stats["party_branches"]) == ("833", "150", "45")
    batch = DispatchBatch.objects.get()
    page = client.get(f"/volunteers/batches/{batch.pk}/").content.decode()
    stats = dict(re.findall(r'data-stat="(\w+)">(\d+)<', page))
    assert (stats["dispatched"], stats["communities"]) == ("30", "4")


def test_seed_volunteers_store_skills_and_times_as_every_save_does(seeded):
    """The demo stored 物资搬运 before 翻译 and 晚上 before 下午, unlike the forms and the
    import: re-importing a community's own export "updated" hundreds of volunteers."""
    from fangkong.volunteers.rules import decode, encode_days, encode_skills, encode_times

    for skills, days, times in Volunteer.objects.values_list(
        "skills", "available_days", "available_times"
    ):
        assert skills == encode_skills(decode(skills))
        assert days == encode_days(decode(days))
        assert times == encode_times(decode(times))
