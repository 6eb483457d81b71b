"""Services: sign-up merging, review, accounts, party reports, dispatch, answers, shifts,
teams; each with its audit entry, and refusals that change nothing."""

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.core.services import ConflictError
from fangkong.core.testing import factories
from fangkong.volunteers import services
from fangkong.volunteers.choices import AssignmentState, PoolState, Source, TeamKind
from fangkong.volunteers.models import Assignment, Need, PartyReport, Shift, Team, Volunteer

from .conftest import at, give_account, make_need, make_volunteer, running_now

pytestmark = pytest.mark.django_db
rng = random.Random(6)
FREE = {"available_days": "每天", "available_times": "全天"}


def _signup(area, **fields):
    data = {
        "area": area,
        "name": "王五",
        "id_number": factories.make_id_number(rng=rng),
        "phone": factories.make_phone(rng),
        "skills": ["medical"],
        "available_days": ["6", "7"],
        "available_times": ["am"],
    } | fields
    return services.sign_up_volunteer(data=data)


def _entries(obj):
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


def test_sign_up_creates_a_pending_record_audited_as_the_public(areas):
    v, merged = _signup(areas["community"], organisation="市委编办", is_party_member=True)
    assert merged is False
    v.refresh_from_db()
    assert (v.state, v.source, v.skills, v.available_days) == (
        PoolState.PENDING,
        Source.SIGNUP,
        ",medical,",
        ",6,7,",
    )
    (entry,) = _entries(v)
    assert (entry.action, entry.actor_name, entry.object_repr) == ("create", "system", "王*")
    assert entry.changes["id_number"] != v.id_number  # ciphertext in the log


def test_second_sign_up_with_same_id_number_adds_to_a_pending_application(areas):
    first, _ = _signup(areas["community"])
    phone = first.phone
    again, merged = _signup(
        areas["community"],
        id_number=first.id_number,
        phone="13900001111",
        skills=["driving"],
        available_times=["ev"],
    )
    assert merged is True and again.pk == first.pk
    assert Volunteer.objects.count() == 1
    first.refresh_from_db()
    # Skills and times widen; the phone typed is not taken (anyone may type an ID number).
    assert (first.phone, first.skills, first.available_times) == (
        phone,
        ",medical,driving,",
        ",am,ev,",
    )
    assert "所填手机号与登记不一致，未作修改，请与本人核实" in first.notes
    assert "13900001111" not in first.notes
    assert [e.action for e in _entries(first).order_by("id")] == ["create", "update"]


def test_a_repeat_sign_up_never_changes_a_reviewed_volunteer(areas, users):
    """Someone typing an active volunteer's ID number with another name, phone and health:
    nothing of the record changes, staff get a note to check with the person."""
    first, _ = _signup(areas["community"], health="healthy")
    services.review_volunteer(
        actor=users["community"], volunteer=first, state=PoolState.ACTIVE, expected_version=None
    )
    first.refresh_from_db()
    kept = (first.name, first.phone, first.health, first.skills, first.state, first.area_id)
    _signup(
        areas["grid_a"],
        id_number=first.id_number,
        name="冒名者",
        phone="13000000001",
        health="unfit",
        skills=["driving"],
    )
    first.refresh_from_db()
    assert (first.name, first.phone, first.health, first.skills, first.state, first.area_id) == kept
    assert "所填手机号、姓名、健康状况与登记不一致，未作修改" in first.notes


def test_second_sign_up_with_same_phone_merges_and_is_flagged_when_ids_differ(areas):
    first, _ = _signup(areas["community"])
    other_id = factories.make_id_number(rng=rng)
    again, merged = _signup(areas["grid_a"], phone=first.phone, id_number=other_id)
    assert merged is True and again.pk == first.pk
    assert Volunteer.objects.count() == 1
    first.refresh_from_db()
    assert first.id_number != other_id  # the registered identity is kept
    assert first.area == areas["community"]
    assert "所填身份证号与登记不一致" in first.notes


def test_sign_up_with_bad_id_number_names_the_field_and_writes_nothing(areas):
    with pytest.raises(ValidationError) as e:
        _signup(areas["community"], id_number="51041119900101")
    assert "id_number" in e.value.message_dict
    assert Volunteer.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_community_reviews_a_sign_up_into_the_reserve_pool(areas, users):
    v, _ = _signup(areas["community"])
    services.review_volunteer(
        actor=users["community"], volunteer=v, state=PoolState.RESERVE, expected_version=1
    )
    v.refresh_from_db()
    assert (v.state, v.version) == (PoolState.RESERVE, 2)
    assert v.reviewed_at is not None
    with pytest.raises(ConflictError):
        services.review_volunteer(
            actor=users["community"], volunteer=v, state=PoolState.ACTIVE, expected_version=1
        )


def test_review_outside_the_area_or_without_permission_changes_nothing(areas, users):
    v, _ = _signup(areas["community"])
    for actor in (users["grid_c"], users["grid_a"], users["volunteer"]):
        with pytest.raises(PermissionDenied):
            services.review_volunteer(
                actor=actor, volunteer=v, state=PoolState.RESERVE, expected_version=None
            )
    v.refresh_from_db()
    assert (v.state, v.version) == (PoolState.PENDING, 1)


def test_staff_entry_refuses_a_duplicate_id_number_or_phone(areas, users):
    v = make_volunteer(users["community"], areas["grid_a"], "张三")
    with pytest.raises(ValidationError) as e:
        make_volunteer(users["community"], areas["grid_b"], "张三", id_number=v.id_number)
    assert "id_number" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        make_volunteer(users["community"], areas["grid_b"], "李四", phone=v.phone)
    assert "phone" in e.value.message_dict
    assert Volunteer.objects.count() == 1


def test_a_volunteer_sharing_a_phone_from_an_old_import_can_still_be_edited(areas, users):
    """Lists imported before the import applied the phone rule may hold two volunteers with
    one phone: editing one of them for anything else is not refused for it, and giving a
    phone another volunteer has still is."""
    cmd = users["community"]
    a = make_volunteer(cmd, areas["grid_a"], "张三")
    b = make_volunteer(cmd, areas["grid_a"], "李四")
    c = make_volunteer(cmd, areas["grid_a"], "王五")
    b.phone = a.phone  # as the old import stored it
    b.save()
    services.update_volunteer(
        actor=cmd, volunteer=b, data={"organisation": "市供销社"}, expected_version=None
    )
    b.refresh_from_db()
    assert (b.organisation, b.phone) == ("市供销社", a.phone)
    with pytest.raises(ValidationError) as e:
        services.update_volunteer(
            actor=cmd, volunteer=b, data={"phone": c.phone}, expected_version=None
        )
    assert e.value.message_dict == {"phone": ["该手机号已登记为志愿者，请勿重复录入"]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_phone_or_person_at_once(areas, users):
    """The phone's rule has no unique index: two staff entering one phone at the same moment
    take turns, and the second is refused. Two sign-ups of one person at once merge instead
    of the second failing on the ID number's index."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    cmd = users["community"]
    phone = factories.make_phone(rng)
    race = second_while_first_uncommitted(
        lambda: make_volunteer(cmd, areas["grid_a"], "张三", phone=phone),
        lambda: make_volunteer(cmd, areas["grid_b"], "李四", phone=phone),
    )
    assert race.first is None and race.second_waited
    assert race.second.message_dict == {"phone": ["该手机号已登记为志愿者，请勿重复录入"]}
    ident = factories.make_id_number(rng=rng)
    race = second_while_first_uncommitted(
        lambda: _signup(areas["grid_a"], id_number=ident),
        lambda: _signup(areas["grid_a"], id_number=ident),
    )
    assert race.first is None and race.second is None and race.second_waited
    assert race.second_result[1] is True  # merged into the first
    assert Volunteer.objects.filter(name="王五").count() == 1
    assert Volunteer.objects.count() == 2


def test_account_links_a_volunteer_user_scoped_to_their_own_record(areas, users):
    v = make_volunteer(users["community"], areas["grid_a"], "张三")
    other = make_volunteer(users["community"], areas["grid_a"], "李四")
    user = give_account(users["community"], v)
    assert (user.role, user.area, user.full_name) == ("volunteer", areas["grid_a"], "张三")
    assert list(Volunteer.objects.visible_to(user)) == [v]
    assert other not in Volunteer.objects.visible_to(user)
    with pytest.raises(ValidationError):
        give_account(users["community"], v)


def test_party_member_reports_to_the_community(areas, users):
    v = make_volunteer(
        users["community"], areas["grid_a"], "党员", is_party_member=True, organisation="市民政局"
    )
    r = services.report_party_member(
        actor=users["community"],
        volunteer=v,
        area=areas["community"],
        reported_on=datetime.date(2020, 2, 10),
        work_unit="",
    )
    assert (r.work_unit, r.area) == ("市民政局", areas["community"])
    assert _entries(r).count() == 1
    with pytest.raises(ValidationError):
        services.report_party_member(
            actor=users["community"],
            volunteer=v,
            area=areas["community"],
            reported_on=datetime.date(2020, 2, 11),
            work_unit="x",
        )
    with pytest.raises(ValidationError) as e:
        services.report_party_member(
            actor=users["community"],
            volunteer=make_volunteer(
                users["community"], areas["grid_a"], "党员乙", is_party_member=True
            ),
            area=areas["community"],
            reported_on=timezone.localdate() + datetime.timedelta(days=1),
            work_unit="x",
        )
    assert e.value.message_dict["reported_on"] == ["报到日期不能晚于今天"]
    not_member = make_volunteer(users["community"], areas["grid_a"], "群众")
    with pytest.raises(ValidationError):
        services.report_party_member(
            actor=users["community"],
            volunteer=not_member,
            area=areas["community"],
            reported_on=datetime.date(2020, 2, 10),
            work_unit="x",
        )
    assert PartyReport.objects.count() == 1


def test_dispatch_creates_offers_with_score_and_reason(areas, users):
    cmd = users["community"]
    a = make_volunteer(cmd, areas["grid_a"], "甲", **FREE)
    need = make_need(cmd, areas["grid_a"], headcount=1)
    (assignment,) = services.dispatch(actor=cmd, need=need, volunteers=[a])
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.OFFERED
    assert str(assignment.score) == "100.0"
    assert assignment.reason.endswith("总分 100.0")
    assert _entries(assignment).count() == 1
    b = make_volunteer(cmd, areas["grid_a"], "乙", **FREE)
    with pytest.raises(ValidationError) as e:
        services.dispatch(actor=cmd, need=need, volunteers=[b])  # no places left
    assert "剩余名额" in e.value.messages[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_neither_overfill_nor_double_book(areas, users):
    """Two dispatchers act at the same moment: the need's last place goes once, and a
    volunteer sent to one need is not sent to another at the same hours."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    cmd = users["community"]
    a = make_volunteer(cmd, areas["grid_a"], "甲", **FREE)
    b = make_volunteer(cmd, areas["grid_a"], "乙", **FREE)
    need = make_need(cmd, areas["grid_a"], headcount=1)
    race = second_while_first_uncommitted(
        lambda: services.dispatch(actor=cmd, need=need, volunteers=[a]),
        lambda: services.dispatch(actor=cmd, need=need, volunteers=[b]),
    )
    assert race.first is None and race.second_waited
    assert "剩余名额（0 人）" in race.second.messages[0]
    # A batch for a need whose one place a dispatcher is filling meanwhile.
    gate = make_need(
        cmd, areas["grid_b"], "入户排查", starts_at=at(1, 10), ends_at=at(1, 12), headcount=1
    )
    race = second_while_first_uncommitted(
        lambda: services.dispatch(actor=cmd, need=gate, volunteers=[b]),
        lambda: services.dispatch_batch(actor=cmd, name="首批", needs=[(gate, 1)]),
    )
    assert race.first is None and race.second_waited
    assert race.second.messages == ["岗位“入户排查”的派遣人数应为 1 至 0"]
    # Tuesday: 丙 sent to two needs whose hours overlap, by two dispatchers at once.
    c = make_volunteer(cmd, areas["grid_a"], "丙", **FREE)
    morning = make_need(cmd, areas["grid_a"], "物资配送", starts_at=at(2, 9), ends_at=at(2, 11))
    late = make_need(cmd, areas["grid_b"], "核酸引导", starts_at=at(2, 10), ends_at=at(2, 12))
    race = second_while_first_uncommitted(
        lambda: services.dispatch(actor=cmd, need=morning, volunteers=[c]),
        lambda: services.dispatch(actor=cmd, need=late, volunteers=[c]),
    )
    assert race.first is None and race.second_waited
    assert "丙 当前不可派遣" in race.second.messages[0]
    assert sorted(Assignment.objects.values_list("need__title", "volunteer__name")) == [
        ("入户排查", "乙"),
        ("卡点值守", "甲"),
        ("物资配送", "丙"),
    ]


def test_dispatch_refuses_an_ineligible_volunteer_and_writes_nothing(areas, users):
    cmd = users["community"]
    pending = make_volunteer(cmd, areas["grid_a"], "甲", state=PoolState.PENDING, **FREE)
    need = make_need(cmd, areas["grid_a"])
    with pytest.raises(ValidationError) as e:
        services.dispatch(actor=cmd, need=need, volunteers=[pending])
    assert "甲 当前不可派遣" in e.value.messages[0]
    assert Assignment.objects.count() == 0


def test_dispatch_outside_the_area_is_refused(areas, users):
    v = make_volunteer(users["command"], areas["grid_c"], "甲", **FREE)
    need = make_need(users["command"], areas["grid_c"])
    with pytest.raises(PermissionDenied):
        services.dispatch(actor=users["community"], need=need, volunteers=[v])
    assert Assignment.objects.count() == 0


def test_batch_picks_each_volunteer_once_in_rank_order(areas, users):
    cmd = users["community"]
    vols = [make_volunteer(cmd, areas["grid_a"], f"志愿者{i}", **FREE) for i in range(5)]
    n1 = make_need(cmd, areas["grid_a"], "东门", headcount=2)
    n2 = make_need(cmd, areas["grid_b"], "西门", headcount=3)
    batch = services.dispatch_batch(actor=cmd, name="首批", needs=[(n1, 2), (n2, 2)])
    rows = list(
        Assignment.objects.filter(batch=batch).order_by("need_id", "-score", "volunteer_id")
    )
    assert [(r.need.title, r.volunteer.name) for r in rows] == [
        ("东门", "志愿者0"),
        ("东门", "志愿者1"),
        ("西门", "志愿者2"),  # same community: 95; 志愿者0/1 are taken in this batch
        ("西门", "志愿者3"),
    ]
    assert {r.volunteer_id for r in rows} == {v.pk for v in vols[:4]}
    with pytest.raises(ValidationError):  # more than the places left
        services.dispatch_batch(actor=cmd, name="次批", needs=[(n1, 1)])


def test_volunteer_accepts_and_moves_from_reserve_to_active(areas, users):
    cmd = users["community"]
    v = make_volunteer(cmd, areas["grid_a"], "甲", **FREE)
    user = give_account(cmd, v)
    (a,) = services.dispatch(actor=cmd, need=make_need(cmd, areas["grid_a"]), volunteers=[v])
    a = Assignment.objects.get(pk=a.pk)
    with pytest.raises(PermissionDenied):  # staff cannot answer for the volunteer
        services.respond_assignment(actor=cmd, assignment=a, accept=True)
    services.respond_assignment(actor=user, assignment=a, accept=True)
    a.refresh_from_db()
    v.refresh_from_db()
    assert (a.state, v.state) == (AssignmentState.ACCEPTED, PoolState.ACTIVE)
    with pytest.raises(ValidationError):
        services.respond_assignment(actor=user, assignment=a, accept=False, reason="x")


def test_decline_needs_a_reason_and_frees_the_place(areas, users):
    cmd = users["community"]
    v = make_volunteer(cmd, areas["grid_a"], "甲", **FREE)
    user = give_account(cmd, v)
    need = make_need(cmd, areas["grid_a"], headcount=1)
    (a,) = services.dispatch(actor=cmd, need=need, volunteers=[v])
    a = Assignment.objects.get(pk=a.pk)
    with pytest.raises(ValidationError):
        services.respond_assignment(actor=user, assignment=a, accept=False)
    services.respond_assignment(actor=user, assignment=a, accept=False, reason="家中有事")
    a.refresh_from_db()
    assert (a.state, a.decline_reason) == (AssignmentState.DECLINED, "家中有事")
    assert services.open_places(need) == 1


def _accepted(cmd, area, name="甲"):
    v = make_volunteer(cmd, area, name, **FREE)
    user = give_account(cmd, v)
    (a,) = services.dispatch(actor=cmd, need=make_need(cmd, area, **running_now()), volunteers=[v])
    a = Assignment.objects.get(pk=a.pk)
    services.respond_assignment(actor=user, assignment=a, accept=True)
    return v, user, Assignment.objects.get(pk=a.pk)


def test_shift_hours_are_derived_from_check_in_and_out(areas, users):
    from fangkong.volunteers.selectors import volunteer_hours

    cmd = users["community"]
    v, user, a = _accepted(cmd, areas["grid_a"])
    start = timezone.now() - datetime.timedelta(hours=5)
    s1 = services.check_in(actor=user, assignment=a, at=start)
    with pytest.raises(ValidationError):  # one open shift at a time
        services.check_in(actor=user, assignment=a)
    services.check_out(actor=user, shift=s1, at=start + datetime.timedelta(minutes=150))
    s2 = services.check_in(
        actor=users["grid_a"], assignment=a, at=start + datetime.timedelta(hours=3)
    )
    services.check_out(
        actor=users["grid_a"], shift=s2, at=start + datetime.timedelta(hours=4, minutes=30)
    )
    assert list(Shift.objects.order_by("started_at").values_list("minutes", flat=True)) == [150, 90]
    assert str(volunteer_hours(v)) == "4.0"
    with pytest.raises(ValidationError):
        services.check_out(actor=user, shift=s2)  # already closed


def _two_posts_one_after_another(cmd, area):
    """甲 accepted two posts, 8–4 and 4–0 hours ago (one after the other), and the two
    paper sign-in sheets 补录 for them, which overlap between 5½ and 5 hours ago."""
    v = make_volunteer(cmd, area, "甲", **FREE)
    user = give_account(cmd, v)
    now = timezone.now()
    posts = []
    for start, end in ((8, 4), (4, 0)):
        need = make_need(
            cmd, area, starts_at=now - datetime.timedelta(hours=start),
            ends_at=now - datetime.timedelta(hours=end),
        )  # fmt: skip
        (a,) = services.dispatch(actor=cmd, need=need, volunteers=[v])
        a = Assignment.objects.get(pk=a.pk)
        services.respond_assignment(actor=user, assignment=a, accept=True)
        posts.append(Assignment.objects.get(pk=a.pk))
    hours = datetime.timedelta(hours=1)
    return [
        lambda: services.record_shift(
            actor=cmd, assignment=posts[0], started_at=now - 7 * hours, ended_at=now - 5 * hours
        ),
        lambda: services.record_shift(
            actor=cmd, assignment=posts[1], started_at=now - 5.5 * hours, ended_at=now - 3 * hours
        ),
    ]


def test_an_hour_served_is_recorded_once_across_posts(areas, users):
    first, second = _two_posts_one_after_another(users["community"], areas["grid_a"])
    first()
    with pytest.raises(ValidationError) as e:
        second()
    assert e.value.message_dict == {"started_at": ["该志愿者在这段时间已有服务记录"]}
    assert Shift.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sheets_recorded_at_once_count_an_hour_once(areas, users):
    """Two staff enter the paper sheets of one volunteer's two posts at the same moment."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    race = second_while_first_uncommitted(
        *_two_posts_one_after_another(users["community"], areas["grid_a"])
    )
    assert race.first is None and race.second_waited
    assert race.second.message_dict == {"started_at": ["该志愿者在这段时间已有服务记录"]}
    assert Shift.objects.count() == 1


def test_check_out_before_check_in_or_in_the_future_is_refused(areas, users):
    cmd = users["community"]
    _v, user, a = _accepted(cmd, areas["grid_a"])
    start = timezone.now() - datetime.timedelta(hours=1)
    s = services.check_in(actor=user, assignment=a, at=start)
    with pytest.raises(ValidationError):
        services.check_out(actor=user, shift=s, at=start - datetime.timedelta(minutes=1))
    with pytest.raises(ValidationError):
        services.check_out(actor=user, shift=s, at=timezone.now() + datetime.timedelta(hours=1))
    s.refresh_from_db()
    assert (s.ended_at, s.minutes) == (None, None)


def test_check_in_by_someone_else_out_of_area_or_before_acceptance_is_refused(areas, users):
    cmd = users["community"]
    _v, _user, a = _accepted(cmd, areas["grid_a"])
    other = make_volunteer(cmd, areas["grid_a"], "乙", **FREE)
    other_user = give_account(cmd, other)
    with pytest.raises(PermissionDenied):
        services.check_in(actor=other_user, assignment=a)
    with pytest.raises(PermissionDenied):
        services.check_in(actor=users["grid_c"], assignment=a)
    offered = services.dispatch(
        actor=cmd,
        need=make_need(cmd, areas["grid_a"], "另一岗", starts_at=at(3, 9), ends_at=at(3, 10)),
        volunteers=[other],
    )[0]
    with pytest.raises(ValidationError):
        services.check_in(actor=other_user, assignment=Assignment.objects.get(pk=offered.pk))
    assert Shift.objects.count() == 0


def test_team_with_leader_and_members_is_audited(areas, users):
    cmd = users["community"]
    a = make_volunteer(cmd, areas["grid_a"], "甲")
    b = make_volunteer(cmd, areas["grid_b"], "乙")
    team = services.create_team(
        actor=cmd,
        area=areas["community"],
        name="市委编办党员突击队",
        kind=TeamKind.COMMANDO,
        leader=a,
        members=[b],
    )
    assert set(team.members.values_list("name", flat=True)) == {"甲", "乙"}
    (entry,) = _entries(team)
    assert entry.changes["members"] == sorted([a.pk, b.pk])
    services.update_team(
        actor=cmd,
        team=team,
        area=areas["community"],
        name="市委编办党员突击队",
        kind=TeamKind.COMMANDO,
        leader=a,
        members=[],
        expected_version=1,
    )
    assert list(team.members.values_list("name", flat=True)) == ["甲"]
    c = make_volunteer(users["command"], areas["grid_c"], "丙")
    with pytest.raises(ValidationError):
        services.create_team(
            actor=cmd,
            area=areas["community"],
            name="临时党支部",
            kind=TeamKind.PARTY_BRANCH,
            members=[c],
        )
    assert Team.objects.count() == 1


@pytest.mark.parametrize(
    ("headcount", "message"), [(0, "需要人数至少为 1"), (99999999999, "最多为 1000")]
)
def test_a_need_asks_for_a_plausible_number_of_people(areas, users, headcount, message):
    with pytest.raises(ValidationError) as e:
        make_need(users["community"], areas["grid_a"], headcount=headcount)
    assert message in e.value.message_dict["headcount"][0]
    assert not Need.objects.exists()


def test_check_in_only_within_the_needs_hours_and_counted_until_shortly_after(areas, users):
    # Volunteer hours earn certificates: a check-in days after the task ended, or a
    # check-out forgotten until the next morning, must not count as service.
    cmd = users["community"]
    v = make_volunteer(cmd, areas["grid_a"], "丙", **FREE)
    user = give_account(cmd, v)
    now = timezone.now().replace(second=0, microsecond=0)
    need = make_need(
        cmd,
        areas["grid_a"],
        starts_at=now - datetime.timedelta(hours=10),
        ends_at=now - datetime.timedelta(hours=6),
    )
    (a,) = services.dispatch(actor=cmd, need=need, volunteers=[v])
    services.respond_assignment(actor=user, assignment=a, accept=True)
    a = Assignment.objects.get(pk=a.pk)
    with pytest.raises(ValidationError) as e:
        services.check_in(actor=user, assignment=a)  # now: after its end
    assert e.value.message_dict["started_at"][0].startswith("岗位已于 ")
    with pytest.raises(ValidationError) as e:
        services.check_in(
            actor=user, assignment=a, at=now - datetime.timedelta(hours=12, minutes=1)
        )
    assert "最早可提前 2 小时签到" in e.value.message_dict["started_at"][0]
    shift = services.check_in(actor=user, assignment=a, at=now - datetime.timedelta(hours=12))
    shift = services.check_out(actor=user, shift=shift)  # forgotten until now
    assert shift.ended_at >= now  # the fact as it happened
    assert shift.minutes == 8 * 60  # counted until 2 hours after the need's end
    assert Shift.objects.count() == 1


def test_a_repeat_sign_up_adds_skills_and_times_in_their_usual_order(areas):
    """Merged skills were appended (物资搬运 then 医疗护理), unlike every other way of saving
    them: re-importing the community's own export then "updated" the volunteer for nothing."""
    first, _ = _signup(areas["community"], skills=["logistics"], available_times=["ev"])
    _signup(
        areas["community"],
        id_number=first.id_number,
        skills=["medical"],
        available_times=["am"],
        available_days=["1"],
    )
    first.refresh_from_db()
    assert first.skills == ",medical,logistics,"
    assert first.available_times == ",am,ev,"
    assert first.available_days == ",1,6,7,"
