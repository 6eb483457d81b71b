"""Field rules of a scan record, shared by the batch API, the public page and staff entry.

Messages are Chinese and name the field, so a device's batch gets per-record errors a
person can act on.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fangkong.core.personal import normalize_text
from fangkong.core.validators import validate_id_number, validate_phone
from fangkong.health.rules import clean_temperature

from .choices import Direction

# A device clock a little ahead of the server is normal; a scan from the future is not.
MAX_CLOCK_SKEW = datetime.timedelta(minutes=10)
MAX_BATCH = 5000


@dataclass
class ScanRecord:
    """One checked record of a batch, ready to be resolved and inserted."""

    index: int
    uuid: uuid.UUID
    venue_code: str
    scanned_at: datetime.datetime
    direction: str
    temperature: Decimal | None
    token: str
    id_number: str
    phone: str
    name: str
    admitted: bool | None


def clean_uuid(value) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError(_("记录编号应为 UUID，如 3f2b…（由设备生成）")) from None


def clean_moment(value, *, now: datetime.datetime) -> datetime.datetime:
    moment = value if isinstance(value, datetime.datetime) else None
    if moment is None and isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        raise ValidationError(_("扫码时间格式不正确，应为 2026-11-30T08:15:00+08:00"))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now + MAX_CLOCK_SKEW:
        raise ValidationError(_("扫码时间晚于当前时间，请校准设备时钟"))
    return moment


def clean_direction(value) -> str:
    value = value or Direction.IN
    if value not in Direction.values:
        raise ValidationError(_("进出方向只能是 in（进入）或 out（离开）"))
    return value


def clean_optional_temperature(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return clean_temperature(value)
    except ValidationError as e:
        raise ValidationError(e.message_dict["temperature"]) from None


def clean_identity(*, id_number="", phone="", name="") -> tuple[str, str, str]:
    """(ID number, phone, name) of a person typing them in: an ID number or a phone is needed."""
    errors: dict[str, list[str]] = {}
    number = ""
    if id_number:
        try:
            number = validate_id_number(id_number)[0]
        except ValidationError as e:
            errors["id_number"] = e.messages
    try:
        phone = validate_phone(phone) if phone else ""
    except ValidationError as e:
        errors["phone"] = e.messages
    if not errors and not number and not phone:
        errors["id_number"] = [_("请填写身份证号或手机号")]
    if errors:
        raise ValidationError(errors)
    return number, phone, normalize_text(name)[:50]


def parse_record(index: int, raw, *, now: datetime.datetime) -> tuple[ScanRecord | None, list]:
    """A batch record → ``(ScanRecord, [])`` or ``(None, [(field, message), …])``."""
    if not isinstance(raw, dict):
        return None, [("", _("每条记录应为一个 JSON 对象"))]
    errors: list[tuple[str, str]] = []
    values: dict = {}

    def check(field: str, fn, *args):
        try:
            values[field] = fn(*args)
        except ValidationError as e:
            errors.extend((field, m) for m in e.messages)

    check("id", clean_uuid, raw.get("id"))
    code = str(raw.get("venue") or "").strip()
    if not code:
        errors.append(("venue", _("请填写场所码")))
    check("scanned_at", lambda v: clean_moment(v, now=now), raw.get("scanned_at"))
    check("direction", clean_direction, raw.get("direction"))
    check("temperature", clean_optional_temperature, raw.get("temperature"))
    token = str(raw.get("token") or "").strip()
    number = phone = name = ""
    if not token:
        try:
            number, phone, name = clean_identity(
                id_number=raw.get("id_number") or "",
                phone=raw.get("phone") or "",
                name=raw.get("name") or "",
            )
        except ValidationError as e:
            for field, messages in e.message_dict.items():
                errors.extend((field, m) for m in messages)
    admitted = raw.get("admitted")
    if admitted is not None and not isinstance(admitted, bool):
        errors.append(("admitted", _("是否准入应为 true 或 false")))
    if errors:
        return None, errors
    return (
        ScanRecord(
            index=index,
            uuid=values["id"],
            venue_code=code,
            scanned_at=values["scanned_at"],
            direction=values["direction"],
            temperature=values["temperature"],
            token=token,
            id_number=number,
            phone=phone,
            name=name or normalize_text(raw.get("name") or "")[:50],
            admitted=admitted,
        ),
        [],
    )
