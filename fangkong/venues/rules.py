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
# What a batch record may carry: a misspelled field ("temprature") is refused, not dropped.
RECORD_FIELDS = frozenset(
    {"id", "venue", "scanned_at", "direction", "temperature", "token", "id_number", "phone"}
    | {"name", "admitted"}
)


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


fromisoformat = datetime.datetime.fromisoformat


def clean_moment(
    value, *, now: datetime.datetime, oldest: datetime.datetime | None = None
) -> datetime.datetime:
    """A scan's time; ``oldest``: the earliest still kept (older scans are purged anyway)."""
    moment = value if isinstance(value, datetime.datetime) else None
    if moment is None and isinstance(value, str):
        try:
            # What devices send (ISO 8601 with an offset) parses here; Django's parser,
            # which tries the same first, adds its regex for the rarer forms.
            moment = fromisoformat(value)
        except ValueError:
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
    if oldest is not None and moment < oldest:
        raise ValidationError(
            _("扫码时间早于 %(day)s，超出扫码记录的保存期限，不再接收；请检查设备时钟")
            % {"day": timezone.localtime(oldest).date().isoformat()}
        )
    return moment


DIRECTIONS = frozenset(Direction.values)


def clean_direction(value) -> str:
    value = value or Direction.IN
    if not isinstance(value, str) or value not in DIRECTIONS:
        raise ValidationError(_("进出方向只能是 in（进入）或 out（离开）"))
    return value


def clean_optional_temperature(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return clean_temperature(value)
    except ValidationError as e:
        raise ValidationError(e.message_dict["temperature"]) from None


def _memo(cache: dict | None, key: tuple, fn, value):
    """``fn(value)`` as ``(result, messages)``, remembered in ``cache`` under ``key``: a batch
    checks each distinct ID number, phone or temperature once."""
    remember = cache is not None and isinstance(value, str)  # JSON may carry lists, dicts
    if remember and key in cache:
        return cache[key]
    try:
        out = (fn(value), None)
    except ValidationError as e:
        out = (None, e.messages)
    if remember:
        cache[key] = out
    return out


def _id_number(value) -> str:
    return validate_id_number(value)[0]


def clean_identity(
    *, id_number="", phone="", name="", cache: dict | None = None
) -> tuple[str, str, str]:
    """(ID number, phone, name) of a person typing them in: an ID number or a phone is needed."""
    errors: dict[str, list[str]] = {}
    number = ""
    if id_number:
        number, messages = _memo(cache, ("id", id_number), _id_number, id_number)
        if messages:
            errors["id_number"] = messages
    cleaned = ""
    if phone:
        cleaned, messages = _memo(cache, ("phone", phone), validate_phone, phone)
        if messages:
            errors["phone"] = messages
    if not errors and not number and not cleaned:
        errors["id_number"] = [_("请填写身份证号或手机号")]
    if errors:
        raise ValidationError(errors)
    return number, cleaned, normalize_text(name)[:50]


def parse_record(
    index: int,
    raw,
    *,
    now: datetime.datetime,
    oldest: datetime.datetime | None = None,
    cache: dict | None = None,
) -> tuple[ScanRecord | None, list]:
    """A batch record → ``(ScanRecord, [])`` or ``(None, [(field, message), …])``.

    ``cache`` (one dict per batch) remembers the checks of repeated ID numbers, phones and
    temperatures: a checkpoint's batch sees the same people and readings again and again.
    """
    if not isinstance(raw, dict):
        return None, [("", _("每条记录应为一个 JSON 对象"))]
    errors: list[tuple[str, str]] = []
    if not RECORD_FIELDS.issuperset(raw):
        unknown = sorted(str(k) for k in raw if k not in RECORD_FIELDS)
        errors.extend((k, _("未知字段（字段名是否拼错？）")) for k in unknown)
    get = raw.get
    try:
        record_id = clean_uuid(get("id"))
    except ValidationError as e:
        errors.extend(("id", m) for m in e.messages)
    code = str(get("venue") or "").strip()
    if not code:
        errors.append(("venue", _("请填写场所码")))
    try:
        scanned_at = clean_moment(get("scanned_at"), now=now, oldest=oldest)
    except ValidationError as e:
        errors.extend(("scanned_at", m) for m in e.messages)
    try:
        direction = clean_direction(get("direction"))
    except ValidationError as e:
        errors.extend(("direction", m) for m in e.messages)
    temperature, messages = _memo(
        cache, ("t", get("temperature")), clean_optional_temperature, get("temperature")
    )
    if messages:
        errors.extend(("temperature", m) for m in messages)
    token = str(get("token") or "").strip()
    number = phone = name = ""
    if not token:
        try:
            number, phone, name = clean_identity(
                id_number=get("id_number") or "",
                phone=get("phone") or "",
                name=get("name") or "",
                cache=cache,
            )
        except ValidationError as e:
            for field, messages in e.message_dict.items():
                errors.extend((field, m) for m in messages)
    admitted = get("admitted")
    if admitted is not None and not isinstance(admitted, bool):
        errors.append(("admitted", _("是否准入应为 true 或 false")))
    if errors:
        return None, errors
    return (
        ScanRecord(
            index=index,
            uuid=record_id,
            venue_code=code,
            scanned_at=scanned_at,
            direction=direction,
            temperature=temperature,
            token=token,
            id_number=number,
            phone=phone,
            name=name or normalize_text(get("name") or "")[:50],
            admitted=admitted,
        ),
        [],
    )
