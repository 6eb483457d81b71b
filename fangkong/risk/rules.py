"""Matching a free-text travel origin against a designated place; shared by the status
engine (is this resident's origin risky?) and the services (whose status must be recomputed?).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from fangkong.core.search import to_simplified, to_traditional

_CODE = re.compile(r"\d{2,12}")
_PLACE_CODE = re.compile(r"^\d{2,12}$")
# Endings of a division's name, longest first (a segment ends at the first one it reaches).
_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "新区",
    "地区",
    "街道",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
    "镇",
    "乡",
)


def origin_code(origin: str) -> str:
    """The first run of digits in an origin (``420106 武昌区`` → ``420106``), or ``""``."""
    match = _CODE.search(unicodedata.normalize("NFKC", origin or ""))
    return match.group(0) if match else ""


def _core(segment: str) -> str:
    """A division's name without its ending (武汉市 → 武汉), unless that leaves one character."""
    for suffix in _SUFFIXES:
        if segment.endswith(suffix) and len(segment) - len(suffix) >= 2:
            return segment[: -len(suffix)]
    return segment


@lru_cache(maxsize=4096)
def place_segments(place_name: str) -> tuple[str, ...]:
    """The divisions a place's name runs through, each without its ending, broadest first:
    湖北省武汉市洪山区 → (湖北, 武汉, 洪山); 荆州市沙市区 → (荆州, 沙市)."""
    name = to_simplified(place_name or "").replace(" ", "")
    segments: list[str] = []
    start = 0
    while start < len(name):
        end = next(
            (
                j
                for j in range(start + 2, len(name) + 1)
                if any(name[start:j].endswith(s) for s in _SUFFIXES)
            ),
            len(name),
        )
        piece = name[start:end]
        if segments and len(piece) < 2:
            segments[-1] += piece  # 沙市 + 区: the ending of the name before it
        else:
            segments.append(piece)
        start = end
    return tuple(_core(s) for s in segments)


def name_variants(place_name: str) -> tuple[str, ...]:
    """Texts one of which every origin naming the place contains (a SQL pre-filter): the
    place's most specific division (武汉市 → 武汉), in Simplified and in Traditional (an
    origin is stored as typed)."""
    segments = place_segments(place_name)
    if not segments:
        return ()
    last = segments[-1]
    return tuple(dict.fromkeys((last, to_traditional(last))))


def normalise_origin(origin: str) -> str:
    return to_simplified(origin or "").replace(" ", "")


def _names_place(text: str, segments: tuple[str, ...]) -> bool:
    """The divisions appear in the origin in order; broader ones may be left out only by an
    origin that starts below them (武汉市洪山区 names 湖北省武汉市洪山区; 辽宁朝阳 does not
    name 北京市朝阳区)."""
    at = 0
    first: int | None = None
    missing_before_first = False
    for segment in segments:
        found = text.find(segment, at)
        if found < 0:
            if first is not None:
                return False  # a narrower division is missing
            missing_before_first = True
            continue
        if first is None:
            first = found
        at = found + len(segment)
    if first is None:
        return False
    return not missing_before_first or first == 0


def place_matches(origin: str, *, place_code: str, place_name: str) -> bool:
    """True if the origin names the place: the place's code is a prefix of the origin's
    code, or the origin names the place's divisions (with or without 省/市/区/县, broader
    ones may be left out at its start)."""
    if not origin:
        return False
    if place_code:
        code = origin_code(origin)
        if code and code.startswith(place_code):
            return True
    segments = place_segments(place_name)
    return bool(segments) and _names_place(normalise_origin(origin), segments)


def is_valid_place_code(code: str) -> bool:
    return bool(_PLACE_CODE.match(code))
