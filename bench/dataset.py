"""The benchmark's data: a generated city tree and a generated resident list as CSV.

Everything here is deterministic for a given seed and row count, and row ``i`` of an N-row file
is row ``i`` of any longer file with the same seed (one random stream, consumed row by row), so
the 100,000-row reference file is the first 100,000 rows of the 1,000,000-row file.

ID numbers come from ``fangkong.core.testing.factories.make_id_number`` (checksummed, generated,
belonging to nobody); importing it needs Django set up, so ``write_csv`` is called in a process
that has run ``django.setup()``.
"""

from __future__ import annotations

import csv
import datetime
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Bump when the generated content changes, so cached files are not reused.
GENERATOR_VERSION = 1
DEFAULT_SEED = 20200123

HEADERS = [
    "姓名",
    "性别",
    "身份证号",
    "联系电话",
    "现住址",
    "网格",
    "人员类别",
    "来源地",
    "抵达日期",
    "标签",
]

CITY = ("510400", "攀枝花市")
DISTRICTS = [
    ("510402", "东区"),
    ("510403", "西区"),
    ("510411", "仁和区"),
    ("510421", "米易县"),
    ("510422", "盐边县"),
]
STREETS_PER_DISTRICT = 4
COMMUNITIES_PER_STREET = 5
GRIDS_PER_COMMUNITY = 10
# Levels as in fangkong.areas.choices.AreaLevel (kept literal: this module imports no Django).
CITY_LEVEL, DISTRICT_LEVEL, STREET_LEVEL, COMMUNITY_LEVEL, GRID_LEVEL = 2, 3, 4, 5, 6

_STREET_WORDS = [
    "东华",
    "新华",
    "民生",
    "和平",
    "光明",
    "阳光",
    "幸福",
    "金沙",
    "银江",
    "团结",
    "清香",
    "大河",
]
_COMMUNITY_WORDS = [
    "海棠花语",
    "迷阳水岸",
    "公园华府",
    "新城锦绣",
    "枣子坪",
    "五十四",
    "向阳",
    "桃源",
    "兰尾",
    "学苑",
    "滨江",
    "龙潭",
    "青山",
    "花城",
    "碧水",
    "竹湖",
    "金江",
    "凤凰",
    "长寿",
    "文华",
]
_NUMERALS = "一二三四五六七八九十"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
)
# Roughly Zipf-shaped surname frequencies: 王/李/张 are far commoner than 郝/龚.
_SURNAME_WEIGHTS = [1.0 / (i + 3) for i in range(len(SURNAMES))]
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛"]
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强玉兰红梅文婷雪梅"
    "海燕小红晓明子涵浩然宇轩欣怡梓萱思远佳怡俊杰一诺雨桐家豪嘉怡若汐振东德胜春花秋菊冬梅"
    "永福金凤凤英淑珍秀珍玉珍桂芳丽娟建军建平红霞晓燕春燕海龙天佑"
)

LOCAL_REGIONS = [code for code, _ in DISTRICTS]
# (region code of the ID number, place of origin as typed in screening lists)
ORIGINS = [
    ("420106", "湖北省武汉市武昌区"),
    ("420102", "湖北省武汉市江岸区"),
    ("500101", "重庆市万州区"),
    ("330106", "浙江省杭州市西湖区"),
    ("440305", "广东省深圳市南山区"),
    ("110105", "北京市朝阳区"),
]
# (Chinese label as users type it, cumulative probability)
CATEGORIES = [("常住", 0.70), ("流入", 0.80), ("返乡", 0.90), ("暂住", 0.97), ("外出", 1.0)]

_REFERENCE_DAY = datetime.date(2020, 2, 1)
_BIRTH_START = datetime.date(1935, 1, 1)
_BIRTH_DAYS = (datetime.date(2019, 12, 31) - _BIRTH_START).days
_ARRIVAL_START = datetime.date(2020, 1, 10)


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    level: int
    parent_code: str | None


def area_tree() -> list[AreaSpec]:
    """The bench city, parents before children: 1 city, 5 districts, 20 streets,
    100 communities, 1,000 grids (about 1,000 residents per grid at 1,000,000 rows)."""
    out = [AreaSpec(CITY[0], CITY[1], CITY_LEVEL, None)]
    word = 0
    for d_code, d_name in DISTRICTS:
        out.append(AreaSpec(d_code, d_name, DISTRICT_LEVEL, CITY[0]))
        for s in range(1, STREETS_PER_DISTRICT + 1):
            s_code = f"{d_code}{s:03d}"
            s_name = f"{_STREET_WORDS[(word + s) % len(_STREET_WORDS)]}街道"
            out.append(AreaSpec(s_code, s_name, STREET_LEVEL, d_code))
            for c in range(1, COMMUNITIES_PER_STREET + 1):
                c_code = f"{s_code}{c:03d}"
                c_name = f"{_COMMUNITY_WORDS[(word + c) % len(_COMMUNITY_WORDS)]}社区"
                out.append(AreaSpec(c_code, c_name, COMMUNITY_LEVEL, s_code))
                for g in range(1, GRIDS_PER_COMMUNITY + 1):
                    out.append(
                        AreaSpec(
                            f"{c_code}G{g:02d}", f"第{_NUMERALS[g - 1]}网格", GRID_LEVEL, c_code
                        )
                    )
            word += 3
    return out


def grids() -> list[AreaSpec]:
    return [a for a in area_tree() if a.level == GRID_LEVEL]


def csv_path(cache_dir: Path, rows: int, seed: int) -> Path:
    return cache_dir / f"residents-{rows}-seed{seed}-v{GENERATOR_VERSION}.csv"


def _age_on_reference_day(birth: datetime.date) -> int:
    ref = _REFERENCE_DAY
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


def _name(rng: random.Random) -> str:
    if rng.random() < 0.003:
        surname = rng.choice(COMPOUND_SURNAMES)
    else:
        surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]
    given = rng.choice(GIVEN_CHARS)
    if rng.random() < 0.7:
        given += rng.choice(GIVEN_CHARS)
    return surname + given


def _tags(rng: random.Random, age: int, gender: str) -> str:
    tags = []
    if age >= 18 and rng.random() < 0.08:
        tags.append("党员")
    if age >= 65:
        tags.append("老人")
        if rng.random() < 0.15:
            tags.append("独居")
    if rng.random() < 0.02:
        tags.append("残疾")
    if age >= 40 and rng.random() < 0.12:
        tags.append("慢性病")
    if gender == "F" and 20 <= age <= 40 and rng.random() < 0.04:
        tags.append("孕产妇")
    if age < 14:
        tags.append("儿童")
    if rng.random() < 0.03:
        tags.append("低保")
    return "、".join(tags)


def iter_rows(rows: int, seed: int, make_id_number, make_phone) -> Iterator[list[str]]:
    """``rows`` CSV rows (lists of strings in ``HEADERS`` order) with unique ID numbers."""
    rng = random.Random(seed)
    grid_list = grids()
    by_code = {a.code: a for a in area_tree()}
    seen: set[int] = set()
    for _ in range(rows):
        grid = rng.choice(grid_list)
        community = by_code[grid.parent_code]
        street = by_code[community.parent_code]
        district = by_code[street.parent_code]
        gender = "M" if rng.random() < 0.51 else "F"
        r = rng.random()
        category = next(label for label, p in CATEGORIES if r < p)
        origin, arrival = "", ""
        region = grid.code[:6] if rng.random() < 0.6 else rng.choice(LOCAL_REGIONS)
        if category in ("流入", "返乡"):
            origin_code, origin = rng.choice(ORIGINS)
            if category == "流入":
                region = origin_code
            arrival = (_ARRIVAL_START + datetime.timedelta(days=rng.randrange(40))).isoformat()
        while True:
            birth = _BIRTH_START + datetime.timedelta(days=rng.randrange(_BIRTH_DAYS))
            id_number = make_id_number(region=region, birth=birth, gender=gender, rng=rng)
            key = int(id_number[:17])
            if key not in seen:
                seen.add(key)
                break
        phone = "" if rng.random() < 0.03 else make_phone(rng=rng)
        address = (
            f"{district.name}{street.name}{community.name}{rng.randrange(1, 31)}栋"
            f"{rng.randrange(1, 5)}单元{rng.randrange(1, 19)}{rng.randrange(1, 5):02d}室"
        )
        yield [
            _name(rng),
            "男" if gender == "M" else "女",
            id_number,
            phone,
            address,
            grid.code,
            category,
            origin,
            arrival,
            _tags(rng, _age_on_reference_day(birth), gender),
        ]


def write_csv(path: Path, rows: int, seed: int = DEFAULT_SEED) -> Path:
    """Write the file streaming (UTF-8 with BOM, as Excel's "CSV UTF-8" saves it).

    Written to a temporary name and renamed, so an interrupted run never leaves a cached file.
    """
    from fangkong.core.testing.factories import make_id_number, make_phone

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(iter_rows(rows, seed, make_id_number, make_phone))
    tmp.replace(path)
    return path


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a generated file as ``{header: value}`` (streaming)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        yield from csv.DictReader(fh)
