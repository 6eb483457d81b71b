"""Validators shared by forms, the API and the importer, with messages in Chinese."""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric

from .personal import normalize_id_number, normalize_phone

_SCI = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")


@lru_cache(maxsize=8192)
def _region_exists(code: str) -> bool:
    # stdnum's own validate() also demands the county existed in the birth year, which
    # rejects real numbers issued later under newer codes; any year is enough here.
    if not code.isdigit():
        return False
    return any("county" in props for _, props in numdb.get("cn/loc").info(code))


# Spaces between two Chinese characters of a name: padding that lines names up in a
# spreadsheet (张　三 beside 欧阳明月), never part of the name. Latin names keep theirs.
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff\uf900-\ufaff])\s+(?=[\u3400-\u9fff\uf900-\ufaff])")


def person_name(value: str) -> str:
    """A person's name as stored: trimmed, without the spaces that pad Chinese names."""
    value = (value or "").strip()
    # Most names have no space at all: no pattern to run (an import checks every row's).
    return _CJK_GAP.sub("", value) if len(value.split(maxsplit=1)) > 1 else value


def looks_like_excel_number(value: str) -> bool:
    """1.10101E+17 and friends: Excel stored an ID as a number and lost its last digits."""
    return bool(_SCI.match(value.strip()))


def validate_id_number(
    value, *, today: datetime.date | None = None
) -> tuple[str, datetime.date, str]:
    """Return (ID number, birth date, gender 'M'/'F') or raise ``ValidationError``.

    ``today`` bounds the birth date; an import passes its own (one clock read per file).
    """
    if isinstance(value, float):
        raise ValidationError(
            _("身份证号被 Excel 存成了数字，末几位已丢失，请将该列设置为文本格式后重新填写"),
            code="excel_number",
        )
    number = normalize_id_number(value)
    if not number:
        raise ValidationError(_("身份证号不能为空"), code="required")
    if looks_like_excel_number(number):
        raise ValidationError(
            _(
                "身份证号被 Excel 存成了科学计数法（如 1.10101E+17），末几位已丢失，"
                "请将该列设置为文本格式后重新填写"
            ),
            code="excel_number",
        )
    if len(number) != 18:
        raise ValidationError(
            _("身份证号应为 18 位，当前为 %(n)d 位") % {"n": len(number)}, code="length"
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("身份证号只能包含数字，最后一位可以是 X"), code="format")
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError(
            _("身份证号校验位不正确，请核对（可能有数字录错，或被 Excel 改动）"), code="checksum"
        )
    try:
        # Same as stdnum's ric.get_birth_date, without re-cleaning a checked number
        # (that re-clean was 5-8 % of a large import).
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期不存在"), code="birth_date") from None
    # The local day (the site's time zone), not the server's: a baby born this morning in
    # Beijing is born "tomorrow" on a server that keeps UTC until 08:00.
    if birth > (today or timezone.localdate()) or birth.year < 1880:
        raise ValidationError(_("身份证号中的出生日期不合理"), code="birth_date")
    if not _region_exists(number[:6]):
        raise ValidationError(_("身份证号前 6 位不是有效的行政区划代码"), code="region")
    gender = "M" if int(number[16]) % 2 else "F"
    return number, birth, gender


def validate_phone(value) -> str:
    """Mainland mobile (11 digits) or landline with area code; returns digits only."""
    if isinstance(value, float):
        value = str(int(value))
    phone = normalize_phone(value)
    if not phone:
        return ""
    if _MOBILE.match(phone) or _LANDLINE.match(phone):
        return phone
    raise ValidationError(_("联系电话格式不正确：应为 11 位手机号或带区号的固定电话"), code="phone")


def validate_credit_code(value) -> str:
    """统一社会信用代码 (GB 32100-2015, 18 characters) checked with ``stdnum.cn.uscc``."""
    from stdnum import exceptions as stdnum_errors
    from stdnum.cn import uscc

    code = uscc.compact(str(value or "")) if value else ""
    if not code:
        raise ValidationError(_("统一社会信用代码不能为空"), code="required")
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，当前为 %(n)d 位") % {"n": len(code)}, code="length"
        )
    try:
        return uscc.validate(code)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请核对是否录错"), code="checksum"
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("统一社会信用代码格式不正确（只能包含数字和大写字母，不含 I、O、Z、S、V）"),
            code="format",
        ) from None
