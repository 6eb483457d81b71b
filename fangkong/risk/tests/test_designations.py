"""Risk designations: append-only history, a new level closes the open one, lookups."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fangkong.core.models import AuditEntry
from fangkong.risk.models import RiskDesignation, RiskLevel
from fangkong.risk.rules import origin_code, place_matches
from fangkong.risk.selectors import designations_visible_to, risk_level_at
from fangkong.risk.services import create_risk_level, set_risk_level
from fangkong.status.clock import at_local

D = datetime.date


def level(rank):
    return RiskLevel.objects.get(rank=rank)


def test_levels_are_seeded(db):
    assert list(RiskLevel.objects.values_list("name", "rank")) == [
        ("低风险", 1),
        ("中风险", 2),
        ("高风险", 3),
    ]


def test_new_level_closes_the_open_designation_of_the_same_place(users):
    t1, t2 = at_local(D(2020, 1, 23), 10), at_local(D(2020, 3, 10), 0)
    first = set_risk_level(
        actor=users["command"],
        level=level(3),
        effective_from=t1,
        reason="封城",
        place_name="武汉市",
        place_code="4201",
    )
    other = set_risk_level(
        actor=users["command"], level=level(2), effective_from=t1, reason="通报", place_code="4202"
    )
    second = set_risk_level(
        actor=users["command"],
        level=level(2),
        effective_from=t2,
        reason="降为中风险",
        place_name="武汉市",
        place_code="4201",
    )
    first.refresh_from_db()
    other.refresh_from_db()
    assert first.effective_to == t2
    assert second.effective_to is None
    assert other.effective_to is None  # another place is untouched
    assert RiskDesignation.objects.count() == 3
    update = AuditEntry.objects.get(object_type="risk.riskdesignation", action="update")
    assert update.changes == {"effective_to": [None, t2.isoformat()]}
    assert update.reason == "降为中风险"


def test_risk_level_at_reads_the_history(users):
    t1, t2 = at_local(D(2020, 1, 23), 10), at_local(D(2020, 3, 10), 0)
    for lvl, when in ((3, t1), (2, t2)):
        set_risk_level(
            actor=users["command"],
            level=level(lvl),
            effective_from=when,
            reason="通报",
            place_name="武汉市",
            place_code="4201",
        )
    assert risk_level_at(when=t1 - datetime.timedelta(seconds=1), place_code="420106") is None
    assert risk_level_at(when=t1, place_code="420106").name == "高风险"
    assert risk_level_at(when=t2, place_code="420106").name == "中风险"
    assert risk_level_at(when=t2, place_name="湖北省武汉市武昌区").name == "中风险"
    assert risk_level_at(when=t2, place_code="420200") is None


def test_internal_area_designation_covers_its_subtree(users, areas):
    set_risk_level(
        actor=users["command"],
        level=level(3),
        effective_from=at_local(D(2022, 4, 1), 0),
        reason="本土疫情",
        area=areas["renhe"],
    )
    when = at_local(D(2022, 4, 2), 0)
    assert risk_level_at(when=when, area=areas["grid_a"]).name == "高风险"
    assert risk_level_at(when=when, area=areas["grid_c"]) is None
    assert risk_level_at(when=when, place_name="攀枝花市仁和区").name == "高风险"


def test_validation_messages_name_the_field(users):
    when = at_local(D(2020, 1, 23), 10)
    with pytest.raises(ValidationError) as e:
        set_risk_level(actor=users["command"], level=level(3), effective_from=when, reason="")
    assert e.value.message_dict == {"place_name": ["请选择本平台区域或填写地区名称/区划代码"]}
    with pytest.raises(ValidationError) as e:
        set_risk_level(
            actor=users["command"],
            level=level(3),
            effective_from=when,
            reason="x",
            place_code="42a",
        )
    assert e.value.message_dict == {"place_code": ["区划代码应为 2–12 位数字"]}
    set_risk_level(
        actor=users["command"], level=level(3), effective_from=when, reason="x", place_code="4201"
    )
    with pytest.raises(ValidationError) as e:
        set_risk_level(
            actor=users["command"],
            level=level(2),
            effective_from=when,
            reason="x",
            place_code="4201",
        )
    assert list(e.value.message_dict) == ["effective_from"]
    assert RiskDesignation.objects.get().effective_to is None


def test_only_command_sets_levels_and_inside_its_area(users, areas):
    when = at_local(D(2020, 1, 23), 10)
    with pytest.raises(PermissionDenied):
        set_risk_level(
            actor=users["street"], level=level(3), effective_from=when, reason="x", place_code="42"
        )
    with pytest.raises(PermissionDenied):
        create_risk_level(actor=users["community"], name="极高风险", rank=4)
    assert RiskDesignation.objects.count() == 0
    assert designations_visible_to(users["volunteer"]).count() == 0


def test_origin_matching():
    assert origin_code("420106 武昌区") == "420106"
    assert place_matches("420106", place_code="4201", place_name="")
    assert place_matches("湖北武漢", place_code="", place_name="武汉市")
    assert not place_matches("湖北黄冈", place_code="4201", place_name="武汉市")
    assert not place_matches("", place_code="4201", place_name="武汉市")


def test_origin_written_without_the_province_or_suffixes_names_the_place():
    """A designation typed as issued (湖北省武汉市) missed returnees whose lists say 武汉市武昌区
    or 湖北武汉; a place of the same name elsewhere is still not matched."""
    wuhan = {"place_code": "", "place_name": "湖北省武汉市"}
    assert place_matches("武汉市武昌区", **wuhan)
    assert place_matches("湖北武汉武昌", **wuhan)
    assert place_matches("湖北省武汉市洪山区", **wuhan)
    assert not place_matches("湖北省黄冈市", **wuhan)
    chaoyang = {"place_code": "", "place_name": "北京市朝阳区"}
    assert place_matches("北京朝阳", **chaoyang)
    assert not place_matches("辽宁省朝阳市", **chaoyang)
    assert place_matches("荆州沙市", place_code="", place_name="湖北省荆州市沙市区")
    assert place_matches("上海浦东", place_code="", place_name="上海市浦东新区")
    assert not place_matches("湖北省武汉市江岸区", place_code="", place_name="武汉市洪山区")


def test_designation_as_issued_turns_returnees_yellow(
    users, areas, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from fangkong.status.models import PersonStatus
    from fangkong.status.testing import make_resident

    today = timezone.localdate()
    came = make_resident(
        areas["grid_a"], origin="武汉市武昌区", arrival_date=today - datetime.timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        set_risk_level(
            actor=users["command"],
            level=level(3),
            effective_from=timezone.now() - datetime.timedelta(days=10),
            reason="通报",
            place_name="湖北省武汉市",
        )
    assert PersonStatus.objects.get(pk=came.pk).colour == "yellow"


def test_designation_reaches_an_origin_written_in_traditional(
    users, areas, django_capture_on_commit_callbacks
):
    """湖北武漢 matched the place, but the designation's pre-filter looked for 武汉 only: the
    returnee was never recomputed and stayed green."""
    from django.utils import timezone

    from fangkong.risk.selectors import residents_matching_designation
    from fangkong.status.models import PersonStatus
    from fangkong.status.testing import make_resident

    today = timezone.localdate()
    came = make_resident(
        areas["grid_a"], origin="湖北武漢", arrival_date=today - datetime.timedelta(days=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        d = set_risk_level(
            actor=users["command"],
            level=level(3),
            effective_from=timezone.now() - datetime.timedelta(days=10),
            reason="通报",
            place_name="武汉市",
        )
    assert list(residents_matching_designation(d)) == [came]
    assert PersonStatus.objects.get(pk=came.pk).colour == "yellow"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_designations_of_one_place_at_once_leave_one_open_level(users):
    """Two officers set the same place's level at the same moment: the second waits, finds
    the first's designation open and is refused by its rule, instead of the place ending up
    with two open levels."""
    from fangkong.core.testing.sessions import second_while_first_uncommitted

    # A transactional test's database starts without the seeded levels another emptied.
    high, _ = RiskLevel.objects.get_or_create(rank=3, defaults={"name": "高风险"})
    t = at_local(D(2022, 4, 1), 10)

    def designate():
        return set_risk_level(
            actor=users["command"], level=high, effective_from=t, reason="通报",
            place_name="某市", place_code="5104",
        )  # fmt: skip

    race = second_while_first_uncommitted(designate, designate)
    assert race.first is None and race.second_waited
    assert isinstance(race.second, ValidationError)
    assert RiskDesignation.objects.filter(place_code="5104", effective_to=None).count() == 1
