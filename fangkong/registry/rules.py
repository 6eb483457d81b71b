"""Field rules for residents, shared by the form, the API serializer and the importer."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fangkong.core.validators import validate_id_number
from fangkong.formats import joined

from .choices import ResidentTag

TAG_VALUES = {t.value for t in ResidentTag}
TAG_BY_LABEL = {str(t.label): t.value for t in ResidentTag}


def clean_identity(
    id_number, gender: str | None, birth_date: datetime.date | None
) -> tuple[str, str, datetime.date]:
    """Validate the ID number and check the gender and birth date entered against it."""
    try:
        number, birth, derived_gender = validate_id_number(id_number)
    except ValidationError as e:
        raise ValidationError({"id_number": e.messages}) from None
    errors = {}
    if gender and gender != derived_gender:
        errors["gender"] = _("性别与身份证号不符（身份证号显示为%(g)s）") % {
            "g": _("男") if derived_gender == "M" else _("女")
        }
    if birth_date and birth_date != birth:
        errors["birth_date"] = _("出生日期与身份证号不符（身份证号显示为 %(d)s）") % {
            "d": birth.isoformat()
        }
    if errors:
        raise ValidationError(errors)
    return number, derived_gender, birth


def clean_arrival_date(
    arrival_date: datetime.date | None, birth_date: datetime.date | None, today: datetime.date
) -> None:
    """抵达日期 is a recorded arrival: not after today, not before the person was born."""
    if arrival_date is None:
        return
    if arrival_date > today:
        raise ValidationError({"arrival_date": _("抵达日期不能晚于今天")})
    if birth_date is not None and arrival_date < birth_date:
        raise ValidationError({"arrival_date": _("抵达日期不能早于出生日期")})


def encode_tags(tags) -> str:
    """Store tags as ``,a,b,`` (known tag values or their Chinese labels)."""
    if isinstance(tags, str):
        tags = [t for t in tags.replace("，", ",").replace("、", ",").split(",")]
    values = []
    for t in tags or []:
        t = str(t).strip()
        if not t:
            continue
        value = t if t in TAG_VALUES else TAG_BY_LABEL.get(t)
        if value is None:
            raise ValidationError(
                {
                    "tags": _("未知标签“%(t)s”，可用：%(all)s")
                    % {"t": t, "all": joined(TAG_BY_LABEL)}
                }
            )
        if value not in values:
            values.append(value)
    return f",{','.join(values)}," if values else ""
