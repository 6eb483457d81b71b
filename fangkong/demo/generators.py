"""Generated people: ID numbers, phones, names and households. Nothing here is a real person.

Everything takes a ``random.Random`` so a seed reproduces the same city. Used by the demo
loader, the test factories and the benchmark's CSV generator.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from stdnum.cn import ric

from fangkong.registry.choices import ResidentCategory as Category
from fangkong.registry.choices import ResidentTag as Tag

# The demo is set at the start of the 2020 outbreak: ages and arrivals are counted from here.
REFERENCE_DATE = datetime.date(2020, 2, 1)


def make_id_number(
    region: str = "510411",
    birth: datetime.date | None = None,
    gender: str | None = None,
    rng: random.Random | None = None,
    order: int | None = None,
) -> str:
    """A checksummed resident ID number (generated; belongs to nobody).

    ``order`` (the three-digit sequence within a birth date) is random unless given: callers
    that need distinct numbers for the same birth date pass their own.
    """
    rng = rng or random
    birth = birth or datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(20000))
    order = rng.randrange(0, 999) if order is None else order % 999
    if gender == "M" and order % 2 == 0:
        order += 1
    if gender == "F" and order % 2 == 1:
        order -= 1
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_phone(rng: random.Random | None = None) -> str:
    """An 11-digit mainland mobile number."""
    rng = rng or random
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


# --- names: a weighted surname and one or two given-name characters ------------------------

# Common surnames with rough relative frequencies (per mille of the population).
_SURNAMES = (
    "王72 李72 张68 刘54 陈46 杨32 黄24 赵23 吴21 周21 徐17 孙15 马15 朱14 胡13 郭12 何12 "
    "高11 林11 罗11 郑10 梁9 谢8 宋8 唐8 许7 韩7 冯7 邓7 曹7 彭6 曾6 肖6 田6 董6 袁5 潘5 "
    "于5 蒋5 蔡5 余5 杜5 叶5 程5 苏4 魏4 吕4 丁4 任4 沈4 姚4 卢4 姜3 崔3 钟3 谭3 陆3 汪3 "
    "范3 金3 石3 廖3 贾3 夏3 韦3 付3 方3 白3 邹3 孟3 熊3 秦3 邱3 江3 尹2 薛2 闫2 段2 雷2 "
    "侯2 龙2 史2 陶2 黎2 贺2 顾2 毛2 郝2 龚2 邵2 万2 钱2 严2 武2 戴2 莫2 孔2 向2 汤2"
)
SURNAMES = tuple(s[0] for s in _SURNAMES.split())
SURNAME_WEIGHTS = tuple(int(s[1:]) for s in _SURNAMES.split())

GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋成康峰建国志文海"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀燕玲桂兰萍红梅琳雪慧莹倩婷颖洁琴云蓉欣怡佳悦璐晶月凤英"
GIVEN_ANY = "晓小子嘉思雨安春秋德永光金玉立新红天家宏世东"


def make_name(gender: str, rng: random.Random, surname: str | None = None) -> str:
    """A plausible Chinese name: surname plus one (30%) or two given-name characters."""
    surname = surname or rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
    own = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    if rng.random() < 0.3:
        return surname + rng.choice(own)
    first = rng.choice(GIVEN_ANY) if rng.random() < 0.4 else rng.choice(own)
    return surname + first + rng.choice(own)


def make_surname(rng: random.Random) -> str:
    return rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]


# --- places people come from --------------------------------------------------------------

# (county code, place as a grid worker writes it, weight): where returnees come back from and
# where inflow people are registered. Hubei dominates the 2020 screening lists.
ORIGINS = (
    ("420106", "湖北省武汉市武昌区", 8),
    ("420102", "湖北省武汉市江岸区", 5),
    ("420111", "湖北省武汉市洪山区", 4),
    ("421002", "湖北省荆州市沙市区", 2),
    ("420602", "湖北省襄阳市襄城区", 2),
    ("510104", "四川省成都市锦江区", 6),
    ("510107", "四川省成都市武侯区", 5),
    ("513401", "四川省凉山彝族自治州西昌市", 5),
    ("500103", "重庆市渝中区", 4),
    ("530102", "云南省昆明市五华区", 4),
    ("440305", "广东省深圳市南山区", 4),
    ("440106", "广东省广州市天河区", 3),
    ("330106", "浙江省杭州市西湖区", 3),
    ("310115", "上海市浦东新区", 3),
)
ORIGIN_WEIGHTS = tuple(w for _, _, w in ORIGINS)


def make_origin(rng: random.Random) -> tuple[str, str]:
    code, place, _ = rng.choices(ORIGINS, weights=ORIGIN_WEIGHTS)[0]
    return code, place


def make_arrival_date(rng: random.Random) -> datetime.date:
    """A day in Jan–Feb 2020, most of them before Wuhan closed on 23 January."""
    if rng.random() < 0.7:
        return datetime.date(2020, 1, 5) + datetime.timedelta(days=rng.randrange(19))
    return datetime.date(2020, 1, 24) + datetime.timedelta(days=rng.randrange(36))


# --- households ----------------------------------------------------------------------------

HOUSEHOLD_SIZES = (1, 2, 3, 4, 5)
HOUSEHOLD_SIZE_WEIGHTS = (15, 28, 28, 18, 11)


@dataclass
class Person:
    name: str
    gender: str
    birth_date: datetime.date
    id_number: str
    phone: str = ""
    category: str = Category.PERMANENT.value
    origin: str = ""
    arrival_date: datetime.date | None = None
    tags: list[str] = field(default_factory=list)


def age_on(birth: datetime.date, day: datetime.date = REFERENCE_DATE) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _birth_for_age(age: int, rng: random.Random) -> datetime.date:
    year = REFERENCE_DATE.year - age - 1
    return datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))


def _other(gender: str) -> str:
    return "F" if gender == "M" else "M"


def _members(size: int, rng: random.Random) -> list[tuple[str, int, str]]:
    """(gender, age, role) for each member, head first; roles: head, spouse, child, elder."""
    head_gender = "M" if rng.random() < 0.7 else "F"
    if size == 1:
        age = rng.randint(20, 90) if rng.random() < 0.5 else rng.randint(60, 90)
        return [(head_gender, age, "head")]
    head_age = rng.randint(26, 75)
    members = [(head_gender, head_age, "head")]
    members.append((_other(head_gender), max(20, head_age + rng.randint(-5, 5)), "spouse"))
    for _ in range(size - 2):
        if len(members) == 4 and head_age < 60 and rng.random() < 0.6:
            # A parent of the head living with the family.
            members.append((rng.choice("MF"), min(95, head_age + rng.randint(24, 32)), "elder"))
            continue
        child_age = head_age - rng.randint(22, 36)
        if child_age < 0:
            child_age = rng.randint(0, 5)
        members.append((rng.choice("MF"), child_age, "child"))
    return members


def make_household(
    size: int, home_region: str, rng: random.Random, *, local_regions: tuple[str, ...] = ()
) -> list[Person]:
    """The members of one household, coherent in surnames, ages, categories and tags.

    Most families are local (ID numbers issued in ``home_region``, or another district of
    the city); some moved in from elsewhere (流入) or rent for a while (暂住); in local
    families some working-age adults came back for the Spring Festival (返乡).
    """
    kind = rng.random()
    if kind < 0.06:
        household_category = Category.INFLOW.value
    elif kind < 0.09:
        household_category = Category.TEMPORARY.value
    else:
        household_category = Category.PERMANENT.value
    members = _members(size, rng)
    surnames = {"head": make_surname(rng), "spouse": make_surname(rng)}
    surnames["elder"] = surnames["head"]
    # Children take the father's surname.
    surnames["child"] = surnames["head" if members[0][0] == "M" else "spouse"]
    origin_code, origin_place = make_origin(rng)
    arrival = make_arrival_date(rng)
    low_income = rng.random() < 0.03

    people = []
    for gender, age, role in members:
        surname = surnames[role]
        birth = _birth_for_age(age, rng)
        age = age_on(birth)
        if household_category == Category.PERMANENT.value:
            region = home_region
            if local_regions and rng.random() < 0.15:
                region = rng.choice(local_regions)
        else:
            region = origin_code
        person = Person(
            name=make_name(gender, rng, surname=surname),
            gender=gender,
            birth_date=birth,
            id_number=make_id_number(region, birth, gender, rng),
            category=household_category,
        )
        if household_category == Category.INFLOW.value:
            person.origin, person.arrival_date = origin_place, arrival
        elif household_category == Category.TEMPORARY.value:
            person.origin = origin_place
        elif 18 <= age <= 50:
            roll = rng.random()
            if roll < 0.09:
                _, place = make_origin(rng)
                person.category = Category.RETURNEE.value
                person.origin, person.arrival_date = place, make_arrival_date(rng)
            elif roll < 0.11:
                person.category = Category.OUTFLOW.value
        if age >= 16 and (age < 80 or rng.random() < 0.5) and rng.random() < 0.95:
            person.phone = make_phone(rng)
        person.tags = _tags(person, age, size, low_income, rng)
        people.append(person)
    return people


def _tags(person: Person, age: int, size: int, low_income: bool, rng: random.Random) -> list[str]:
    tags = []
    if age >= 18 and rng.random() < (0.12 if age >= 60 else 0.07):
        tags.append(Tag.PARTY_MEMBER.value)
    if age >= 60:
        tags.append(Tag.ELDERLY.value)
        if size == 1:
            tags.append(Tag.LIVING_ALONE.value)
    if rng.random() < 0.02:
        tags.append(Tag.DISABLED.value)
    if age >= 50 and rng.random() < 0.15:
        tags.append(Tag.CHRONIC.value)
    if person.gender == "F" and 22 <= age <= 38 and size >= 2 and rng.random() < 0.05:
        tags.append(Tag.PREGNANT.value)
    if age < 14:
        tags.append(Tag.CHILD.value)
    if low_income:
        tags.append(Tag.LOW_INCOME.value)
    return tags
