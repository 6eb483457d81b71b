"""Every write to residents, households and buildings goes through these functions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.areas.choices import AreaLevel
from fangkong.core import audit
from fangkong.core.personal import index_value
from fangkong.core.services import lock_versioned, require_area, require_perm
from fangkong.core.validators import validate_phone

from .models import Building, Household, Resident
from .rules import clean_identity, encode_tags

RESIDENT_FIELDS = (
    "area",
    "household",
    "name",
    "gender",
    "birth_date",
    "id_number",
    "phone",
    "address",
    "category",
    "origin",
    "arrival_date",
    "tags",
    "notes",
)


def _check_grid(area) -> None:
    if area is None or area.level != AreaLevel.GRID:
        raise ValidationError({"area": _("居民必须登记到网格")})


def _clean_resident(data: dict[str, Any], *, exclude_pk=None) -> dict[str, Any]:
    data = dict(data)
    _check_grid(data.get("area"))
    if not (data.get("name") or "").strip():
        raise ValidationError({"name": _("姓名不能为空")})
    data["name"] = data["name"].strip()
    number, gender, birth = clean_identity(
        data.get("id_number"), data.get("gender"), data.get("birth_date")
    )
    data.update(id_number=number, gender=gender, birth_date=birth)
    try:
        data["phone"] = validate_phone(data.get("phone"))
    except ValidationError as e:
        raise ValidationError({"phone": e.messages}) from None
    if "tags" in data and not (isinstance(data["tags"], str) and data["tags"].startswith(",")):
        data["tags"] = encode_tags(data["tags"])
    household = data.get("household")
    if household is not None and household.area_id != data["area"].pk:
        raise ValidationError({"household": _("所选的户不在该网格内")})
    dup = Resident.objects.filter(
        id_number_index=index_value(number, kind="id_number", purpose="id")
    )
    if exclude_pk is not None:
        dup = dup.exclude(pk=exclude_pk)
    if dup.exists():
        raise ValidationError({"id_number": _("该身份证号已登记，请勿重复录入")})
    return data


def create_resident(*, actor, data: dict[str, Any]) -> Resident:
    require_perm(actor, "registry.add_resident")
    require_area(actor, data.get("area"))
    data = _clean_resident(data)
    with transaction.atomic():
        resident = Resident(**{k: v for k, v in data.items() if k in RESIDENT_FIELDS})
        resident.save()
        audit.record_create(actor, resident)
    return resident


def update_resident(
    *, actor, resident: Resident, data: dict[str, Any], expected_version: int | None
) -> Resident:
    require_perm(actor, "registry.change_resident")
    require_area(actor, resident.area)
    merged = {f: getattr(resident, f) for f in RESIDENT_FIELDS} | dict(data)
    require_area(actor, merged["area"])
    merged = _clean_resident(merged, exclude_pk=resident.pk)
    with transaction.atomic():
        before = lock_versioned(resident, expected_version)
        for field in RESIDENT_FIELDS:
            setattr(resident, field, merged[field])
        resident.version = before.version + 1
        resident.save()
        audit.record_update(actor, before, resident)
    return resident


def delete_resident(*, actor, resident: Resident, reason: str = "") -> None:
    require_perm(actor, "registry.delete_resident")
    require_area(actor, resident.area)
    with transaction.atomic():
        audit.record_delete(actor, resident, reason=reason)
        resident.delete()


def reveal_resident(
    *, actor, resident: Resident, fields=("id_number", "phone", "address"), reason: str = ""
) -> dict[str, str]:
    """Unmasked personal fields; the reading itself is audited."""
    require_perm(actor, "registry.reveal_resident")
    require_area(actor, resident.area)
    audit.record_reveal(actor, resident, fields, reason=reason)
    return {f: getattr(resident, f) for f in fields}


def create_household(
    *, actor, area, number: str, address: str = "", building=None, notes: str = ""
) -> Household:
    require_perm(actor, "registry.add_household")
    require_area(actor, area)
    _check_grid(area)
    if not number.strip():
        raise ValidationError({"number": _("户编号不能为空")})
    if Household.objects.filter(area=area, number=number.strip()).exists():
        raise ValidationError({"number": _("该网格内已有相同户编号")})
    with transaction.atomic():
        household = Household.objects.create(
            area=area, number=number.strip(), address=address, building=building, notes=notes
        )
        audit.record_create(actor, household)
    return household


def create_building(*, actor, area, name: str, notes: str = "") -> Building:
    require_perm(actor, "registry.add_building")
    require_area(actor, area)
    _check_grid(area)
    with transaction.atomic():
        building = Building.objects.create(area=area, name=name.strip(), notes=notes)
        audit.record_create(actor, building)
    return building
