"""Personal data fields: encrypted at rest, masked for display, found through blind indexes.

One mechanism for every module: declare ``EncryptedTextField(kind=...)`` for the value and
``BlindIndexField(source=..., purpose=...)`` for each way it must be found. Lists, exports and
the API show ``mask(kind, value)``; revealing a value goes through ``core.audit.record_reveal``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from . import crypto


def normalize_id_number(value: str | None) -> str:
    if value is None:
        return ""
    if type(value) is str and value.isascii() and value.isalnum():  # the usual case, as is
        return value.upper()
    return unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").upper()


def normalize_phone(value: str | None) -> str:
    if value is None:
        return ""
    if type(value) is str and value.isascii() and value.isdigit():  # already digits only
        return value[2:] if len(value) == 13 and value.startswith("86") else value
    digits = re.sub(r"[^\d]", "", unicodedata.normalize("NFKC", str(value)))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def normalize_text(value: str | None) -> str:
    if value is None:
        return ""
    return " ".join(unicodedata.normalize("NFKC", str(value)).split())


def mask_id_number(value: str) -> str:
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    keep = min(6, max(len(value) // 3, 1))
    return value[:keep] + "****"


def mask_name(value: str) -> str:
    if len(value) <= 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


@dataclass(frozen=True)
class PersonalKind:
    label: str
    normalize: Callable[[str | None], str]
    mask: Callable[[str], str]


KINDS: dict[str, PersonalKind] = {
    "id_number": PersonalKind(_("身份证号"), normalize_id_number, mask_id_number),
    "phone": PersonalKind(_("联系电话"), normalize_phone, mask_phone),
    "address": PersonalKind(_("地址"), normalize_text, mask_address),
    "name": PersonalKind(_("姓名"), normalize_text, mask_name),
    "text": PersonalKind(_("敏感信息"), normalize_text, lambda v: "****" if v else ""),
}


def mask(kind: str, value: str | None) -> str:
    if not value:
        return ""
    return KINDS[kind].mask(value)


class EncryptedTextField(models.TextField):
    """Holds plaintext in Python, AES-GCM ciphertext in the database.

    It cannot be filtered on (every token differs); use a ``BlindIndexField`` to find rows.
    """

    description = "Encrypted personal text"

    def __init__(self, *args, kind: str = "text", **kwargs):
        self.kind = kind
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        kwargs.pop("blank", None)
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else value

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def mask(self, value: str | None) -> str:
        return mask(self.kind, value)


class BlindIndexField(models.CharField):
    """HMAC of a normalised source value, recomputed on every save and bulk insert.

    ``transform`` narrows the value first, e.g. the last four digits for partial search.
    """

    def __init__(self, *args, source: str = "", purpose: str = "", transform: str = "", **kwargs):
        self.source = source
        self.purpose = purpose
        self.transform = transform
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, purpose=self.purpose, transform=self.transform)
        for key in ("max_length", "null", "blank", "editable", "db_index"):
            kwargs.pop(key, None)
        if not self.db_index:  # indexed by a constraint instead (this class's default: True)
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def compute(self, raw: str | None) -> str | None:
        kind = self.model._meta.get_field(self.source).kind
        return index_value(raw, kind=kind, purpose=self.purpose, transform=self.transform)

    def pre_save(self, model_instance, add):
        value = self.compute(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


TRANSFORMS: dict[str, Callable[[str], str]] = {
    "": lambda v: v,
    "last4": lambda v: v[-4:] if len(v) >= 4 else "",
}


def index_value(raw: str | None, *, kind: str, purpose: str, transform: str = "") -> str | None:
    """Blind index of ``raw`` as stored by a ``BlindIndexField`` with these settings."""
    value = TRANSFORMS[transform](KINDS[kind].normalize(raw))
    return crypto.blind_index(value, purpose=purpose) if value else None


def personal_fields(model) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def blind_index_fields(model) -> list[BlindIndexField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
