"""Cell parsers: plain functions ``parse(value, ctx) -> python value`` raising ``ValidationError``.

Every parser receives a cell that is already normalised (NFKC, stripped, never blank) and
returns what the model field holds. Messages are in Chinese and never echo personal values.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Choices, Q
from django.utils import translation
from django.utils.translation import gettext as _

from fangkong.core import validators
from fangkong.core.validators import validate_id_number, validate_phone
from fangkong.formats import joined

Parser = Callable[[Any, Any], Any]

EXCEL_EPOCH = datetime.date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"  # an optional time of day
)
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")


def normalize_cell(value: Any) -> Any:
    """Full-width → half-width (NFKC) and stripped for text, without Excel's leading
    apostrophe ('510402…, "keep as text"); ``None`` for a blank cell. The engine's row loop
    (``Import.evaluate``) does the same inline."""
    if value is None:
        return None
    if type(value) is str:
        if not value.isascii():
            value = unicodedata.normalize("NFKC", value)
        value = value.strip()
        if value[:1] == "'":
            value = value[1:].strip()
        return value or None
    return value


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0``, dates as ISO."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def text(max_length: int | None = None) -> Parser:
    def parse_text(value, ctx=None) -> str:
        value = cell_text(value)
        if max_length is not None and len(value) > max_length:
            raise _too_long(max_length)
        return value

    return parse_text


def _too_long(max_length: int) -> ValidationError:
    return ValidationError(_("不能超过 %(n)d 个字") % {"n": max_length})


def person_name(max_length: int = 50) -> Parser:
    """A person's name (``validators.person_name``: 张　三 is 张三)."""

    def parse_person_name(value, ctx=None) -> str:
        value = validators.person_name(cell_text(value))
        if len(value) > max_length:
            raise _too_long(max_length)
        return value

    return parse_person_name


# --- dates ------------------------------------------------------------------------------


def _bad_date() -> ValidationError:
    return ValidationError(_("日期格式无法识别，请填写如 2020-02-14 的日期"))


def _ymd(y: int, m: int, d: int) -> datetime.date:
    try:
        return datetime.date(y, m, d)
    except ValueError:
        raise ValidationError(_("日期不存在，请核对年月日")) from None


def _from_number(n: float) -> datetime.date:
    if n != n or n < 1:  # NaN or not a date
        raise _bad_date()
    whole = int(n)
    if whole == n and 10000101 <= whole <= 99991231:  # 20200214 typed as a number
        return _ymd(whole // 10000, whole // 100 % 100, whole % 100)
    if whole > _MAX_SERIAL:
        raise _bad_date()
    return EXCEL_EPOCH + datetime.timedelta(days=whole)  # Excel serial day number


def parse_date(value, ctx=None) -> datetime.date:
    """2020-02-14, 2020/2/14, 2020.2.14, 2020年2月14日, 20200214, Excel serials, date cells."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        raise _bad_date()
    if isinstance(value, int | float):
        return _from_number(value)
    s = str(value)
    m = _DATE.match(s)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    if len(s) == 8 and s.isdigit():
        return _ymd(int(s[:4]), int(s[4:6]), int(s[6:]))
    if _SERIAL.match(s):
        return _from_number(float(s))
    raise _bad_date()


_DATETIME = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    # 8:30, 8时30分, or the hour alone (8时, 8点)
    r"(?:\s*T?\s*(\d{1,2})\s*(?::\s*(\d{1,2})|[时點点]\s*(?:(\d{1,2})\s*分?)?)"
    r"(?:\s*:\s*(\d{1,2})(?:\.\d+)?\s*秒?)?)?$"
)


def _bad_datetime() -> ValidationError:
    return ValidationError(_("时间格式无法识别，请填写如 2020-02-14 10:30 的时间"))


def parse_datetime(value, ctx=None) -> datetime.datetime:
    """A moment in the current time zone: date-time cells, ``2020-02-14 10:30[:00]``,
    ``2020/2/14 10:30``, ``2020年2月14日 10时30分`` (or ``17时``), Excel serials with a
    fraction; a date alone means midnight. Seconds are kept, fractions of a second dropped."""
    from django.utils import timezone

    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            return timezone.localtime(value).replace(microsecond=0)
        moment = value.replace(microsecond=0)
    elif isinstance(value, datetime.date):
        moment = datetime.datetime.combine(value, datetime.time())
    elif isinstance(value, bool):
        raise _bad_datetime()
    elif isinstance(value, int | float) or _SERIAL.match(str(value)):
        n = float(value)
        whole = int(n)
        if whole == n and 10000101 <= whole <= 99991231:
            moment = datetime.datetime.combine(_from_number(n), datetime.time())
        else:
            day = _from_number(n)
            seconds = round((n - whole) * 86400)
            moment = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(
                seconds=seconds
            )
    else:
        m = _DATETIME.match(str(value))
        if not m:
            raise _bad_datetime()
        day = _ymd(int(m[1]), int(m[2]), int(m[3]))
        hour, minute, second = int(m[4] or 0), int(m[5] or m[6] or 0), int(m[7] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise _bad_datetime()
        moment = datetime.datetime.combine(day, datetime.time(hour, minute, second))
    return timezone.make_aware(moment)


_TIME_OF_DAY = re.compile(
    # 8:30, 08:30:00, 8时30分, 8点, 8點半
    r"^(\d{1,2})\s*(?::\s*(\d{1,2})(?:\s*:\s*(\d{1,2}))?|[时點点]\s*(?:(半)|(\d{1,2})\s*分?)?)$"
)


def _bad_time() -> ValidationError:
    return ValidationError(_("时刻格式无法识别，请填写如 8:30 或 20:00 的时刻"))


def parse_time_of_day(value, ctx=None) -> datetime.time:
    """A time of day without a date: ``8:30``, ``20:00:00``, ``8时30分``, ``8点``, ``8点半``,
    time cells, and Excel's fraction of a day (0.5 is noon); 24:00 is not a time of day."""
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, bool):
        raise _bad_time()
    if isinstance(value, int | float):
        if not 0 <= value < 1:
            raise _bad_time()
        minutes = round(value * 1440)
        if minutes >= 1440:
            raise _bad_time()
        return datetime.time(minutes // 60, minutes % 60)
    m = _TIME_OF_DAY.match(str(value))
    if not m:
        raise _bad_time()
    hour = int(m[1])
    minute = 30 if m[4] else int(m[2] or m[5] or 0)
    if hour > 23 or minute > 59 or int(m[3] or 0) > 59:
        raise _bad_time()
    return datetime.time(hour, minute)


# --- choices and flags -------------------------------------------------------------------


_WHOLE = re.compile(r"^[0-9]+(?:\.0*)?$")  # ASCII digits: cells arrive NFKC-folded


def whole_number(
    low: int, high: int, *, units: Iterable[str] = (), none_words: Iterable[str] = ()
) -> Parser:
    """A count typed the many ways a list holds one: ``1,200``, ``120人`` (with one of
    ``units`` after it), ``48.0``; a word in ``none_words`` (不限) reads as ``None``."""
    units = tuple(units)
    none_words = frozenset(none_words)

    def parse_whole_number(value, ctx=None) -> int | None:
        text = cell_text(value).replace(",", "").strip()
        if text in none_words:
            return None
        for unit in units:
            text = text.removesuffix(unit).rstrip()
        if not _WHOLE.match(text) or not low <= int(text.partition(".")[0]) <= high:
            raise ValidationError(
                _("请填写 %(low)d 到 %(high)d 的整数") % {"low": low, "high": high}
            )
        return int(text.partition(".")[0])

    return parse_whole_number


def _labels(label) -> set[str]:
    """A choice label as shown in the current language and in Chinese (the msgid)."""
    out = {str(label)}
    with translation.override("zh-hans"):
        out.add(str(label))
    return {unicodedata.normalize("NFKC", s).strip().lower() for s in out}


def choice(choices: type[Choices], extra: dict[str, Any] | None = None) -> Parser:
    """A choice by its Chinese label or stored value (``常住`` or ``permanent``)."""
    lookup: dict[str, Any] | None = None

    def build() -> dict[str, Any]:
        table = {}
        for member in choices:
            table[str(member.value).lower()] = member.value
            for label in _labels(member.label):
                table[label] = member.value
        for k, v in (extra or {}).items():
            table[k.lower()] = v
        return table

    def parse_choice(value, ctx=None):
        nonlocal lookup
        if lookup is None:
            lookup = build()
        key = cell_text(value).replace(" ", "").lower()
        if key in lookup:
            return lookup[key]
        raise ValidationError(
            _("无法识别“%(v)s”，可填写：%(all)s")
            % {"v": cell_text(value)[:20], "all": joined(str(c.label) for c in choices)}
        )

    return parse_choice


GENDERS = {"男": "M", "女": "F", "男性": "M", "女性": "F", "m": "M", "f": "F"}


def parse_gender(value, ctx=None) -> str:
    g = GENDERS.get(cell_text(value).replace(" ", "").lower())
    if g is None:
        raise ValidationError(_("性别应填写“男”或“女”"))
    return g


# --- personal numbers --------------------------------------------------------------------


def _masked(value) -> bool:
    """A value as a masked export writes it (``core.personal``: 510411********1234)."""
    return isinstance(value, str) and "***" in value


def parse_id_number(value, ctx=None) -> tuple[str, datetime.date, str]:
    """(ID number, birth date, gender). A numeric cell means Excel already lost digits."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = float(value)
    if _masked(value):
        raise ValidationError(
            _(
                "身份证号是脱敏后的（“导出Excel”导出的表），对应不到人员：请改用"
                "“导出未脱敏数据”导出的表，或填写完整的身份证号"
            )
        )
    try:
        return validate_id_number(value, today=getattr(ctx, "today", None))
    except ValidationError as e:
        raise ValidationError(e.messages[0]) from None


def parse_phone(value, ctx=None) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if _masked(value):
        raise ValidationError(
            _(
                "联系电话是脱敏后的号码（“导出Excel”导出的表），不能导入：清空这些单元格即保留"
                "原号码，或改用“导出未脱敏数据”导出的表"
            )
        )
    try:
        return validate_phone(value)
    except ValidationError as e:
        raise ValidationError(e.messages[0]) from None


# --- areas -----------------------------------------------------------------------------


def area_lookup(levels: Iterable[int], *, label: str | None = None) -> Parser:
    """An area (e.g. a grid) by name or code, inside the import's area; returns its pk.

    Lookups are cached per import, so a file naming the same grid 100,000 times asks once.
    """
    levels = tuple(levels)

    def parse_area(value, ctx):
        key = cell_text(value)
        cache = ctx.cache.get(("area", levels))
        if cache is None:
            cache = ctx.cache[("area", levels)] = {}
            ctx.cache[("area-inside", levels)] = _inside_areas(levels, ctx)
        hit = cache.get(key)
        if hit is None:
            hit = _pick_inside(key, ctx.cache[("area-inside", levels)], ctx, label)
            if hit is None:
                hit = _find_area(key, levels, ctx, label)
            cache[key] = hit
        if isinstance(hit, str):
            raise ValidationError(hit)
        return hit

    return parse_area


# Up to this many areas of the looked-up levels inside the import's area are read in one
# query when the first cell is looked up (a city has a few thousand grids); beyond it each
# distinct cell asks the database.
PRELOAD_AREAS = 20_000


def _inside_areas(levels: tuple[int, ...], ctx) -> tuple[dict, dict] | None:
    """``({code: [(pk, code, path)]}, {name: [...]})`` of the areas inside the import's area.

    An area is also known by its name after its parents' (老街社区第1网格, 仁和镇老街社区第1网格,
    with or without spaces or slashes between): a street's lists name grids that way, and
    第1网格 alone is in every community."""
    from fangkong.areas.choices import AreaLevel
    from fangkong.areas.models import Area

    qs = Area.objects.filter(level__in=levels, path__startswith=ctx.area.path)
    rows = list(qs.values_list("pk", "code", "name", "path")[: PRELOAD_AREAS + 1])
    if len(rows) > PRELOAD_AREAS:
        return None
    # A grid is named after its community even in its own grid's file (the exports do).
    top = ctx.area.path
    if ctx.area.level == AreaLevel.GRID:
        top = top.rstrip("/").rsplit("/", 1)[0] + "/"
    parents = {path for *_x, path in rows for path in _parent_paths(path, top)}
    parent_names = dict(
        Area.objects.filter(path__in=parents).values_list("path", "name") if parents else ()
    )
    by_code: dict[str, list] = {}
    by_name: dict[str, list] = {}
    for pk, code, name, path in rows:
        if path.startswith(ctx.area.path):
            by_code.setdefault(code, []).append((pk, code, path))
            by_name.setdefault(name, []).append((pk, code, path))
            compound = name
            for parent in reversed(_parent_paths(path, top)):
                compound = parent_names.get(parent, "") + compound
                by_name.setdefault(compound, []).append((pk, code, path))
    return by_code, by_name


def _parent_paths(path: str, top: str) -> list[str]:
    """The paths of ``path``'s parents from ``top`` (itself included) down."""
    parts = path.rstrip("/").split("/")
    depth = len(top.rstrip("/").split("/"))
    return ["/".join(parts[:i]) + "/" for i in range(depth, len(parts))]


# Between a parent's name and its child's in a compound name: 老街社区 / 第1网格.
_NAME_GAPS = re.compile(r"[\s/／\\·・\-—>＞›]+")


def _pick_inside(key: str, inside_areas, ctx, label: str | None) -> int | str | None:
    """``_find_area``'s answer from the preloaded areas; ``None`` when the database must tell."""
    if inside_areas is None:
        return None
    by_code, by_name = inside_areas
    rows = by_code.get(key, [])
    if not rows:
        rows = by_name.get(key, []) or by_name.get(_NAME_GAPS.sub("", key), [])
        if len(rows) > 1:
            return _ambiguous(label or _("区域"), key)
    if len(rows) != 1:  # none inside (the database tells why), or a code used twice
        return None
    pk, _code, path = rows[0]
    ctx.area_paths[pk] = path
    return pk


def _ambiguous(what: str, key: str) -> str:
    return _(
        "%(what)s名称“%(v)s”在本次导入范围内不唯一，请改填%(what)s编码，"
        "或连同上级名称一起填写（如“老街社区第1网格”）"
    ) % {"what": what, "v": key[:30]}


def _find_area(key: str, levels: tuple[int, ...], ctx, label: str | None) -> int | str:
    from fangkong.areas.models import Area

    what = label or _("区域")
    rows = list(
        Area.objects.filter(level__in=levels)
        .filter(Q(code=key) | Q(name=key))
        .values_list("pk", "code", "path")
    )
    if not rows:  # nowhere, or only as a compound name outside (沙沟社区第1网格 from 老街社区)
        return _("在本次导入范围（%(area)s）内未找到%(what)s“%(v)s”，请填写%(what)s名称或编码") % {
            "what": what,
            "v": key[:30],
            "area": ctx.area.name,
        }
    inside = [r for r in rows if r[2].startswith(ctx.area.path)]
    if not inside:
        return _("%(what)s“%(v)s”不在本次导入范围（%(area)s）内") % {
            "what": what,
            "v": key[:30],
            "area": ctx.area.name,
        }
    by_code = [r for r in inside if r[1] == key]
    if by_code:
        inside = by_code
    if len(inside) > 1:
        return _ambiguous(what, key)
    pk, _code, path = inside[0]
    ctx.area_paths[pk] = path
    return pk
