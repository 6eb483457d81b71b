"""Every write to residents, households and buildings goes through these functions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.areas.choices import AreaLevel
from fangkong.core import audit
from fangkong.core.personal import index_value
from fangkong.core.services import (
    audited_create,
    audited_delete,
    audited_update,
    lock_versioned,
    merged_for_update,
    refuse_duplicate,
    require_area,
    require_perm,
    save_versioned,
)
from fangkong.core.validators import person_name, validate_phone
from fangkong.status.services import recompute_on_commit

from .models import Building, Household, Resident
from .rules import clean_arrival_date, clean_identity, encode_tags

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


def _check_grid(area, message: str | None = None) -> None:
    if area is None or area.level != AreaLevel.GRID:
        raise ValidationError({"area": message or _("居民必须登记到网格")})


def _clean_resident(data: dict[str, Any], *, exclude_pk=None) -> dict[str, Any]:
    data = dict(data)
    _check_grid(data.get("area"))
    data["name"] = person_name(data.get("name"))
    if not data["name"]:
        raise ValidationError({"name": _("姓名不能为空")})
    number, gender, birth = clean_identity(
        data.get("id_number"), data.get("gender"), data.get("birth_date")
    )
    data.update(id_number=number, gender=gender, birth_date=birth)
    clean_arrival_date(data.get("arrival_date"), birth, timezone.localdate())
    try:
        data["phone"] = validate_phone(data.get("phone"))
    except ValidationError as e:
        raise ValidationError({"phone": e.messages}) from None
    if "tags" in data and not (isinstance(data["tags"], str) and data["tags"].startswith(",")):
        data["tags"] = encode_tags(data["tags"])
    household = data.get("household")
    if household is not None and household.area_id != data["area"].pk:
        raise ValidationError({"household": _("所选的户不在该网格内")})
    refuse_duplicate(
        Resident.objects.filter(
            id_number_index=index_value(number, kind="id_number", purpose="id")
        ),
        exclude_pk=exclude_pk,
        field="id_number",
        message=_("该身份证号已登记，请勿重复录入"),
    )
    return data


def create_resident(*, actor, data: dict[str, Any]) -> Resident:
    require_perm(actor, "registry.add_resident")
    require_area(actor, data.get("area"))
    data = _clean_resident(data)
    with transaction.atomic():
        resident = Resident(**{k: v for k, v in data.items() if k in RESIDENT_FIELDS})
        resident.save()
        audit.record_create(actor, resident)
        recompute_on_commit([resident.pk], cause=_("新增居民"), actor=actor)
    return resident


def update_resident(
    *, actor, resident: Resident, data: dict[str, Any], expected_version: int | None
) -> Resident:
    merged = merged_for_update(
        actor, resident, RESIDENT_FIELDS, data, perm="registry.change_resident"
    )
    merged = _clean_resident(merged, exclude_pk=resident.pk)
    with transaction.atomic():
        before = lock_versioned(resident, expected_version)
        save_versioned(actor, resident, before, {f: merged[f] for f in RESIDENT_FIELDS})
        recompute_on_commit([resident.pk], cause=_("居民信息变更"), actor=actor)
    return resident


def delete_resident(*, actor, resident: Resident, reason: str = "") -> None:
    require_perm(actor, "registry.delete_resident")
    require_area(actor, resident.area)
    audited_delete(actor, resident, reason=reason)


def reveal_resident(
    *, actor, resident: Resident, fields=("id_number", "phone", "address"), reason: str = ""
) -> dict[str, str]:
    """Unmasked personal fields; the reading itself is audited with the reason given, which
    is required (as an unmasked export's purpose is)."""
    require_perm(actor, "registry.reveal_resident")
    require_area(actor, resident.area)
    return read_unmasked(actor, resident, fields, reason, missing=_("显示完整信息必须填写查看原因"))


def read_unmasked(actor, resident: Resident, fields, reason: str, *, missing: str) -> dict:
    """The plaintext ``fields`` once the caller has decided the actor may read them (staff
    by permission and area, a party member by their 包联): the reason is required
    (``missing`` says so) and the reading is audited with it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": missing})
    audit.record_reveal(actor, resident, fields, reason=reason)
    return {f: getattr(resident, f) for f in fields}


def _clean_household(*, area, number: str, building, exclude_pk=None) -> str:
    _check_grid(area, _("户必须登记到网格"))
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("户编号不能为空")})
    if building is not None and building.area_id != area.pk:
        raise ValidationError({"building": _("所选楼栋不在该网格内")})
    refuse_duplicate(
        Household.objects.filter(area=area, number=number),
        exclude_pk=exclude_pk,
        field="number",
        message=_("该网格内已有相同户编号"),
    )
    return number


def create_household(
    *, actor, area, number: str, address: str = "", building=None, notes: str = ""
) -> Household:
    require_perm(actor, "registry.add_household")
    require_area(actor, area)
    number = _clean_household(area=area, number=number, building=building)
    with transaction.atomic():
        household = audited_create(
            actor,
            Household,
            area=area,
            number=number,
            address=address,
            building=building,
            notes=notes,
        )
    return household


def update_household(
    *,
    actor,
    household: Household,
    area,
    number: str,
    address: str = "",
    building=None,
    notes: str = "",
    expected_version: int | None,
) -> Household:
    require_perm(actor, "registry.change_household")
    require_area(actor, household.area)
    require_area(actor, area)
    number = _clean_household(area=area, number=number, building=building, exclude_pk=household.pk)
    from fangkong.screening.coverage import keeping  # screening builds on the registry

    with transaction.atomic():
        before = lock_versioned(household, expected_version)
        household.area, household.number, household.address = area, number, address
        household.building, household.notes = building, notes
        household.version = before.version + 1
        with keeping(household.pk):  # its visits count for its new area from now on
            household.save()
        if before.area_id != area.pk:
            # Members move with their household, and so do its party members' pairings.
            Resident.objects.filter(household=household).update(area=area)
            from fangkong.pairing.services import follow  # 包联 builds on the registry

            follow(household=household)
        audit.record_update(actor, before, household)
    return household


def delete_household(*, actor, household: Household, reason: str = "") -> None:
    require_perm(actor, "registry.delete_household")
    require_area(actor, household.area)
    if household.members.exists():
        raise ValidationError(_("该户还有成员，请先移出或删除成员"))
    audited_delete(actor, household, reason=reason)


def _clean_building(*, area, name: str, exclude_pk=None) -> str:
    _check_grid(area, _("楼栋必须属于网格"))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("楼栋名称不能为空")})
    refuse_duplicate(
        Building.objects.filter(area=area, name=name),
        exclude_pk=exclude_pk,
        field="name",
        message=_("该网格内已有同名楼栋"),
    )
    return name


def create_building(*, actor, area, name: str, notes: str = "") -> Building:
    require_perm(actor, "registry.add_building")
    require_area(actor, area)
    name = _clean_building(area=area, name=name)
    with transaction.atomic():
        building = audited_create(actor, Building, area=area, name=name, notes=notes)
    return building


def update_building(
    *, actor, building: Building, area, name: str, notes: str = "", expected_version: int | None
) -> Building:
    require_perm(actor, "registry.change_building")
    require_area(actor, building.area)
    require_area(actor, area)
    if area.pk != building.area_id and building.households.exists():
        raise ValidationError({"area": _("楼栋内已有住户，不能移到其他网格")})
    name = _clean_building(area=area, name=name, exclude_pk=building.pk)
    fields = {"area": area, "name": name, "notes": notes}
    from fangkong.pairing.services import follow  # 包联 builds on the registry

    with transaction.atomic():
        building = audited_update(actor, building, fields, expected_version=expected_version)
        follow(building=building)
    return building


def delete_building(*, actor, building: Building, reason: str = "") -> None:
    require_perm(actor, "registry.delete_building")
    require_area(actor, building.area)
    if building.households.exists():
        raise ValidationError(_("该楼栋还有住户，请先移出或删除住户"))
    audited_delete(actor, building, reason=reason)
