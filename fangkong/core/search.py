"""One-box search keys: Simplified/Traditional folding (OpenCC) and pinyin (pypinyin).

Names are stored with three derived keys: ``name_norm`` (Simplified), ``name_pinyin``
(``zhangsan``) and ``name_initials`` (``zs``). A query is folded the same way, so 張三, 张三,
``zhangsan`` and ``zs`` all reach 张三. Digits go to the blind indexes instead.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import opencc
from django.conf import settings
from django.db import connections, models

from fangkong.core import phrases

phrases.load(settings.VAR_DIR / "cache")

from pypinyin import Style, lazy_pinyin  # noqa: E402
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS  # noqa: E402

_t2s = opencc.OpenCC("t2s")
_s2t = opencc.OpenCC("s2t")
_ASCII_LETTERS = re.compile(r"^[a-z]+$")
_ID_OR_PHONE = re.compile(r"^[0-9]{3,17}[0-9xX]$")


def _to_simplified(text: str) -> str:
    return _t2s.convert(unicodedata.normalize("NFKC", text)).strip()


to_simplified = lru_cache(maxsize=65536)(_to_simplified)


def to_traditional(text: str) -> str:
    """The Traditional form of a Simplified text (a stored text may be in either)."""
    return _s2t.convert(text)


@cache  # bounded by the number of distinct characters (~40,000)
def _char_pinyin(ch: str) -> tuple[str, ...]:
    return tuple(lazy_pinyin(ch, style=Style.NORMAL, errors="ignore"))


_PER_CHAR_MAX = 8


@cache  # bounded like ``_char_pinyin``
def _char_alone(ch: str) -> tuple[str, ...] | None:
    """``ch``'s reading when pypinyin would read it on its own in any text that has no
    phrase-dictionary word in it; ``None`` when it may not (a word itself, not Chinese)."""
    if ch in PHRASES_DICT or ord(ch) not in PINYIN_DICT or not RE_HANS.match(ch):
        return None
    return _char_pinyin(ch)


def _syllables(text: str) -> list[str]:
    """``lazy_pinyin(text, NORMAL, errors="ignore")``, from a per-character cache when exact.

    pypinyin reads a word of its phrase dictionary as a phrase (that is how it picks the
    reading of a polyphonic character) and every other Chinese character on its own. When
    no character and no run of two or more characters of ``text`` is in the phrase
    dictionary, each character gets its own reading, so the cached per-character readings
    give exactly what ``lazy_pinyin`` would; otherwise ``lazy_pinyin`` decides.
    """
    n = len(text)
    if n <= _PER_CHAR_MAX:
        out: list[str] = []
        for ch in text:
            alone = _char_alone(ch)
            if alone is None:
                break
            out.extend(alone)
        else:
            if not any(
                text[i:j] in PHRASES_DICT for i in range(n - 1) for j in range(i + 2, n + 1)
            ):
                return out
    return lazy_pinyin(text, style=Style.NORMAL, errors="ignore")


def compute_name_keys(name: str) -> tuple[str, str, str]:
    """``name_keys`` without its caches (an import keeps its own, bounded one)."""
    simplified = _to_simplified(name).replace(" ", "")
    syllables = _syllables(simplified)
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    return simplified, full, initials


# (simplified, full pinyin, initials) for a name; cached since names repeat a lot.
name_keys = lru_cache(maxsize=200_000)(compute_name_keys)


def classify_query(q: str) -> tuple[str, str]:
    """Return (kind, normalised query): kind is ``number``, ``pinyin`` or ``text``."""
    q = unicodedata.normalize("NFKC", q or "").strip()
    compact = q.replace(" ", "")
    if _ID_OR_PHONE.match(compact):
        return "number", compact.upper()
    if _ASCII_LETTERS.match(compact.lower()):
        return "pinyin", compact.lower()
    return "text", to_simplified(compact)


_KEY_PARTS = {"norm": 0, "pinyin": 1, "initials": 2}


class SearchKeyField(models.CharField):
    """A search key derived from another field on every save and bulk insert."""

    def __init__(self, *args, source: str = "", key: str = "norm", **kwargs):
        self.source = source
        self.key = key
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, key=self.key)
        for k in ("blank", "editable", "db_index"):
            kwargs.pop(k, None)
        if not self.db_index:  # the default is True, so only the opt-out is recorded
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        raw = getattr(model_instance, self.source) or ""
        value = name_keys(raw)[_KEY_PARTS[self.key]][: self.max_length] if raw else ""
        setattr(model_instance, self.attname, value)
        return value


def search_people(
    qs: models.QuerySet,
    q: str,
    *,
    id_purpose: str,
    phone_purpose: str,
    id4_purpose: str = "",
    phone4_purpose: str = "",
) -> models.QuerySet:
    """One search box over people: a name in either script, its pinyin or initials, or a full
    or last-4 ID number or phone through the model's blind indexes (``id_number_index``,
    ``phone_index``, ``id_number_last4``, ``phone_last4``; a last-4 index whose purpose is
    empty is not searched)."""
    from django.db.models import Q

    from .personal import index_value

    kind, value = classify_query(q)
    if not value:
        return qs
    if kind == "number":
        cond = Q()
        if len(value) == 18:
            cond |= Q(id_number_index=index_value(value, kind="id_number", purpose=id_purpose))
        if len(value) >= 7:
            cond |= Q(phone_index=index_value(value, kind="phone", purpose=phone_purpose))
        if len(value) == 4:
            for field, kind_, purpose in (
                ("id_number_last4", "id_number", id4_purpose),
                ("phone_last4", "phone", phone4_purpose),
            ):
                if purpose:
                    key = index_value(value, kind=kind_, purpose=purpose, transform="last4")
                    cond |= Q(**{field: key})
        return qs.filter(cond) if cond else qs.none()
    if kind == "pinyin":
        cond = Q(name_initials__startswith=value) | Q(name_pinyin__startswith=value)
    else:
        cond = Q(name_norm__contains=value)
    return unindexed_filter(qs, cond)


# A search that matches at most this many rows in scope has their keys read once; the page
# and its count then look them up by key (see ``unindexed_filter``).
FEW_KEYS = 2000


def unindexed_filter(qs: models.QuerySet, cond) -> models.QuerySet:
    """``qs.filter(cond)`` for a condition no index serves (a name's keys: ``LIKE``), with the
    rows in scope read once.

    A large scope's list walks its order's index and checks each row it passes; for a
    selective search both planners then read nearly every row in scope through that index
    (a city's search for one full name on SQLite: 6.1 s at 1,000,000 residents; a district's
    on PostgreSQL: 0.55 s). So the matching keys are read first, in the table's own order (a
    sequential scan; a small scope through its area index), and the list is filtered by
    them: a name searched matches a handful of people, and the page and its count then look
    them up by key instead of each reading every row in scope again (a city's search on
    SQLite: two reads of 450 ms each before). A search matching more than ``FEW_KEYS`` (a
    common surname over a city: the first read stops there) stays a sub-select of the same
    rows, read once per statement: SQLite runs ``pk IN (…)`` that way; PostgreSQL, which
    estimates the matches of a ``LIKE`` at ~100 rows, planned ``IN (…)`` as a semi-join under
    the ordered walk (2.9 s for the city); ``pk = ANY(ARRAY(…))`` is one InitPlan, then the
    rows by key."""
    keys = qs.filter(cond).order_by()
    found = list(keys.values_list("pk", flat=True)[: FEW_KEYS + 1])
    if len(found) <= FEW_KEYS:
        return qs.filter(pk__in=found)
    if connections[qs.db].vendor == "postgresql":
        return qs.filter(_AmongKeys(models.F("pk"), models.Subquery(keys.values("pk"))))
    return qs.filter(pk__in=keys.values("pk"))


class _AmongKeys(models.Func):
    """``key = ANY(ARRAY(sub-select))`` (PostgreSQL): the sub-select is evaluated once."""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        key, keys = self.get_source_expressions()
        key_sql, key_params = compiler.compile(key)
        keys_sql, keys_params = compiler.compile(keys)  # "(SELECT …)"
        return f"{key_sql} = ANY(ARRAY{keys_sql})", (*key_params, *keys_params)
