"""Matching a free-text travel origin against a designated place; shared by the status
engine (is this resident's origin risky?) and the services (whose status must be recomputed?).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from fangkong.core.search import to_simplified

_CODE = re.compile(r"\d{2,12}")
_PLACE_CODE = re.compile(r"^\d{2,12}$")
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "地区", "省", "市", "区", "县", "盟", "旗")


def origin_code(origin: str) -> str:
    """The first run of digits in an origin (``420106 武昌区`` → ``420106``), or ``""``."""
    match = _CODE.search(unicodedata.normalize("NFKC", origin or ""))
    return match.group(0) if match else ""


@lru_cache(maxsize=4096)
def name_variants(place_name: str) -> tuple[str, ...]:
    """The name in Simplified, and without its administrative suffix (武汉市 → 武汉)."""
    name = to_simplified(place_name or "").replace(" ", "")
    if not name:
        return ()
    variants = [name]
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            variants.append(name[: -len(suffix)])
            break
    return tuple(variants)


def normalise_origin(origin: str) -> str:
    return to_simplified(origin or "").replace(" ", "")


def place_matches(origin: str, *, place_code: str, place_name: str) -> bool:
    """True if the origin names the place: the place's code is a prefix of the origin's
    code, or the place's name (with or without 省/市/区/县) is contained in the origin."""
    if not origin:
        return False
    if place_code:
        code = origin_code(origin)
        if code and code.startswith(place_code):
            return True
    text = normalise_origin(origin)
    return any(v in text for v in name_variants(place_name))


def is_valid_place_code(code: str) -> bool:
    return bool(_PLACE_CODE.match(code))
