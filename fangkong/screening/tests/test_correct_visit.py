"""A visit recorded by mistake (已搬离/空置 tapped for 无人在家) is corrected or voided: audited
with its reason, under optimistic locking, and the 未走访户 list and the kept coverage follow."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from fangkong.core.audit import verify_chain
from fangkong.core.models import AuditEntry
from fangkong.core.services import ConflictError
from fangkong.screening import coverage
from fangkong.screening.models import CoverageCount, Visit
from fangkong.screening.selectors import unvisited_households
from fangkong.screening.services import (
    close_campaign,
    correct_visit,
    create_campaign,
    record_finding,
    record_visit,
    void_visit,
)
from fangkong.status.clock import at_local
from fangkong.status.testing import make_household, make_resident, today

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def ago(days: int, hour: int = 10) -> datetime.datetime:
    return at_local(today() - days * DAY, hour)


@pytest.fixture
def drive(users, areas):
    """The street's campaign; A-1 tapped 已搬离/空置 by mistake, A-2 not visited."""
    recorded = ago(1) + datetime.timedelta(seconds=37)  # the picker shows minutes only
    c = create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="入户排查",
        starts_on=today() - 3 * DAY,
        due_on=today() + 3 * DAY,
    )
    a1 = make_household(areas["grid_a"], "A-1")
    a2 = make_household(areas["grid_a"], "A-2")
    visit = record_visit(
        actor=users["grid_a"], campaign=c, household=a1, outcome="vacant", visited_at=recorded
    )
    return {"campaign": c, "a1": a1, "a2": a2, "visit": visit, "recorded": recorded}


def unvisited(campaign, users) -> list[str]:
    return [h.number for h in unvisited_households(campaign, users["community"])]


def kept_visited(campaign) -> int:
    return CoverageCount.objects.filter(campaign=campaign).aggregate(n=Sum("visited"))["n"] or 0


def kept_rows() -> dict:
    return {
        (r.campaign_id, r.area_id, r.day): r.visited
        for r in CoverageCount.objects.exclude(visited=0)
    }


def assert_kept_equals_recount() -> None:
    before = kept_rows()
    coverage.rebuild()
    assert kept_rows() == before


def correct(visit, actor, **changes):
    values = {
        "outcome": visit.outcome,
        "people_found": visit.people_found,
        "new_people": visit.new_people,
        "notes": visit.notes,
        "visited_at": None,
        "reason": "误点",
    } | changes
    return correct_visit(actor=actor, visit=visit, version=visit.version, **values)


def entries(obj) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).order_by("id")
    )


# --- services -----------------------------------------------------------------------------


def test_a_mistaken_moved_out_corrected_puts_the_household_back_to_visit(users, drive):
    c, visit = drive["campaign"], drive["visit"]
    assert unvisited(c, users) == ["A-2"]
    assert kept_visited(c) == 1
    correct(visit, users["grid_a"], outcome="nobody_home", reason="误点已搬离，实为无人在家")
    assert unvisited(c, users) == ["A-1", "A-2"]
    assert kept_visited(c) == 0
    assert_kept_equals_recount()
    visit.refresh_from_db()
    assert (visit.outcome, visit.version) == ("nobody_home", 2)
    correct(visit, users["grid_a"], outcome="vacant", reason="复核确已搬离")
    assert unvisited(c, users) == ["A-2"]
    assert kept_visited(c) == 1
    assert_kept_equals_recount()


def test_a_corrected_time_moves_the_day_it_counts_on(users, drive):
    visit = drive["visit"]
    correct(visit, users["grid_a"], visited_at=ago(2), reason="补录时间填错")
    assert list(CoverageCount.objects.exclude(visited=0).values_list("day", "visited")) == [
        (today() - 2 * DAY, 1)
    ]
    assert_kept_equals_recount()


def test_the_correction_is_audited_with_its_reason_and_an_unchanged_one_writes_nothing(
    users, drive
):
    visit = drive["visit"]
    correct(visit, users["grid_a"], outcome="nobody_home", notes="敲门无人应", reason="误点")
    update = entries(visit)[-1]
    assert (update.action, update.reason) == ("update", "误点")
    assert update.changes["outcome"] == ["vacant", "nobody_home"]
    assert "notes" in update.changes
    visit.refresh_from_db()
    assert visit.notes == "敲门无人应"
    count = AuditEntry.objects.count()
    correct(visit, users["grid_a"], reason="再次保存")  # the same values
    visit.refresh_from_db()
    assert visit.version == 2
    assert AuditEntry.objects.count() == count
    assert verify_chain().ok


def test_voiding_the_conclusive_visit_unsettles_the_household_and_keeps_its_findings(
    users, areas, drive
):
    c, a1, visit = drive["campaign"], drive["a1"], drive["visit"]
    earlier = record_visit(
        actor=users["grid_a"], campaign=c, household=a1, outcome="nobody_home", visited_at=ago(2)
    )
    person = make_resident(areas["grid_a"], name="返乡居民", household=a1)
    finding = record_finding(
        actor=users["grid_a"], campaign=c, resident=person, kind="returnee", visit=visit
    )
    assert kept_visited(c) == 1
    void_visit(actor=users["grid_a"], visit=visit, version=visit.version, reason="走错户")
    assert list(Visit.objects.filter(household=a1)) == [earlier]
    assert unvisited(c, users) == ["A-1", "A-2"]
    assert kept_visited(c) == 0
    assert_kept_equals_recount()
    # The finding stays, re-linked in the open (its own audit entry), not by a silent SET NULL.
    finding.refresh_from_db()
    assert (finding.visit_id, finding.version) == (None, 2)
    relink = entries(finding)[-1]
    assert (relink.action, relink.reason) == ("update", "所属走访记录已撤销")
    assert relink.changes == {"visit": [visit.pk, None]}
    deleted = entries(visit)[-1]
    assert (deleted.action, deleted.reason) == ("delete", "走错户")
    assert deleted.changes["outcome"] == "vacant"
    assert verify_chain().ok


def test_a_reason_is_required_and_a_refusal_writes_nothing(users, drive):
    visit = drive["visit"]
    count = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as e:
        correct(visit, users["grid_a"], outcome="nobody_home", reason="  ")
    assert e.value.message_dict == {"reason": ["请填写更正原因"]}
    with pytest.raises(ValidationError) as e:
        void_visit(actor=users["grid_a"], visit=visit, version=visit.version, reason="")
    assert e.value.message_dict == {"reason": ["请填写撤销原因"]}
    visit.refresh_from_db()
    assert (visit.outcome, visit.version) == ("vacant", 1)
    assert AuditEntry.objects.count() == count
    assert kept_visited(drive["campaign"]) == 1


def test_a_stale_version_is_a_conflict_and_writes_nothing(users, drive):
    c, visit = drive["campaign"], drive["visit"]
    stale = Visit.objects.get(pk=visit.pk)
    correct(visit, users["grid_a"], notes="第一次更正")
    count = AuditEntry.objects.count()
    with pytest.raises(ConflictError):
        correct(stale, users["grid_a"], outcome="nobody_home")
    with pytest.raises(ConflictError):
        void_visit(actor=users["grid_a"], visit=stale, version=stale.version, reason="走错户")
    visit.refresh_from_db()
    assert (visit.outcome, visit.version) == ("vacant", 2)
    assert AuditEntry.objects.count() == count
    assert kept_visited(c) == 1


def test_another_grid_and_a_closed_campaign_are_refused(users, drive):
    c, visit = drive["campaign"], drive["visit"]
    with pytest.raises(PermissionDenied):
        correct(visit, users["grid_b"], outcome="nobody_home")
    with pytest.raises(PermissionDenied):
        void_visit(actor=users["grid_b"], visit=visit, version=visit.version, reason="走错户")
    close_campaign(actor=users["street"], campaign=c)
    visit = Visit.objects.select_related("campaign").get(pk=visit.pk)
    with pytest.raises(ValidationError) as e:
        correct(visit, users["grid_a"], outcome="nobody_home")
    assert e.value.message_dict == {"campaign": ["该摸排行动已结束，不能再登记"]}
    with pytest.raises(ValidationError) as e:
        void_visit(actor=users["grid_a"], visit=visit, version=visit.version, reason="走错户")
    assert e.value.message_dict == {"campaign": ["该摸排行动已结束，不能再登记"]}
    visit.refresh_from_db()
    assert (visit.outcome, visit.version) == ("vacant", 1)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"outcome": "moved"}, "outcome"),
        ({"outcome": "visited", "people_found": 1, "new_people": 2}, "new_people"),
        ({"outcome": "nobody_home", "people_found": 2}, "people_found"),
        ({"outcome": "visited", "people_found": -1}, "people_found"),
        ({"outcome": "visited", "people_found": "三"}, "people_found"),
        ({"visited_at": -2}, "visited_at"),  # days ago: the time is taken as the test runs
        ({"visited_at": 5}, "visited_at"),
    ],
)
def test_invalid_values_are_refused_as_when_recording(users, drive, changes, field):
    """The same checks and messages as ``record_visit`` (asked of it on another household)."""
    if "visited_at" in changes:
        changes = changes | {"visited_at": ago(changes["visited_at"])}
    c, visit = drive["campaign"], drive["visit"]
    recorded = {"outcome": "vacant", "people_found": 0, "new_people": 0} | changes
    with pytest.raises(ValidationError) as e:
        record_visit(actor=users["grid_a"], campaign=c, household=drive["a2"], **recorded)
    refused = e.value.message_dict
    assert list(refused) == [field]
    with pytest.raises(ValidationError) as e:
        correct(visit, users["grid_a"], **changes)
    assert e.value.message_dict == refused
    visit.refresh_from_db()
    assert (visit.outcome, visit.version) == ("vacant", 1)


# --- pages --------------------------------------------------------------------------------


def correct_url(drive, visit=None) -> str:
    return reverse(
        "screening:visit_correct", args=[drive["campaign"].pk, (visit or drive["visit"]).pk]
    )


def test_the_household_page_lists_its_visits_each_to_correct(client, users, drive):
    c = drive["campaign"]
    record_visit(
        actor=users["grid_a"],
        campaign=c,
        household=drive["a1"],
        outcome="nobody_home",
        visited_at=ago(0, 0),
    )
    client.force_login(users["grid_a"])
    r = client.get(reverse("screening:visit_record", args=[c.pk, drive["a1"].pk]))
    assert [v.outcome for v in r.context["visits"]] == ["nobody_home", "vacant"]
    assert correct_url(drive) in r.content.decode()


def test_the_correction_page_is_prefilled_and_saves(client, users, drive):
    c, visit = drive["campaign"], drive["visit"]
    client.force_login(users["grid_a"])
    r = client.get(correct_url(drive))
    body = r.content.decode()
    assert r.status_code == 200
    assert 'value="vacant" checked' in body
    assert '<input type="hidden" name="version" value="1">' in body
    shown = timezone.localtime(visit.visited_at).strftime("%Y-%m-%dT%H:%M")
    assert f'name="visited_at" value="{shown}"' in body
    assert f'action="{reverse("screening:visit_void", args=[c.pk, visit.pk])}"' in body
    r = client.post(
        correct_url(drive),
        {
            "outcome": "nobody_home",
            "people_found": 0,
            "new_people": 0,
            "visited_at": shown,
            "reason": "误点已搬离",
            "version": 1,
        },
        follow=True,
    )
    assert r.redirect_chain == [
        (reverse("screening:visit_record", args=[c.pk, drive["a1"].pk]), 302)
    ]
    assert "已更正走访记录：A-1" in r.content.decode()
    visit.refresh_from_db()
    # the minutes-only picker sent the time back unchanged: not a change of its seconds
    assert entries(visit)[-1].changes == {"outcome": ["vacant", "nobody_home"]}
    assert (visit.outcome, visit.visited_at) == ("nobody_home", drive["recorded"])


def test_a_refused_correction_shows_the_form_again_as_typed(client, users, drive):
    visit = drive["visit"]
    client.force_login(users["grid_a"])
    typed = {
        "outcome": "visited",
        "people_found": 1,
        "new_people": 2,
        "notes": "户主在家",
        "reason": "误点",
        "version": 1,
    }
    r = client.post(correct_url(drive), typed)
    assert r.status_code == 200
    assert r.context["form"].errors["new_people"] == ["新发现人数不能多于在户人数"]
    body = r.content.decode()
    assert 'value="visited" checked' in body and "户主在家" in body
    r = client.post(correct_url(drive), typed | {"new_people": 0, "reason": ""})
    assert r.context["form"].errors["reason"] == ["请填写更正原因"]
    # opened before another's save: a conflict, said on the form
    correct(visit, users["grid_a"], notes="他人已更正")
    r = client.post(correct_url(drive), typed | {"new_people": 0})
    assert r.status_code == 409
    assert "该记录已被其他人修改" in r.content.decode()
    visit.refresh_from_db()
    assert (visit.outcome, visit.version) == ("vacant", 2)


def test_a_visit_is_voided_from_its_page(client, users, drive):
    c, visit = drive["campaign"], drive["visit"]
    void = reverse("screening:visit_void", args=[c.pk, visit.pk])
    client.force_login(users["grid_a"])
    r = client.post(void, {"reason": "", "version": 1}, follow=True)
    assert "请填写撤销原因" in r.content.decode()
    assert Visit.objects.filter(pk=visit.pk).exists()
    r = client.post(void, {"reason": "走错户", "version": 1}, follow=True)
    assert r.redirect_chain[-1] == (
        reverse("screening:visit_record", args=[c.pk, drive["a1"].pk]),
        302,
    )
    assert "已撤销走访记录：A-1" in r.content.decode()
    assert not Visit.objects.filter(pk=visit.pk).exists()
    assert unvisited(c, users) == ["A-1", "A-2"]


def test_another_grid_gets_404_and_a_closed_campaign_403(client, users, areas, drive):
    c, visit = drive["campaign"], drive["visit"]
    void = reverse("screening:visit_void", args=[c.pk, visit.pk])
    client.force_login(users["grid_b"])
    assert client.get(correct_url(drive)).status_code == 404
    assert client.post(void, {"reason": "走错户", "version": 1}).status_code == 404
    other = create_campaign(
        actor=users["street"],
        area=areas["street"],
        title="另一行动",
        starts_on=today() - 3 * DAY,
        due_on=today(),
    )
    client.force_login(users["grid_a"])  # a visit is found only under its own campaign
    assert (
        client.get(reverse("screening:visit_correct", args=[other.pk, visit.pk])).status_code == 404
    )
    close_campaign(actor=users["street"], campaign=c)
    assert client.get(correct_url(drive)).status_code == 403
    assert client.post(void, {"reason": "走错户", "version": 1}).status_code == 403
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_the_visit_list_leads_to_the_correction_while_the_campaign_runs(client, users, drive):
    c = drive["campaign"]

    def links(user):
        client.force_login(users[user])
        r = client.get(reverse("screening:visit_list"))
        return [cells[0].url for _visit, cells in r.context["table"]]

    assert links("grid_a") == [correct_url(drive)]
    assert links("leader") == [""]  # sees the visits, records none
    close_campaign(actor=users["street"], campaign=c)
    assert links("grid_a") == [""]
