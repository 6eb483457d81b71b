"""One-box search keys: Simplified/Traditional folding (OpenCC) and pinyin (pypinyin).

Names are stored with three derived keys: ``name_norm`` (Simplified), ``name_pinyin``
(``zhangsan``) and ``name_initials`` (``zs``). A query is folded the same way, so 張三, 张三,
``zhangsan`` and ``zs`` all reach 张三. Digits go to the blind indexes instead.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
from django.db import models
from pypinyin import Style, lazy_pinyin

_t2s = opencc.OpenCC("t2s")
_ASCII_LETTERS = re.compile(r"^[a-z]+$")
_ID_OR_PHONE = re.compile(r"^[0-9]{3,17}[0-9xX]$")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    return _t2s.convert(unicodedata.normalize("NFKC", text)).strip()


@lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[str, str, str]:
    """(simplified, full pinyin, initials) for a name; cached since names repeat a lot."""
    simplified = to_simplified(name).replace(" ", "")
    syllables = lazy_pinyin(simplified, style=Style.NORMAL, errors="ignore")
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables if s).lower()
    return simplified, full, initials


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
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        raw = getattr(model_instance, self.source) or ""
        value = name_keys(raw)[_KEY_PARTS[self.key]][: self.max_length] if raw else ""
        setattr(model_instance, self.attname, value)
        return value
