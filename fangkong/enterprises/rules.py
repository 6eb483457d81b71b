"""Rules shared by the services, forms and the importer; one place each."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fangkong.areas.choices import AreaLevel
from fangkong.core.validators import validate_credit_code

# Enterprises belong to a community/village or to one of its grids.
ENTERPRISE_LEVELS = (AreaLevel.COMMUNITY, AreaLevel.GRID)


def clean_credit_code(value) -> str:
    try:
        return validate_credit_code(value)
    except ValidationError as e:
        raise ValidationError({"credit_code": e.messages}) from None


def check_enterprise_area(area) -> None:
    if area is None or area.level not in ENTERPRISE_LEVELS:
        raise ValidationError({"area": _("企业必须登记到社区（村）或网格")})


def check_not_negative(data: dict, *names: str) -> None:
    for name in names:
        value = data.get(name)
        if value is not None and int(value) < 0:
            raise ValidationError({name: _("不能为负数")})
